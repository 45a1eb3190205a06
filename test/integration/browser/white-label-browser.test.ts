import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { Browser, Cookie } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snippetFor } from '../../../api/ingest/tracking-script/tracking-snippet.js';
import { launchHeadlessChromium, recordNetwork, type RecordedExchange } from '../../support/headless-chromium.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { dnsServersFor, provePixelHost } from '../../support/pixel-hosts.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { LEAD, LEAD_BY_EMAIL, LEADS, sessionsMatchEvents, type LeadView } from '../leads/lead-operations.js';
import { eventually } from '../../support/eventually.js';
import { serveSite } from '../../support/local-site.js';

const UPDATE_SETTINGS = `mutation ($input: TrackingSettingsInput!) { updateTrackingSettings(input: $input) { scriptPath globalName cookieName } }`;

// A label of its own per run, so no other file's pixel host can answer for these names.
const domain = `acme-${randomBytes(3).toString('hex')}.example`;
const pixelHost = `px.${domain}`;
const siteHost = `www.${domain}`;
const settings = { scriptPath: '/assets/insights.js', globalName: 'acmeq', cookieName: 'acme_vid' };
const CAMPAIGN = '?utm_source=newsletter&utm_campaign=spring';

/** The shop's own pages, on its own host, each embedding the tenant's snippet from the pixel host. */
function shopPages(scriptUrl: string): Record<string, string> {
  const page = (title: string, body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>\n` +
    `${snippetFor({ globalName: settings.globalName, scriptUrl })}</head><body>${body}</body></html>`;
  return {
    '/pricing': page(
      'Pricing',
      `<form id="trial"><input id="email" type="email"><button type="submit">Start trial</button></form>
       <a id="next" href="/welcome">Continue</a>
       <script>
       document.getElementById('trial').addEventListener('submit', function (event) {
         event.preventDefault();
         ${settings.globalName}.identify('user-42', { email: document.getElementById('email').value, plan: 'pro' });
         ${settings.globalName}.track('Trial Started', { plan: 'pro' });
         document.body.dataset.sent = 'yes';
       });
       </script>`,
    ),
    '/welcome': page('Welcome', '<h1>Welcome aboard</h1>'),
  };
}

describe('white-label tracking in a real browser', () => {
  let gateway: TestGateway;
  let dns: DnsServer | undefined;
  let site: Server | undefined;
  let browser: Browser | undefined;
  let tenantA: TestTenant;
  let tenantB: TestTenant;
  let siteOrigin: string;
  const email = `ada-${randomBytes(4).toString('hex')}@${domain}`;
  let traffic: RecordedExchange[] = [];
  let visitorCookie: Cookie | undefined;
  let lead: LeadView | null;

  const leadOf = async (tenant: TestTenant): Promise<LeadView | null> => {
    const response = await gateway.gql<{ leadByEmail: LeadView | null }>(tenant.secretKey, LEAD_BY_EMAIL, { email });
    if (response.errors !== undefined) throw new Error(`leadByEmail failed: ${JSON.stringify(response.errors)}`);
    return response.data?.leadByEmail ?? null;
  };

  beforeAll(async () => {
    // The shop's DNS provider: tenant A proves its pixel host there, as a customer would.
    dns = await startDnsServer({});
    gateway = await startTestGateway({ config: testConfig({ PIXEL_HOST_DNS_SERVERS: dnsServersFor(dns) }) });
    tenantA = await createTenant(gateway);
    tenantB = await createTenant(gateway);
    await provePixelHost(gateway, dns, tenantA.secretKey, pixelHost);
    const updated = await gateway.gql(tenantA.secretKey, UPDATE_SETTINGS, { input: settings });
    if (updated.errors !== undefined) throw new Error(`setup failed: ${JSON.stringify(updated.errors)}`);

    const scriptUrl = `http://${pixelHost}:${new URL(gateway.url).port}${settings.scriptPath}`;
    const served = await serveSite(shopPages(scriptUrl));
    site = served.server;
    siteOrigin = `http://${siteHost}:${served.port}`;
    browser = await launchHeadlessChromium({ loopbackHosts: [pixelHost, siteHost] });

    // One visit: a campaign landing page, a trial sign-up, then a second page.
    const context = await browser.newContext();
    const page = await context.newPage();
    const network = await recordNetwork(page);
    const beaconsAnswered = async () =>
      (await network.exchanges()).filter((sent) => sent.type === 'Ping' && sent.url.hostname === pixelHost && sent.status !== undefined)
        .length;
    await page.goto(`${siteOrigin}/pricing${CAMPAIGN}`);
    // The stub of the snippet has no anonymousId(): once there is one, the real script has replaced it.
    await page.waitForFunction(`typeof ${settings.globalName}.anonymousId === 'function'`, undefined, { timeout: 10_000 });
    await page.fill('#email', email);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-sent=yes]');
    // The beacons outlive the page, but DevTools drops their answers when it goes: wait for the
    // page view, identify and event to be answered, so that what the browser got can be checked.
    await eventually(beaconsAnswered, (answered) => answered >= 3);
    await Promise.all([page.waitForURL(`${siteOrigin}/welcome`), page.click('#next')]);
    await page.waitForLoadState('load');
    visitorCookie = (await context.cookies()).find((cookie) => cookie.name === settings.cookieName);
    await eventually(beaconsAnswered, (answered) => answered >= 4);
    traffic = await network.exchanges();

    lead = await eventually(
      () => leadOf(tenantA),
      (found) =>
        found !== null &&
        found.events.filter((event) => event.name === 'page_view').length === 2 &&
        found.events.some((event) => event.name === 'Trial Started') &&
        sessionsMatchEvents(found),
    );
  });

  afterAll(async () => {
    await browser?.close();
    site?.closeAllConnections();
    await new Promise<void>((resolve) => (site === undefined ? resolve() : site.close(() => resolve())));
    await gateway?.close();
    await dns?.close();
  });

  it("records both page views, the identify and the custom event on one lead of the pixel host's tenant", () => {
    expect(lead).not.toBeNull();
    expect(lead).toMatchObject({ email, userId: 'user-42', traits: { email, plan: 'pro' } });
    expect(lead!.events.map((event) => event.name).sort()).toEqual(['Trial Started', 'identify', 'page_view', 'page_view']);
    expect(lead!.events.find((event) => event.name === 'Trial Started')?.properties).toEqual({ plan: 'pro' });
    expect(lead!.sessions.length).toBeGreaterThanOrEqual(1);
    expect(lead!.sessions.reduce((sum, session) => sum + session.pageViews, 0)).toBe(2);
  });

  it('keeps the visitor under the first-party cookie the tenant named, on the widest domain of the site', () => {
    expect(visitorCookie).toMatchObject({ domain: `.${domain}`, path: '/', sameSite: 'Lax' });
    expect(lead?.anonymousIds).toEqual([visitorCookie?.value]);
  });

  it('gives each page view its URL, path, title, referrer and campaign parameters', () => {
    const pageViews = (lead?.events ?? []).filter((event) => event.name === 'page_view').map((event) => event.properties);
    expect(pageViews).toEqual(
      expect.arrayContaining([
        { url: `${siteOrigin}/pricing${CAMPAIGN}`, path: '/pricing', title: 'Pricing', referrer: '', search: CAMPAIGN },
        { url: `${siteOrigin}/welcome`, path: '/welcome', title: 'Welcome', referrer: `${siteOrigin}/pricing${CAMPAIGN}`, search: '' },
      ]),
    );
    const landing = new URL(String(pageViews.find((properties) => properties?.['path'] === '/pricing')?.['url']));
    expect(Object.fromEntries(landing.searchParams)).toEqual({ utm_source: 'newsletter', utm_campaign: 'spring' });
  });

  it('shows another tenant nothing of the visit', async () => {
    expect(await leadOf(tenantB)).toBeNull();
    const leads = await gateway.gql<{ leads: { totalCount: number } }>(tenantB.secretKey, LEADS, {});
    expect(leads.data?.leads.totalCount).toBe(0);
    const byId = await gateway.gql<{ lead: LeadView | null }>(tenantB.secretKey, LEAD, { id: lead?.id ?? 'none' });
    expect(byId.errors).toBeUndefined();
    expect(byId.data?.lead).toBeNull();
  });

  it('lets the browser see no trace of the platform: only the two hosts, and no "leadgraph" in anything to or from the pixel host', () => {
    expect(new Set(traffic.map((exchange) => exchange.url.hostname))).toEqual(new Set([siteHost, pixelHost]));
    const pixel = traffic.filter((exchange) => exchange.url.hostname === pixelHost);
    // Loaded by each page; the second load may come from the cache.
    const scripts = pixel.filter((exchange) => exchange.type === 'Script');
    expect(scripts.length).toBeGreaterThanOrEqual(1);
    for (const script of scripts) expect([script.method, script.url.pathname, script.status]).toEqual(['GET', settings.scriptPath, 200]);
    expect(scripts[0]?.body).toContain(`var G = ${JSON.stringify(settings.globalName)}`);
    // Two page views, the identify and the event: a beacon each, reporting the tenant's name as the library.
    const beacons = pixel.filter((exchange) => exchange.type === 'Ping');
    expect(beacons.map((beacon) => [beacon.method, beacon.url.pathname, beacon.status])).toEqual(
      Array(4).fill(['POST', '/v1/batch', 200]),
    );
    for (const beacon of beacons) {
      expect(beacon.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(beacon.requestBody)).toMatchObject({ batch: [{ context: { library: { name: settings.globalName } } }] });
    }
    for (const exchange of pixel) {
      const visible = [exchange.url.href, exchange.requestBody, JSON.stringify(exchange.headers), exchange.body].join('\n');
      expect({ url: exchange.url.href, leadgraph: /leadgraph/i.test(visible) }).toEqual({ url: exchange.url.href, leadgraph: false });
    }
  });
});
