import { describe, expect, it } from 'vitest';
import {
  bootstrapFileFor,
  parseAsnBootstrap,
  parseIpBootstrap,
  rdapBaseUrlsForAddress,
  rdapBaseUrlsForAsn,
  type AsnBootstrap,
  type IpBootstrap,
} from '../../../intelligence/network/rdap-bootstrap.js';
import type { Outcome } from '../../../platform/outcome.js';

const value = <T>(outcome: Outcome<T>): T => {
  if (!outcome.ok) throw new Error(`expected a value, got ${JSON.stringify(outcome.problem)}`);
  return outcome.value;
};

// Shaped as IANA publishes them (RFC 9224 §3): the http URL listed first on purpose.
const IPV4 = {
  description: 'RDAP bootstrap file for IPv4 address allocations',
  publication: '2026-11-30T21:00:01Z',
  version: '1.0',
  services: [
    [['41.0.0.0/8', '102.0.0.0/8'], ['https://rdap.afrinic.net/rdap/', 'http://rdap.afrinic.net/rdap/']],
    [['8.0.0.0/8', '96.0.0.0/6'], ['https://rdap.arin.net/registry/', 'http://rdap.arin.net/registry/']],
    [['185.0.0.0/8', '88.0.0.0/8'], ['http://rdap.db.ripe.net/', 'https://rdap.db.ripe.net/']],
    // A more specific entry inside RIPE NCC's /8: the longest prefix decides.
    [['185.40.0.0/16'], ['https://rdap.example-nir.net/rdap']],
    [['1.0.0.0/8'], ['https://rdap.apnic.net/']],
  ],
};

const IPV6 = {
  publication: '2026-11-30T21:00:01Z',
  version: '1.0',
  services: [
    [['2600::/12'], ['https://rdap.arin.net/registry/']],
    [['2a00::/12', '2a10::/12'], ['https://rdap.db.ripe.net/']],
    [['2001:200::/23', '2400::/12'], ['https://rdap.apnic.net/']],
    [['2001:4000::/23'], ['https://rdap.db.ripe.net/']],
  ],
};

const ASN = {
  publication: '2026-11-30T21:00:01Z',
  version: '1.0',
  services: [
    [['1-1876', '3354-4607', '13312-15359'], ['https://rdap.arin.net/registry/', 'http://rdap.arin.net/registry/']],
    [['1877-1901', '196608-210331'], ['https://rdap.db.ripe.net/']],
    [['4608-4865', '131072-141625'], ['https://rdap.apnic.net/']],
    [['7018'], ['https://rdap.arin.net/registry/']],
  ],
};

