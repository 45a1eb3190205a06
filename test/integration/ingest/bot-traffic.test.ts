import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { lanesBehindOnceProcessed, postSegment } from './segment-http.js';

const APPLE_IP = '17.5.7.9'; // AS714 Apple Inc.: Applebot crawls from here, and Apple's staff browse from here
const GOOGLEBOT_IP = '66.249.66.1'; // in the range Google publishes for Googlebot
const HOME_IP = '81.130.10.20'; // AS2856 BT

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const APPLEBOT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const LEADS = `{ leads(first: 50) { totalCount edges { node { id anonymousIds company { domain }
  sessions { company { domain } device { browser os type } } } } } }`;

const USAGE = '{ usage { operation count credits } }';
const USAGE_BETWEEN = 'query ($from: DateTime, $to: DateTime) { usage(from: $from, to: $to) { operation count credits } }';

interface LeadsView {
  leads: {
    totalCount: number;
    edges: Array<{ node: { anonymousIds: string[]; company: { domain: string } | null; sessions: Array<{ company: { domain: string } | null; device: unknown }> } }>;
  };
}

const page = (anonymousId: string, ip: string, userAgent: string) => ({
  type: 'page',
  anonymousId,
  properties: { path: '/pricing', url: 'https://acme.test/pricing' },
  context: { ip, userAgent, page: { path: '/pricing', url: 'https://acme.test/pricing' } },
});

describe('bot traffic', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  }, 60_000);
  afterAll(async () => {
    await gateway.close();
  });

  const leadsOf = async (token: string) => {
    const answer = await gateway.gql<LeadsView>(token, LEADS);
    if (answer.data === undefined || answer.data === null) throw new Error(JSON.stringify(answer.errors));
    return answer.data.leads;
  };

  it('creates no lead for Googlebot, for Applebot on Apple’s network, or for a crawler range behind a browser’s user agent', async () => {
    const tenant = await createTenant(gateway);
    for (const [visitor, ip, userAgent] of [
      ['applebot', APPLE_IP, APPLEBOT],
      ['googlebot', HOME_IP, GOOGLEBOT],
      ['google-renderer', GOOGLEBOT_IP, CHROME],
    ] as const) {
      const sent = await postSegment(gateway, '/v1/page', page(visitor, ip, userAgent), { key: tenant.publishableKey });
      expect(sent.status).toBe(200); // a crawler is answered as anyone is: nothing tells it apart
    }
    // A person from the same network afterwards, in the same lane: once their answer has come (processed), everything sent before it is processed too.
    const person = await postSegment(gateway, '/v1/page', page('person', APPLE_IP, CHROME), { key: tenant.publishableKey });
    expect(person.status).toBe(200);

    const leads = await leadsOf(tenant.secretKey);
    expect(leads.totalCount).toBe(1);
    // Counted apart, free: the tenant sees how much crawling it was spared.
    const usage = await gateway.data<{ usage: Array<{ operation: string; count: number; credits: number }> }>(tenant.secretKey, USAGE);
    expect(usage.usage).toContainEqual({ operation: 'bot_events', count: 3, credits: 0 });
    // A period is counted by the UTC days it touches: today's so far, and nothing of a period ended before today.
    const today = new Date(new Date().toISOString().slice(0, 10));
    const botsBetween = async (from: Date, to: Date) =>
      (await gateway.data<{ usage: Array<{ operation: string; count: number }> }>(tenant.secretKey, USAGE_BETWEEN, { from, to })).usage.find(
        (line) => line.operation === 'bot_events',
      )?.count ?? 0;
    expect(await botsBetween(today, new Date(Date.now() + 1000))).toBe(3);
    expect(await botsBetween(new Date(today.getTime() - 86_400_000), today)).toBe(0);
    expect(leads.edges[0]?.node).toMatchObject({
      anonymousIds: ['person'],
      company: { domain: 'apple.com' },
      sessions: [{ company: { domain: 'apple.com' }, device: { browser: 'Chrome 131', os: 'Windows 10', type: 'desktop' } }],
    });
  });

  it("reads a person's browser, system and kind of device from the user agent their visit opened with", async () => {
    const tenant = await createTenant(gateway);
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
    expect((await postSegment(gateway, '/v1/page', page('phone', HOME_IP, iphone), { key: tenant.publishableKey })).status).toBe(200);
    expect((await postSegment(gateway, '/v1/page', page('no-agent', HOME_IP, ''), { key: tenant.publishableKey })).status).toBe(200);
    const devices = (await leadsOf(tenant.secretKey)).edges.map(({ node }) => [node.anonymousIds[0], node.sessions[0]?.device]);
    expect(Object.fromEntries(devices)).toEqual({ phone: { browser: 'Mobile Safari 17', os: 'iOS 17.5', type: 'mobile' }, 'no-agent': null });
  });

  it('keeps what names a person even through a bot-like fetcher (a mail image proxy opening an email)', async () => {
    const tenant = await createTenant(gateway);
    const sent = await postSegment(
      gateway,
      '/v1/identify',
      { userId: 'u-1', traits: { email: 'jane@example.com' }, context: { userAgent: 'GoogleImageProxy', ip: HOME_IP } },
      { key: tenant.publishableKey },
    );
    expect(sent.status).toBe(200);
    expect((await leadsOf(tenant.secretKey)).totalCount).toBe(1);
  });

  it('reads the user agent of a no-script pixel view from its request: a crawler loading p.gif makes no lead, a browser does', async () => {
    const tenant = await createTenant(gateway);
    const pixel = (anonymousId: string, userAgent: string) =>
      fetch(`${gateway.url}/p.gif?k=${tenant.publishableKey}&aid=${anonymousId}&url=${encodeURIComponent('https://acme.test/pricing')}`, {
        headers: { 'user-agent': userAgent },
      });
    expect((await pixel('pixel-crawler', GOOGLEBOT)).status).toBe(200);
    // The browser's view afterwards: once its GIF has come, the crawler's request before it has been appended or dropped.
    expect((await pixel('pixel-person', CHROME)).status).toBe(200);
    // A pixel cannot ask to wait: the processor takes up all the tenant's log first, so what is missing was dropped, not late.
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    const leads = await leadsOf(tenant.secretKey);
    expect(leads.edges.map(({ node }) => [node.anonymousIds[0], node.sessions[0]?.device])).toEqual([
      ['pixel-person', { browser: 'Chrome 131', os: 'Windows 10', type: 'desktop' }],
    ]);
  });

  it('keeps bot traffic of one tenant out of another’s leads too', async () => {
    const [first, second] = [await createTenant(gateway), await createTenant(gateway)];
    await postSegment(gateway, '/v1/page', page('applebot', APPLE_IP, APPLEBOT), { key: first.publishableKey });
    await postSegment(gateway, '/v1/page', page('person', HOME_IP, CHROME), { key: second.publishableKey });
    await postSegment(gateway, '/v1/page', page('person', HOME_IP, CHROME), { key: first.publishableKey });
    expect((await leadsOf(first.secretKey)).totalCount).toBe(1);
    expect((await leadsOf(second.secretKey)).totalCount).toBe(1);
    const botLines = async (token: string) =>
      (await gateway.data<{ usage: Array<{ operation: string; count: number }> }>(token, USAGE)).usage.filter((line) => line.operation === 'bot_events');
    expect(await botLines(first.secretKey)).toEqual([{ operation: 'bot_events', count: 1, credits: 0 }]);
    expect(await botLines(second.secretKey)).toEqual([]);
  });
});
