import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import {
  isValidCookieName,
  isValidGlobalName,
  renderTrackingScript,
  snippetFor,
  type TrackingScriptOptions,
} from '../../../api/ingest/tracking-script/render-tracking-script.js';
import { CookieJar, inlineScriptOf, openPage } from './fake-browser.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const WHITE_LABEL: TrackingScriptOptions = {
  globalName: 'bee',
  cookieName: '_b_visitor',
  requireConsent: false,
  endpoint: 'https://t.customer.com/v1/batch',
};
const PRICING =
  'https://www.shop.example.co/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=hero#plans';

describe('the tracking script text', () => {
  it('carries no trace of the vendor on a white-label host, in the script or the snippet', () => {
    const script = renderTrackingScript(WHITE_LABEL);
    const snippet = snippetFor({ globalName: 'bee', scriptUrl: 'https://t.customer.com/t.js', pixelUrl: 'https://t.customer.com/p.gif' });
    expect(script).not.toMatch(/leadgraph/i);
    expect(snippet).not.toMatch(/leadgraph/i);
    expect(script).not.toMatch(/_lg_aid|\blg\b/);
  });

  it('is small, plain ES2017 and parses on its own', () => {
    const script = renderTrackingScript({ ...WHITE_LABEL, requireConsent: true, writeKey: 'pk_abcdefghijklmnopqrstuvwxyz012345' });
    expect(Buffer.byteLength(script)).toBeLessThan(4096);
    expect(() => parse(script, { ecmaVersion: 2017, sourceType: 'script' })).not.toThrow();
    expect(() => parse(inlineScriptOf(snippetFor({ globalName: 'bee', scriptUrl: '/t.js' })), { ecmaVersion: 2017 })).not.toThrow();
  });

  it('accepts identifiers and cookie tokens, and refuses what would break or be injected into the page', () => {
    for (const name of ['lg', 'bee', '_$x1', 'Analytics2']) expect(isValidGlobalName(name), name).toBe(true);
    for (const name of ['', '1abc', 'a-b', 'lg;alert(1)', 'é', 'class', 'window', 'document', 'undefined', 'JSON', 'x'.repeat(65)]) {
      expect(isValidGlobalName(name), name).toBe(false);
    }
    for (const name of ['_lg_aid', '_b_visitor', 'vid.v1', "a!#$%&'*+-.^_`|~z"]) expect(isValidCookieName(name), name).toBe(true);
    for (const name of ['', 'a b', 'a;b', 'a=b', 'a,b', 'a"b', 'a\nb', 'é', '__Host-id', '__secure-id', 'x'.repeat(65)]) {
      expect(isValidCookieName(name), name).toBe(false);
    }
  });

  it('refuses to render with an unusable name, endpoint or key', () => {
    expect(() => renderTrackingScript({ ...WHITE_LABEL, globalName: 'a-b' })).toThrow(/globalName/);
    expect(() => renderTrackingScript({ ...WHITE_LABEL, cookieName: 'a;b' })).toThrow(/cookieName/);
    expect(() => renderTrackingScript({ ...WHITE_LABEL, endpoint: 'javascript:alert(1)' })).toThrow(/endpoint/);
    expect(() => renderTrackingScript({ ...WHITE_LABEL, endpoint: '//evil.example/v1/batch' })).toThrow(/endpoint/);
    expect(() => renderTrackingScript({ ...WHITE_LABEL, endpoint: '/v1/batch\u0001' })).toThrow(/endpoint/);
    expect(() => renderTrackingScript({ ...WHITE_LABEL, writeKey: '"+alert(1)+"' })).toThrow(/writeKey/);
    expect(() => snippetFor({ globalName: 'bee', scriptUrl: 'data:text/javascript,alert(1)' })).toThrow(/scriptUrl/);
  });

  it('escapes what it embeds, so a URL cannot close the script element', () => {
    const script = renderTrackingScript({ ...WHITE_LABEL, endpoint: 'https://t.customer.com/</script><script>alert(1)//' });
    const snippet = snippetFor({ globalName: 'bee', scriptUrl: 'https://t.customer.com/t.js?a=</script>' });
    expect(script).not.toContain('</script');
    expect(inlineScriptOf(snippet)).not.toContain('</');
    expect(snippetFor({ globalName: 'bee', scriptUrl: '/t.js', pixelUrl: '/p.gif?k=pk_1&x="><b>' })).toContain(
      'src="/p.gif?k=pk_1&#38;x=&#34;&#62;&#60;b&#62;"',
    );
  });
});

