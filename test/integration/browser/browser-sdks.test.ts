import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchHeadlessChromium, recordNetwork, type RecordedExchange } from '../../support/headless-chromium.js';
import { createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { LEAD_BY_EMAIL, LEADS, sessionsMatchEvents, type LeadView } from '../leads/lead-operations.js';
import { eventually } from '../../support/eventually.js';
import { serveSite } from '../../support/local-site.js';

const require = createRequire(import.meta.url);

/** The folder of an installed package, found from its entry point (their exports do not list the dist bundles). */
function packageRoot(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(`${sep}node_modules${sep}${name.split('/').join(sep)}`)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package folder for ${name}`);
    dir = parent;
  }
  return dir;
}

// The SDKs' own browser builds from npm, served by the shop's site as a customer would self-host them:
// Segment's UMD build of analytics-next, and RudderStack's bundled build (every plugin inside, none fetched).
const SDK_FILES: Record<string, string> = {
  '/vendor/analytics-next.js': join(packageRoot('@segment/analytics-next'), 'dist/umd/index.js'),
  '/vendor/rudderstack.js': join(packageRoot('@rudderstack/analytics-js'), 'dist/npm/modern/bundled/umd/index.js'),
};

type Sdk = 'segment' | 'rudderstack';
// One person per SDK: a userId is one person, so a shared one would stitch both visits together.
const USER_IDS: Record<Sdk, string> = { segment: 'user-segment', rudderstack: 'user-rudderstack' };

// A label of its own per run, so no other file's pixel host can answer for these names.
const domain = `shop-${randomBytes(3).toString('hex')}.example`;
const pixelHost = `collect.${domain}`;
const siteHost = `www.${domain}`;

/**
 * A page that loads `sdk`, points it at the tenant's pixel host with its one host setting,
 * and sends a page view, the sign-up (identify) and an event; `window.sent` holds each call's outcome.
 */
function sdkPage(sdk: Sdk, opts: { writeKey: string; collector: string; email: string }): string {
  const key = JSON.stringify(opts.writeKey);
  const userId = JSON.stringify(USER_IDS[sdk]);
  const collector = JSON.stringify(opts.collector);
  const email = JSON.stringify(opts.email);
  const script =
    sdk === 'segment'
      ? `<script src="/vendor/analytics-next.js"></script>
         <script>
         var analytics = AnalyticsNext.AnalyticsBrowser.load({ writeKey: ${key}, cdnURL: ${collector} });
         Promise.all([
           analytics.page(),
           analytics.identify(${userId}, { email: ${email}, plan: 'pro' }),
           analytics.track('Trial Started', { plan: 'pro' }),
         ]).then(function (contexts) {
           window.sent = contexts.map(function (ctx) { var failed = ctx.failedDelivery(); return failed ? String(failed.reason) : 'delivered'; });
         }, function (error) { window.sent = ['failed: ' + error]; });
         </script>`
      : `<script src="/vendor/rudderstack.js"></script>
         <script>
         var rudder = new rudderanalytics.RudderAnalytics();
         rudder.load(${key}, ${collector}, { configUrl: ${collector} });
         var outcomes = [];
         var called = function (name) { return function () { outcomes.push(name); if (outcomes.length === 3) window.sent = outcomes; }; };
         rudder.page(called('page'));
         rudder.identify(${userId}, { email: ${email}, plan: 'pro' }, called('identify'));
         rudder.track('Trial Started', { plan: 'pro' }, called('track'));
         </script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Pricing</title>${script}</head><body><h1>Pricing</h1></body></html>`;
}

interface Visit {
  readonly sent: unknown;
  readonly traffic: RecordedExchange[];
  readonly lead: LeadView | null;
}

describe('browser SDKs a SaaS product already runs, pointed at a white-label pixel host', () => {
  let gateway: TestGateway;
  let site: Server | undefined;
  let browser: Browser | undefined;
  let tenant: TestTenant;
  let bystander: TestTenant;
  let collector: string;
  let siteOrigin: string;
  const emails = { segment: `ada-${randomBytes(4).toString('hex')}@${domain}`, rudderstack: `bo-${randomBytes(4).toString('hex')}@${domain}` };
  const visits: Partial<Record<Sdk, Visit>> = {};

  const leadOf = async (of: TestTenant, email: string): Promise<LeadView | null> => {
    const response = await gateway.gql<{ leadByEmail: LeadView | null }>(of.secretKey, LEAD_BY_EMAIL, { email });
    if (response.errors !== undefined) throw new Error(`leadByEmail failed: ${JSON.stringify(response.errors)}`);
    return response.data?.leadByEmail ?? null;
  };

  /** One visitor in a fresh profile: loads the SDK's page, waits for its three calls, then for the lead they make. */
  const visit = async (sdk: Sdk): Promise<Visit> => {
    const context = await browser!.newContext();
    const page = await context.newPage();
    const network = await recordNetwork(page);
    await page.goto(`${siteOrigin}/${sdk}`);
    await page.waitForFunction('Array.isArray(window.sent)', undefined, { timeout: 15_000 });
    const sent = await page.evaluate('window.sent');
    const lead = await eventually(
      () => leadOf(tenant, emails[sdk]),
      (found) => found !== null && ['page_view', 'identify', 'Trial Started'].every((name) => found.events.some((event) => event.name === name)) && sessionsMatchEvents(found),
    );
    const traffic = await network.exchanges();
    await context.close();
    return { sent, traffic, lead };
  };

  beforeAll(async () => {
    gateway = await startTestGateway();
    // The operator registers the pixel host when creating the tenant (hosts a tenant adds itself need DNS proof).
    tenant = await createTenant(gateway, { pixelHosts: [pixelHost] });
    bystander = await createTenant(gateway);
    collector = `http://${pixelHost}:${new URL(gateway.url).port}`;
    const served = await serveSite({
      '/segment': sdkPage('segment', { writeKey: tenant.publishableKey, collector, email: emails.segment }),
      '/rudderstack': sdkPage('rudderstack', { writeKey: tenant.publishableKey, collector, email: emails.rudderstack }),
    }, SDK_FILES);
    site = served.server;
    siteOrigin = `http://${siteHost}:${served.port}`;
    browser = await launchHeadlessChromium({ loopbackHosts: [pixelHost, siteHost] });
    visits.segment = await visit('segment');
    visits.rudderstack = await visit('rudderstack');
  });

  afterAll(async () => {
    await browser?.close();
    site?.closeAllConnections();
    await new Promise<void>((resolve) => (site === undefined ? resolve() : site.close(() => resolve())));
    await gateway?.close();
  });

  const expectLead = (lead: LeadView | null | undefined, sdk: Sdk) => {
    const email = emails[sdk];
    expect(lead).toMatchObject({ email, userId: USER_IDS[sdk], traits: { email, plan: 'pro' } });
    expect(lead?.anonymousIds).toHaveLength(1);
    expect(lead?.events.map((event) => event.name).sort()).toEqual(['Trial Started', 'identify', 'page_view']);
    expect(lead?.events.find((event) => event.name === 'Trial Started')?.properties).toMatchObject({ plan: 'pro' });
    const pageView = lead?.events.find((event) => event.name === 'page_view')?.properties;
    expect(pageView).toMatchObject({ path: `/${sdk}`, url: `${siteOrigin}/${sdk}`, title: 'Pricing' });
    expect(lead?.sessions.reduce((sum, session) => sum + session.pageViews, 0)).toBe(1);
  };

  const requestsTo = (traffic: RecordedExchange[], pathname: string | RegExp) =>
    traffic.filter((exchange) => exchange.url.hostname === pixelHost && (typeof pathname === 'string' ? exchange.url.pathname === pathname : pathname.test(exchange.url.pathname)));

  describe("Segment's analytics.js (@segment/analytics-next) with cdnURL set to the pixel host", () => {
    it('delivers the page view, identify and event onto one lead of the host’s tenant', () => {
      expect(visits.segment?.sent).toEqual(['delivered', 'delivered', 'delivered']);
      expectLead(visits.segment?.lead, 'segment');
    });

    it('takes its settings from the pixel host, which points it back there: nothing goes anywhere else', () => {
      const traffic = visits.segment?.traffic ?? [];
      expect(new Set(traffic.map((exchange) => exchange.url.hostname))).toEqual(new Set([siteHost, pixelHost]));
      const settings = requestsTo(traffic, `/v1/projects/${tenant.publishableKey}/settings`).filter((exchange) => exchange.method === 'GET');
      expect(settings.map((exchange) => exchange.status)).toEqual([200]);
      const document = JSON.parse(settings[0]?.body ?? '{}') as { integrations?: Record<string, Record<string, unknown>> };
      expect(document.integrations?.['Segment.io']).toMatchObject({ apiHost: `${pixelHost}:${new URL(gateway.url).port}/v1`, protocol: 'http' });
      const posts = requestsTo(traffic, /^\/v1\/[pit]$/).filter((exchange) => exchange.method === 'POST');
      expect(posts.map((exchange) => [exchange.url.pathname, exchange.status]).sort()).toEqual([
        ['/v1/i', 200],
        ['/v1/p', 200],
        ['/v1/t', 200],
      ]);
    });
  });

  describe("RudderStack's JavaScript SDK (@rudderstack/analytics-js, bundled build) with its data plane and config URL set to the pixel host", () => {
    it('delivers the page view, identify and event onto one lead of the host’s tenant', () => {
      expect(visits.rudderstack?.sent).toEqual(['page', 'identify', 'track']);
      expectLead(visits.rudderstack?.lead, 'rudderstack');
    });

    it('takes its source configuration from the pixel host and loads no plugin or integration from a CDN', () => {
      const traffic = visits.rudderstack?.traffic ?? [];
      expect(new Set(traffic.map((exchange) => exchange.url.hostname))).toEqual(new Set([siteHost, pixelHost]));
      const config = requestsTo(traffic, '/sourceConfig/').filter((exchange) => exchange.method === 'GET');
      expect(config.map((exchange) => exchange.status)).toEqual([200]);
      expect(config[0]?.url.searchParams.get('writeKey')).toBe(tenant.publishableKey);
      // Sent by XHR one call each, with RudderStack's own headers (SentAt…) that the preflight had to allow.
      const posts = requestsTo(traffic, /^\/v1\//).filter((exchange) => exchange.method === 'POST');
      expect(posts.map((exchange) => [exchange.url.pathname, exchange.status]).sort()).toEqual([
        ['/v1/identify', 200],
        ['/v1/page', 200],
        ['/v1/track', 200],
      ]);
      // Before it identified anyone, the SDK sends `userId: ""`: read as no userId, not refused.
      expect(JSON.parse(posts.find((exchange) => exchange.url.pathname === '/v1/page')?.requestBody ?? '{}')).toMatchObject({ userId: '' });
    });
  });

  it('shows another tenant nothing of either visit', async () => {
    expect(await leadOf(bystander, emails.segment)).toBeNull();
    expect(await leadOf(bystander, emails.rudderstack)).toBeNull();
    const leads = await gateway.gql<{ leads: { totalCount: number } }>(bystander.secretKey, LEADS, {});
    expect(leads.data?.leads.totalCount).toBe(0);
  });
});
