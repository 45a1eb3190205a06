import { describe, expect, it } from 'vitest';
import { pageEventFromPixelQuery } from '../../../api/ingest/pixels/pixel-event.js';
import { TRANSPARENT_GIF, TRANSPARENT_GIF_HEADERS } from '../../../api/ingest/pixels/transparent-gif.js';
import { renderTrackingScript } from '../../../api/ingest/tracking-script/render-tracking-script.js';
import { CookieJar, openPage } from './fake-browser.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const fixedId = () => '00000000-0000-4000-8000-000000000001';
const pageUrl = 'https://www.shop.example.co/pricing?utm_source=newsletter&utm_campaign=spring#top';
const query = (params: Record<string, string>) => new URLSearchParams(params);

describe('the transparent GIF', () => {
  it('is the 43-byte 1×1 GIF89a with a transparent colour, sent uncached and unbranded', () => {
    expect(TRANSPARENT_GIF.length).toBe(43);
    expect(TRANSPARENT_GIF.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(TRANSPARENT_GIF.readUInt16LE(6)).toBe(1);
    expect(TRANSPARENT_GIF.readUInt16LE(8)).toBe(1);
    // Graphic control extension with the transparency flag, and the trailer.
    expect([...TRANSPARENT_GIF.subarray(19, 23)]).toEqual([0x21, 0xf9, 0x04, 0x01]);
    expect(TRANSPARENT_GIF.at(-1)).toBe(0x3b);

    expect(TRANSPARENT_GIF_HEADERS).toMatchObject({ 'content-type': 'image/gif', 'cache-control': 'no-store, max-age=0', 'content-length': '43' });
    expect(Object.keys(TRANSPARENT_GIF_HEADERS).map((h) => h.toLowerCase())).not.toContain('x-powered-by');
    expect(JSON.stringify(TRANSPARENT_GIF_HEADERS)).not.toMatch(/leadgraph/i);
  });
});

describe('p.gif page views', () => {
  it('become a page message shaped as the script sends them', () => {
    const result = pageEventFromPixelQuery(
      query({ k: 'pk_abc123', aid: 'b6f1c0de-0000-4000-8000-00000000abcd', url: pageUrl, ref: 'https://search.example/?q=crm', title: 'Pricing' }),
      now,
      { newMessageId: fixedId },
    );
    const properties = {
      url: 'https://www.shop.example.co/pricing?utm_source=newsletter&utm_campaign=spring',
      path: '/pricing',
      referrer: 'https://search.example/?q=crm',
      title: 'Pricing',
      search: '?utm_source=newsletter&utm_campaign=spring',
    };
    expect(result).toEqual({
      type: 'page',
      messageId: fixedId(),
      timestamp: '2026-03-01T12:00:00.000Z',
      anonymousId: 'b6f1c0de-0000-4000-8000-00000000abcd',
      writeKey: 'pk_abc123',
      properties,
      context: { page: properties, campaign: { source: 'newsletter', name: 'spring' }, library: { name: 'pixel', version: '1' } },
    });

    // The same page seen by t.js yields the same properties and campaign.
    const browser = openPage({ url: pageUrl, jar: new CookieJar(), referrer: 'https://search.example/?q=crm', title: 'Pricing' });
    browser.run(renderTrackingScript({ globalName: 'bee', cookieName: 'vid', requireConsent: false, endpoint: '/v1/batch' }));
    const [fromScript] = browser.messages();
    expect(fromScript!.properties).toEqual(properties);
    expect(fromScript!.context.page).toEqual(properties);
    expect(fromScript!.context.campaign).toEqual({ source: 'newsletter', name: 'spring' });
  });

  it('carry no anonymous id when the visitor has none, and empty fields for what is unknown', () => {
    const result = pageEventFromPixelQuery(query({ k: 'pk_abc123' }), now, { newMessageId: fixedId });
    expect(result).not.toHaveProperty('error');
    expect(result).not.toHaveProperty('anonymousId');
    expect(result).toMatchObject({ properties: { url: '', path: '', referrer: '', title: '', search: '' } });
    expect(result).not.toHaveProperty('context.campaign');
  });

  it('need a key unless the pixel host names the tenant', () => {
    expect(pageEventFromPixelQuery(query({ url: pageUrl }), now)).toEqual({ code: 'MISSING_KEY', error: expect.stringMatching(/^k:/) });
    expect(pageEventFromPixelQuery(query({ k: '', url: pageUrl }), now)).toMatchObject({ code: 'MISSING_KEY' });
    const onPixelHost = pageEventFromPixelQuery(query({ url: pageUrl }), now, { keyFromHost: true });
    expect(onPixelHost).toMatchObject({ type: 'page', properties: { path: '/pricing' } });
    expect(onPixelHost).not.toHaveProperty('writeKey');
    expect(pageEventFromPixelQuery(query({ k: 'sk_secret', url: pageUrl }), now)).toMatchObject({ code: 'INVALID_KEY' });
    expect(pageEventFromPixelQuery(query({ k: 'pk_"><script>', url: pageUrl }), now)).toMatchObject({ code: 'INVALID_KEY' });
  });

  it('refuse garbage with the parameter named, and bound what they keep', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ url: 'javascript:alert(1)' }, /^url:/],
      [{ url: 'not a url' }, /^url:/],
      [{ url: `https://x.example/${'a'.repeat(3000)}` }, /^url:/],
      [{ ref: 'nonsense' }, /^ref:/],
      [{ aid: 'has space' }, /^aid:/],
      [{ aid: 'x'.repeat(201) }, /^aid:/],
    ];
    for (const [params, reason] of cases) {
      expect(pageEventFromPixelQuery(query({ k: 'pk_abc123', ...params }), now)).toEqual({ code: 'INVALID_PARAMETER', error: expect.stringMatching(reason) });
    }
    const long = pageEventFromPixelQuery(query({ k: 'pk_abc123', title: 't'.repeat(5000) }), now);
    expect('properties' in long && long.properties.title.length).toBe(1000);
  });

  it('get a fresh message id each time unless one is supplied', () => {
    const a = pageEventFromPixelQuery(query({ k: 'pk_abc123' }), now);
    const b = pageEventFromPixelQuery(query({ k: 'pk_abc123' }), now);
    expect('messageId' in a && 'messageId' in b && a.messageId !== b.messageId).toBe(true);
  });
});