describe('the tracking script in a browser', () => {
  it('sends a page view with the page, its UTM campaign and a first-party anonymous id on load', () => {
    const jar = new CookieJar();
    const page = openPage({ url: PRICING, jar, referrer: 'https://search.example/?q=crm', title: 'Pricing' });
    page.run(renderTrackingScript({ ...WHITE_LABEL, writeKey: 'pk_test_key' }));

    expect(page.sent).toHaveLength(1);
    const [sent] = page.sent;
    expect(sent).toMatchObject({ via: 'beacon', url: 'https://t.customer.com/v1/batch', contentType: 'text/plain' });
    expect(sent!.body.writeKey).toBe('pk_test_key');
    const [message] = sent!.body.batch;
    const pageProperties = {
      url: 'https://www.shop.example.co/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=hero',
      path: '/pricing',
      referrer: 'https://search.example/?q=crm',
      title: 'Pricing',
      search: '?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=crm&utm_content=hero',
    };
    expect(message).toEqual({
      type: 'page',
      messageId: expect.stringMatching(UUID),
      timestamp: expect.any(String),
      anonymousId: expect.stringMatching(UUID),
      properties: pageProperties,
      context: {
        page: pageProperties,
        campaign: { source: 'newsletter', medium: 'email', name: 'spring', term: 'crm', content: 'hero' },
        library: { name: 'bee', version: '1' },
        userAgent: 'FakeBrowser/1.0 (vitest)',
        consent: { required: false, granted: false },
      },
    });
    expect(Math.abs(Date.parse(message!.timestamp) - Date.now())).toBeLessThan(5_000);
    expect(page.call('bee', 'anonymousId')).toBe(message!.anonymousId);

    // Written once on the widest domain the browser accepts, with the attributes a first-party id needs.
    expect(jar.all()).toEqual([
      expect.objectContaining({ name: '_b_visitor', value: message!.anonymousId, domain: 'example.co', hostOnly: false, secure: true }),
    ]);
    expect(jar.writes.at(-1)).toBe(
      `www.shop.example.co _b_visitor=${message!.anonymousId}; path=/; max-age=31536000; domain=example.co; SameSite=Lax; Secure`,
    );
  });

  it('leaves the campaign out when the URL has no UTM parameters', () => {
    const page = openPage({ url: 'https://www.shop.example.co/', jar: new CookieJar() });
    page.run(renderTrackingScript(WHITE_LABEL));
    expect(page.messages()[0]!.context.campaign).toBeUndefined();
    expect(page.sent[0]!.body.writeKey).toBeUndefined();
  });

  it('keeps one anonymous id across the subdomains of the site, and another site gets its own', () => {
    const jar = new CookieJar();
    const script = renderTrackingScript(WHITE_LABEL);
    const shop = openPage({ url: 'https://www.shop.example.co/pricing', jar });
    shop.run(script);
    const blog = openPage({ url: 'https://blog.shop.example.co/post', jar });
    blog.run(script);
    const other = openPage({ url: 'https://www.other.example/', jar });
    other.run(script);

    const [first] = shop.messages();
    const [second] = blog.messages();
    expect(second!.anonymousId).toBe(first!.anonymousId);
    expect(second!.properties).toMatchObject({ url: 'https://blog.shop.example.co/post', path: '/post' });
    expect(other.messages()[0]!.anonymousId).not.toBe(first!.anonymousId);
    expect(jar.all().map((c) => [c.domain, c.value])).toEqual([
      ['example.co', first!.anonymousId],
      ['other.example', other.messages()[0]!.anonymousId],
    ]);
  });

  it('climbs past a multi-label public suffix, and stays host-only where no domain sticks', () => {
    const jar = new CookieJar();
    openPage({ url: 'https://www.shop.example.co.uk/', jar }).run(renderTrackingScript(WHITE_LABEL));
    expect(jar.all()).toEqual([expect.objectContaining({ domain: 'example.co.uk', hostOnly: false })]);
    expect(jar.writes.some((w) => w.includes('domain=co.uk'))).toBe(true);

    for (const url of ['http://localhost:3000/', 'http://127.0.0.1:8080/']) {
      const local = new CookieJar();
      const page = openPage({ url, jar: local });
      page.run(renderTrackingScript(WHITE_LABEL));
      expect(local.all()).toEqual([expect.objectContaining({ hostOnly: true, secure: false })]);
      expect(local.writes.every((w) => !w.includes('domain=') && !w.includes('Secure'))).toBe(true);
      expect(page.messages()).toHaveLength(1);
    }
  });

  it('makes version 4 ids from getRandomValues where randomUUID is missing (insecure contexts)', () => {
    const page = openPage({ url: 'http://www.shop.example.co/', jar: new CookieJar(), randomUUID: false });
    page.run(renderTrackingScript(WHITE_LABEL));
    const [message] = page.messages();
    expect(message!.messageId).toMatch(UUID);
    expect(message!.anonymousId).toMatch(UUID);
    expect(message!.anonymousId).not.toBe(message!.messageId);
  });

  it('sends identify and track with the anonymous id, remembering the user id', () => {
    const page = openPage({ url: 'https://www.shop.example.co/signup', jar: new CookieJar() });
    page.run(renderTrackingScript(WHITE_LABEL));
    page.call('bee', 'identify', 'user-42', { email: 'ada@customer.com', plan: 'pro' });
    page.call('bee', 'track', 'Signed Up', { plan: 'pro' });
    page.call('bee', 'identify', { company: 'Acme' });
    page.call('bee', 'page', 'Welcome', { section: 'onboarding' });
    page.call('bee', 'track', '');

    const [view, identify, track, traitsOnly, named] = page.messages();
    expect(page.messages()).toHaveLength(5);
    expect(identify).toMatchObject({ type: 'identify', userId: 'user-42', traits: { email: 'ada@customer.com', plan: 'pro' } });
    expect(track).toMatchObject({ type: 'track', event: 'Signed Up', properties: { plan: 'pro' }, userId: 'user-42' });
    expect(traitsOnly).toMatchObject({ type: 'identify', userId: 'user-42', traits: { company: 'Acme' } });
    expect(named).toMatchObject({ type: 'page', name: 'Welcome', properties: { path: '/signup', section: 'onboarding' } });
    const ids = page.messages().map((m) => m.anonymousId);
    expect(new Set(ids).size).toBe(1);
    expect(new Set(page.messages().map((m) => m.messageId)).size).toBe(5);
    expect(view!.userId).toBeUndefined();
    expect(track!.context).toMatchObject({ library: { name: 'bee', version: '1' }, page: { path: '/signup' } });
  });

  it('never throws into the page, even on properties it cannot serialise', () => {
    const page = openPage({ url: 'https://www.shop.example.co/', jar: new CookieJar() });
    page.run(renderTrackingScript(WHITE_LABEL));
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => page.call('bee', 'track', 'Loop', circular)).not.toThrow();
    expect(() => page.call('bee', 'push', 'not a call')).not.toThrow();
    expect(page.messages()).toHaveLength(1);
  });

  it('falls back to fetch with keepalive when sendBeacon refuses or is missing', () => {
    for (const beacon of ['refuse', 'absent'] as const) {
      const page = openPage({ url: 'https://www.shop.example.co/', jar: new CookieJar(), beacon });
      page.run(renderTrackingScript({ ...WHITE_LABEL, endpoint: '/v1/batch', writeKey: 'pk_abc' }));
      expect(page.sent).toHaveLength(1);
      const [sent] = page.sent;
      expect(sent).toMatchObject({ via: 'fetch', url: '/v1/batch', contentType: 'text/plain' });
      expect(sent!.fetchInit).toEqual({
        method: 'POST',
        body: JSON.stringify(sent!.body),
        keepalive: true,
        headers: { 'content-type': 'text/plain' },
        credentials: 'omit',
      });
      expect(sent!.body).toMatchObject({ writeKey: 'pk_abc', batch: [{ type: 'page' }] });
    }
  });

  it('loads once: a second copy of the script leaves the first in charge', () => {
    const page = openPage({ url: 'https://www.shop.example.co/', jar: new CookieJar() });
    const script = renderTrackingScript(WHITE_LABEL);
    page.run(script);
    const api = page.window['bee'];
    page.run(script);
    expect(page.window['bee']).toBe(api);
    expect(page.messages()).toHaveLength(1);
  });
});

