import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { identify, minutesAgo, readLead, tenantRows } from '../leads/lead-operations.js';
import { countEvents, postSegment } from './segment-http.js';

const APPLE_IP = '17.5.7.9'; // AS714 Apple Inc.: a curated business network with a known domain
const PSC_IP = '147.72.10.20'; // AS5050 Pittsburgh Supercomputing Center: business network, no curated domain
const AWS_IP = '1.44.96.7'; // AS16509 Amazon.com: hosting, never a visiting company
// A person's browser: a tool's user agent ("TestAgent/1") is a bot's, and bots make no leads.
const BROWSER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const LEAD_WITH_SESSIONS = `query ($id: ID!) { lead(id: $id) {
  id traits company { domain name industry employees }
  sessions { id pageViews ip properties company { domain name } }
} }`;

interface SessionView {
  id: string;
  pageViews: number;
  ip: string | null;
  properties: Record<string, string>;
  company: { domain: string; name: string | null } | null;
}
interface LeadWithSessions {
  id: string;
  traits: Record<string, unknown>;
  company: { domain: string; name: string | null; industry: string | null; employees: number | null } | null;
  sessions: SessionView[];
}

describe('companies and sessions from ingested events', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  const leadOfVisitor = async (tenantId: string, anonymousId: string): Promise<string> => {
    const rows = await tenantRows<{ lead_id: string }>(gateway, tenantId, 'select lead_id from {t}.identities where anonymous_id = $1', [anonymousId]);
    if (rows[0] === undefined) throw new Error(`no lead for ${anonymousId}`);
    return rows[0].lead_id;
  };
  const readWithSessions = async (token: string, id: string): Promise<LeadWithSessions> => {
    const response = await gateway.gql<{ lead: LeadWithSessions }>(token, LEAD_WITH_SESSIONS, { id });
    if (response.data?.lead === undefined) throw new Error(JSON.stringify(response.errors));
    return response.data.lead;
  };
  const page = (anonymousId: string, ip: string, path: string, extra: Record<string, unknown> = {}) => ({
    type: 'page',
    anonymousId,
    properties: { path, url: `https://acme.test${path}`, title: path },
    context: { ip, page: { path, url: `https://acme.test${path}`, referrer: 'https://search.test/?q=acme' }, ...extra },
  });

  it("records each session's company from the visitor's network, and gives it to a lead that has none", async () => {
    const tenant = await createTenant(gateway);
    const sent = await postSegment(gateway, '/v1/batch', { batch: [page('mac', APPLE_IP, '/pricing'), page('cloud', AWS_IP, '/pricing')] }, { key: tenant.publishableKey });
    expect(sent.status).toBe(200);

    const apple = await readWithSessions(tenant.secretKey, await leadOfVisitor(tenant.id, 'mac'));
    expect(apple.sessions).toHaveLength(1);
    expect(apple.sessions[0]?.company).toEqual({ domain: 'apple.com', name: 'Apple' });
    expect(apple.company?.domain).toBe('apple.com');

    const bot = await readWithSessions(tenant.secretKey, await leadOfVisitor(tenant.id, 'cloud'));
    expect(bot.sessions[0]?.company).toBeNull();
    expect(bot.company).toBeNull();

    const lookups = await gateway.gql<{ apple: { company: { domain: string } | null }; aws: { isHosting: boolean; company: unknown } }>(
      tenant.secretKey,
      `{ apple: lookupIp(ip: "${APPLE_IP}") { company { domain } } aws: lookupIp(ip: "${AWS_IP}") { isHosting company { domain } } }`,
    );
    expect(lookups.data).toEqual({ apple: { company: { domain: 'apple.com' } }, aws: { isHosting: true, company: null } });
  });

  it("matches a network's organisation to the tenant's own company of that name", async () => {
    const tenant = await createTenant(gateway);
    const before = await gateway.gql<{ lookupIp: { organization: string; company: unknown } }>(
      tenant.secretKey,
      `{ lookupIp(ip: "${PSC_IP}") { organization company { domain } } }`,
    );
    expect(before.data?.lookupIp).toEqual({ organization: 'Pittsburgh Supercomputing Center', company: null });

    // The tenant learns of the company through a group call (a dataset import does the same in the enrichment issue).
    await postSegment(
      gateway,
      '/v1/group',
      { anonymousId: 'someone', groupId: 'psc', traits: { name: 'Pittsburgh Supercomputing Center', website: 'https://www.psc.edu' } },
      { key: tenant.publishableKey },
    );
    await postSegment(gateway, '/v1/page', page('researcher', PSC_IP, '/docs'), { key: tenant.publishableKey });
    const researcher = await readWithSessions(tenant.secretKey, await leadOfVisitor(tenant.id, 'researcher'));
    expect(researcher.sessions[0]?.company?.domain).toBe('psc.edu');
    const after = await gateway.gql<{ lookupIp: { company: { domain: string } | null } }>(tenant.secretKey, `{ lookupIp(ip: "${PSC_IP}") { company { domain } } }`);
    expect(after.data?.lookupIp.company).toEqual({ domain: 'psc.edu' });
  });

  it('links the lead to the company a group call names, which beats the network guess, and fills the record', async () => {
    const tenant = await createTenant(gateway);
    await postSegment(gateway, '/v1/page', page('buyer', APPLE_IP, '/'), { key: tenant.publishableKey });
    const group = await postSegment(
      gateway,
      '/v1/group',
      { anonymousId: 'buyer', groupId: 'acct-9', traits: { name: 'Initech, Inc.', domain: 'initech.com', industry: 'Software', employees: 250 } },
      { key: tenant.publishableKey },
    );
    expect(group.status).toBe(200);
    const lead = await readWithSessions(tenant.secretKey, await leadOfVisitor(tenant.id, 'buyer'));
    expect(lead.company).toEqual({ domain: 'initech.com', name: 'Initech, Inc.', industry: 'Software', employees: 250 });
    // The session still says where the visit came from.
    expect(lead.sessions[0]?.company?.domain).toBe('apple.com');

    // A later group call fills gaps only; it never overwrites what the record holds.
    await postSegment(gateway, '/v1/group', { anonymousId: 'buyer', groupId: 'x', traits: { domain: 'initech.com', name: 'Renamed', country: 'US' } }, { key: tenant.publishableKey });
    const company = await gateway.gql<{ company: { name: string; country: string } }>(tenant.secretKey, '{ company(domain: "initech.com") { name country } }');
    expect(company.data?.company).toEqual({ name: 'Initech, Inc.', country: 'US' });
  });

  it('lets properties flow from events up to the session: landing page, referrer and campaign first, last page after', async () => {
    const tenant = await createTenant(gateway);
    const campaign = { campaign: { source: 'newsletter', medium: 'email', name: 'spring' }, userAgent: BROWSER_AGENT };
    await postSegment(
      gateway,
      '/v1/batch',
      { batch: [page('reader', PSC_IP, '/blog/launch', campaign), page('reader', PSC_IP, '/pricing'), { type: 'track', anonymousId: 'reader', event: 'Clicked Demo' }] },
      { key: tenant.publishableKey },
    );
    const reader = await readWithSessions(tenant.secretKey, await leadOfVisitor(tenant.id, 'reader'));
    expect(reader.sessions).toHaveLength(1);
    expect(reader.sessions[0]).toMatchObject({
      pageViews: 2,
      ip: PSC_IP,
      properties: {
        landingUrl: 'https://acme.test/blog/launch',
        landingPath: '/blog/launch',
        referrer: 'https://search.test/?q=acme',
        utmSource: 'newsletter',
        utmMedium: 'email',
        utmCampaign: 'spring',
        userAgent: BROWSER_AGENT,
        lastUrl: 'https://acme.test/pricing',
        lastPath: '/pricing',
      },
    });
  });

  it('splitLead takes back the traits the survivor took from the absorbed lead and keeps its own', async () => {
    const tenant = await createTenant(gateway);
    const person = await identify(gateway, tenant.secretKey, { anonymousId: 'desk', userId: 'u-1', email: 'kim@acme.test', traits: { plan: 'pro' } });
    // An anonymous visitor who told us something about themselves, later found to be the same person.
    await identify(gateway, tenant.secretKey, { anonymousId: 'tablet', traits: { favouriteColour: 'green', plan: 'free' } });
    const tabletLead = await leadOfVisitor(tenant.id, 'tablet');
    const merged = await identify(gateway, tenant.secretKey, { anonymousId: 'tablet', userId: 'u-1' });
    expect(merged.id).toBe(person.id);
    expect(merged.traits).toMatchObject({ plan: 'pro', favouriteColour: 'green' });

    const split = await gateway.gql(tenant.secretKey, 'mutation { splitLead(leadId: "' + person.id + '", anonymousId: "tablet") { id } }');
    expect(split.errors).toBeUndefined();
    expect((await readLead(gateway, tenant.secretKey, person.id))?.traits).toEqual({ email: 'kim@acme.test', plan: 'pro' });
    expect((await readLead(gateway, tenant.secretKey, tabletLead))?.traits).toEqual({ favouriteColour: 'green', plan: 'free' });
  });

  it('commits concurrent single-event requests exactly: every event once, one session per visitor, counts that add up', async () => {
    const tenant = await createTenant(gateway);
    const visitors = Array.from({ length: 20 }, (_, i) => `v${i}`);
    // 300 requests over 20 visitors; every third messageId is sent twice.
    const requests = Array.from({ length: 300 }, (_, i) => {
      const n = i % 3 === 2 ? i - 1 : i;
      return postSegment(
        gateway,
        '/v1/track',
        { anonymousId: visitors[n % visitors.length], event: 'Viewed', messageId: `m-${n}`, timestamp: minutesAgo(5) },
        { key: tenant.publishableKey },
      );
    });
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const distinct = new Set(Array.from({ length: 300 }, (_, i) => (i % 3 === 2 ? i - 1 : i))).size;
    expect(answers.reduce((sum, a) => sum + Number(a.body['accepted']), 0)).toBe(distinct);
    expect(await countEvents(gateway, tenant.id)).toBe(distinct);
    const sessions = await tenantRows<{ n: number; events: number }>(
      gateway,
      tenant.id,
      'select count(*)::int as n, sum(event_count)::int as events from {t}.sessions',
    );
    expect(sessions[0]).toEqual({ n: visitors.length, events: distinct });
    const leads = await tenantRows<{ n: number }>(gateway, tenant.id, 'select count(*)::int as n from {t}.leads');
    expect(leads[0]?.n).toBe(visitors.length);
  });

  it('never leaves an event without its lead and session, through merges and splits', async () => {
    const tenant = await createTenant(gateway);
    await postSegment(gateway, '/v1/batch', { batch: [page('a1', PSC_IP, '/'), page('a2', PSC_IP, '/pricing')] }, { key: tenant.publishableKey });
    await identify(gateway, tenant.secretKey, { anonymousId: 'a1', userId: 'u-9' });
    await identify(gateway, tenant.secretKey, { anonymousId: 'a2', userId: 'u-9' });
    const person = await leadOfVisitor(tenant.id, 'a1');
    await gateway.gql(tenant.secretKey, `mutation { splitLead(leadId: "${person}", anonymousId: "a2") { id } }`);
    // Events carry no foreign keys (they cost a third of a batch insert): the write path keeps them whole.
    const orphans = await tenantRows<{ n: number }>(
      gateway,
      tenant.id,
      `select count(*)::int as n from {t}.events e
        where not exists (select 1 from {t}.leads l where l.id = e.lead_id)
           or (e.session_id is not null and not exists (select 1 from {t}.sessions s where s.id = e.session_id and s.lead_id = e.lead_id))`,
    );
    expect(orphans[0]?.n).toBe(0);
    expect(await countEvents(gateway, tenant.id)).toBe(4);
  });
});
