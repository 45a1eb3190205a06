import { describe, expect, it } from 'vitest';
import { normaliseHost, pixelHostRefusal, platformHostNames } from '../../modules/tracking-settings/pixel-host-rules.js';

const platform = platformHostNames({ platformHosts: ['API.Example.com.'], publicUrl: 'https://app.example.com:8443/x', cnameTarget: 'pixel.example.net' });

describe('pixel host rules', () => {
  it('gathers the platform names from its settings, normalised', () => {
    expect(platform).toEqual(['api.example.com', 'app.example.com', 'pixel.example.net']);
  });

  it('normalises a Host header or an input: case, port and trailing dot go; IPv6 brackets stay', () => {
    expect(normaliseHost(' T.Shop.Example:443 ')).toBe('t.shop.example');
    expect(normaliseHost('t.shop.example.')).toBe('t.shop.example');
    expect(normaliseHost('[::1]:4000')).toBe('[::1]');
    expect(normaliseHost('::1')).toBe('::1');
  });

  it.each([
    ['127.0.0.1', /IP address/],
    ['10.1', /IP address/],
    ['0x7f.1', /IP address/],
    ['shop.1', /IP address/],
    ['2130706433', /IP address/],
    ['[::1]', /IP address/],
    ['::ffff:7f00:1', /IP address/],
    ['localhost', /local name/],
    ['a.b.localhost', /local name/],
    ['intranet', /two labels/],
    ['under_score.example', /host name/],
    ['api.example.com', /own host name/],
    ['eu.api.example.com', /own host name/],
    ['app.example.com', /own host name/],
    ['abc.pixel.example.net', /own host name/],
  ])('refuses %s', (host, reason) => {
    expect(pixelHostRefusal(host, platform)).toMatch(reason);
  });

  it.each(['t.shop.example', 'px.example.co.uk', 'example.com', 'notapi.example.com', 'api.example.com.evil.test', 'xn--bcher-kva.example'])(
    'lets a tenant claim %s',
    (host) => {
      expect(pixelHostRefusal(host, platform)).toBeUndefined();
    },
  );
});