describe('consent', () => {
  const consentRequired = { ...WHITE_LABEL, requireConsent: true };

  it('sets no cookie and sends nothing until consent(true), then sends what waited, in order', () => {
    const jar = new CookieJar();
    const page = openPage({ url: PRICING, jar });
    page.run(renderTrackingScript(consentRequired));
    page.call('bee', 'track', 'Viewed Plans', { plans: 3 });
    page.call('bee', 'identify', 'user-7');

    expect(jar.writes).toEqual([]);
    expect(page.sent).toEqual([]);
    expect(page.call('bee', 'anonymousId')).toBeUndefined();

    page.call('bee', 'consent', true);
    // The grant is announced first (the service records it), then what waited.
    expect(page.messages().map((m) => m.event ?? m.type)).toEqual(['Consent Updated', 'page', 'Viewed Plans', 'identify']);
    const anonymousId = page.call('bee', 'anonymousId');
    expect(anonymousId).toMatch(UUID);
    expect(jar.all()).toEqual([expect.objectContaining({ name: '_b_visitor', value: anonymousId, domain: 'example.co' })]);
    for (const message of page.messages()) {
      expect(message.anonymousId).toBe(anonymousId);
      expect(message.context.consent).toEqual({ required: true, granted: true });
    }
    expect(page.messages()[1]!.context.campaign).toMatchObject({ source: 'newsletter' });

    page.call('bee', 'track', 'After Consent');
    // A second consent(true) on the same page is no change: not announced again.
    page.call('bee', 'consent', true);
    expect(page.messages()).toHaveLength(5);
  });

  it('drops what waited on consent(false), and keeps sending nothing', () => {
    const jar = new CookieJar();
    const page = openPage({ url: 'https://www.shop.example.co/', jar });
    page.run(renderTrackingScript(consentRequired));
    page.call('bee', 'track', 'Before');
    page.call('bee', 'consent', false);
    page.call('bee', 'track', 'After Refusal');
    expect(page.sent).toEqual([]);
    expect(jar.all()).toEqual([]);

    page.call('bee', 'consent', true);
    page.call('bee', 'track', 'After Grant');
    expect(page.messages().map((m) => m.event ?? m.type)).toEqual(['Consent Updated', 'After Grant']);
  });

  it('lets a visitor withdraw where consent is not required: the cookie goes and sending stops', () => {
    const jar = new CookieJar();
    const page = openPage({ url: 'https://www.shop.example.co/', jar });
    page.run(renderTrackingScript(WHITE_LABEL));
    expect(jar.all()).toHaveLength(1);
    page.call('bee', 'consent', false);
    page.call('bee', 'track', 'After Withdrawal');
    expect(jar.all()).toEqual([]);
    expect(page.messages()).toHaveLength(1);
  });

  it('reports an explicit grant even where consent is not required', () => {
    const page = openPage({ url: 'https://www.shop.example.co/', jar: new CookieJar() });
    page.run(renderTrackingScript(WHITE_LABEL));
    page.call('bee', 'consent', true);
    page.call('bee', 'track', 'Granted');
    expect(page.messages().map((m) => [m.event ?? m.type, m.context.consent])).toEqual([
      ['page', { required: false, granted: false }],
      ['Consent Updated', { required: false, granted: true }],
      ['Granted', { required: false, granted: true }],
    ]);
  });
});