describe('parseIpBootstrap and rdapBaseUrlsForAddress', () => {
  const v4: IpBootstrap = value(parseIpBootstrap(IPV4));
  const v6: IpBootstrap = value(parseIpBootstrap(IPV6));

  it('picks the registry of the prefix holding the address, https first', () => {
    expect(rdapBaseUrlsForAddress(v4, '8.8.8.8')).toEqual(['https://rdap.arin.net/registry/', 'http://rdap.arin.net/registry/']);
    expect(rdapBaseUrlsForAddress(v4, '41.203.64.10')[0]).toBe('https://rdap.afrinic.net/rdap/');
    expect(rdapBaseUrlsForAddress(v4, '99.1.2.3')[0]).toBe('https://rdap.arin.net/registry/');
    expect(rdapBaseUrlsForAddress(v4, '88.198.1.1')).toEqual(['https://rdap.db.ripe.net/', 'http://rdap.db.ripe.net/']);
  });

  it('takes the longest matching prefix, whatever the order in the file', () => {
    expect(rdapBaseUrlsForAddress(v4, '185.40.4.1')).toEqual(['https://rdap.example-nir.net/rdap/']);
    expect(rdapBaseUrlsForAddress(v4, '185.41.0.1')[0]).toBe('https://rdap.db.ripe.net/');
    expect(rdapBaseUrlsForAddress(v6, '2001:4000::1')[0]).toBe('https://rdap.db.ripe.net/');
    expect(rdapBaseUrlsForAddress(v6, '2001:200::1')[0]).toBe('https://rdap.apnic.net/');
  });

  it('answers IPv6 addresses from the IPv6 file and IPv4-mapped ones from the IPv4 file', () => {
    expect(rdapBaseUrlsForAddress(v6, '2a01:4f8::1')[0]).toBe('https://rdap.db.ripe.net/');
    expect(rdapBaseUrlsForAddress(v6, '2607:f8b0::1')[0]).toBe('https://rdap.arin.net/registry/');
    expect(bootstrapFileFor('::ffff:8.8.8.8')).toBe('ipv4.json');
    expect(rdapBaseUrlsForAddress(v4, '::ffff:8.8.8.8')[0]).toBe('https://rdap.arin.net/registry/');
    expect(bootstrapFileFor('2a01:4f8::1')).toBe('ipv6.json');
    // The IPv4 file does not answer for IPv6 addresses, nor the reverse.
    expect(rdapBaseUrlsForAddress(v4, '2a01:4f8::1')).toEqual([]);
    expect(rdapBaseUrlsForAddress(v6, '8.8.8.8')).toEqual([]);
  });

  it('has nobody for space no registry holds, nor for what is not an address', () => {
    expect(rdapBaseUrlsForAddress(v4, '10.1.2.3')).toEqual([]);
    expect(rdapBaseUrlsForAddress(v4, '203.0.113.9')).toEqual([]);
    expect(rdapBaseUrlsForAddress(v4, 'not-an-ip')).toEqual([]);
    expect(bootstrapFileFor('8.8.8')).toBeUndefined();
    expect(bootstrapFileFor('010.8.8.8')).toBeUndefined();
    expect(bootstrapFileFor('0x7f.1')).toBeUndefined();
    expect(bootstrapFileFor('fe80::1%eth0')).toBeUndefined();
  });

  it('adds the trailing slash a base URL must have and drops URLs that are not http(s)', () => {
    const parsed = value(parseIpBootstrap({ version: '1.0', services: [[['192.0.2.0/24'], ['ftp://x.example/', 'https://rdap.example.net/rdap']]] }));
    expect(rdapBaseUrlsForAddress(parsed, '192.0.2.1')).toEqual(['https://rdap.example.net/rdap/']);
    expect(parsed.publication).toBeUndefined();
  });

  it('refuses a file that is not a bootstrap registry, saying where', () => {
    expect(parseIpBootstrap('<html>')).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: [] } });
    expect(parseIpBootstrap({ version: '1.0' })).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['services'] } });
    expect(parseIpBootstrap({ services: [['8.0.0.0/8', 'https://x/']] })).toMatchObject({ ok: false, problem: { path: ['services', 0] } });
    expect(parseIpBootstrap({ services: [[['8.0.0.0/8'], ['https://a/']], [['300.0.0.0/8'], ['https://b/']]] })).toMatchObject({
      ok: false,
      problem: { kind: 'invalid-input', path: ['services', 1], message: 'not a CIDR prefix: "300.0.0.0/8"' },
    });
  });
});

describe('parseAsnBootstrap and rdapBaseUrlsForAsn', () => {
  const asn: AsnBootstrap = value(parseAsnBootstrap(ASN));

  it('finds the range holding the AS number, its ends included', () => {
    expect(rdapBaseUrlsForAsn(asn, 15169)).toEqual(['https://rdap.arin.net/registry/', 'http://rdap.arin.net/registry/']);
    expect(rdapBaseUrlsForAsn(asn, 13312)[0]).toBe('https://rdap.arin.net/registry/');
    expect(rdapBaseUrlsForAsn(asn, 15359)[0]).toBe('https://rdap.arin.net/registry/');
    expect(rdapBaseUrlsForAsn(asn, 24940)).toEqual([]);
    expect(rdapBaseUrlsForAsn(asn, 196608)[0]).toBe('https://rdap.db.ripe.net/');
    expect(rdapBaseUrlsForAsn(asn, 4608)[0]).toBe('https://rdap.apnic.net/');
    expect(rdapBaseUrlsForAsn(asn, 7018)[0]).toBe('https://rdap.arin.net/registry/');
    expect(rdapBaseUrlsForAsn(asn, -1)).toEqual([]);
  });

  it('refuses a range that is not one', () => {
    expect(parseAsnBootstrap({ services: [[['200-100'], ['https://a/']]] })).toMatchObject({ ok: false, problem: { message: 'not an AS number range: "200-100"' } });
    expect(parseAsnBootstrap({ services: [[['AS15169'], ['https://a/']]] })).toMatchObject({ ok: false, problem: { kind: 'invalid-input' } });
    expect(parseAsnBootstrap({ services: [[['1-4294967296'], ['https://a/']]] })).toMatchObject({ ok: false });
  });
});