describe('the stub snippet', () => {
  it('queues calls before t.js arrives and t.js replays them: consent first, then the page view, then the rest', () => {
    const page = openPage({ url: 'https://www.shop.example.co/', jar: new CookieJar() });
    page.run(inlineScriptOf(snippetFor({ globalName: 'bee', scriptUrl: 'https://t.customer.com/t.js' })));
    expect(page.appendedScripts).toEqual([{ tagName: 'SCRIPT', async: true, src: 'https://t.customer.com/t.js' }]);

    page.run(`
      bee.track('Early', { a: 1 });
      bee.identify('user-1', { email: 'ada@customer.com' });
      window.bee.push(['track', 'Pushed']);
      bee.consent(true);
      var stubQueue = window.bee;
    `);
    expect(page.sent).toEqual([]);

    page.run(renderTrackingScript({ ...WHITE_LABEL, requireConsent: true }));
    expect(page.messages().map((m) => m.event ?? m.type)).toEqual(['Consent Updated', 'page', 'Early', 'identify', 'Pushed']);
    expect(page.messages()[2]).toMatchObject({ properties: { a: 1 }, context: { consent: { required: true, granted: true } } });
    expect(page.messages()[4]!.userId).toBe('user-1');

    // Code that kept the stub array still reaches the loaded script.
    page.run(`stubQueue.push(['track', 'Late']); stubQueue.track('Later');`);
    expect(page.messages().map((m) => m.event ?? m.type).slice(5)).toEqual(['Late', 'Later']);
    expect(typeof page.call('bee', 'anonymousId')).toBe('string');
  });

  it('holds the queue while consent is required and not given', () => {
    const jar = new CookieJar();
    const page = openPage({ url: 'https://www.shop.example.co/', jar });
    page.run(inlineScriptOf(snippetFor({ globalName: 'bee', scriptUrl: '/t.js' })));
    page.run(`bee.track('Early');`);
    page.run(renderTrackingScript({ ...WHITE_LABEL, requireConsent: true }));
    expect(page.sent).toEqual([]);
    expect(jar.writes).toEqual([]);
    page.call('bee', 'consent', true);
    expect(page.messages().map((m) => m.event ?? m.type)).toEqual(['Consent Updated', 'page', 'Early']);
  });
});
