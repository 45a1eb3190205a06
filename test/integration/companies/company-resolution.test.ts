import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { messageCollector, type MessageCollector } from '../../support/message-collector.js';
import { postSegment } from '../ingest/segment-http.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { startTestWorker } from '../../support/test-worker.js';

// End to end, on real PostgreSQL, Redis and Temporal: the company DNS of a local DNS server, homepages from a local HTTP server.

const APPLE_IP = '17.5.7.9'; // AS714 Apple Inc.: a curated business network with a known domain
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const homepage = (name: string) => `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${name} | Payments for the internet</title>
  <meta name="description" content="${name} builds payment infrastructure.">
  <meta property="og:site_name" content="${name}">
  <script src="https://js.stripe.com/v3/"></script>
</head>
<body>
  <div id="__next"><h1>${name}</h1><a href="https://www.linkedin.com/company/${name.toLowerCase()}/">LinkedIn</a></div>
  <script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/","buildId":"b1d"}</script>
  <script src="/_next/static/chunks/main-0123456789abcdef.js" defer></script>
  <script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/1234567.js"></script>
</body>
</html>`;

interface Fact {
  field: string;
  value: unknown;
  source: string;
  confidence: number;
  fetchedAt: string;
}

interface CompanyView {
  domain: string | null;
  name: string | null;
  mailProvider: string | null;
  dmarcPolicy: string | null;
  saas: string[];
  techStack: string[];
  description: string | null;
  facts: Fact[];
}

interface LinkView {
  domain: string;
  source: string;
  confidence: number;
  reason: string;
  alternatives: Array<{ domain: string; source: string; confidence: number; detail: string }>;
}

interface LeadView {
  id: string;
  score: number;
  scoreBreakdown: Array<{ rule: string; points: number }>;
  company: CompanyView | null;
  companyLink: LinkView | null;
  segments: Array<{ id: string }>;
}

const COMPANY = 'domain name mailProvider dmarcPolicy saas techStack description facts { field value source confidence fetchedAt }';
const LEAD = `query ($id: ID!) { lead(id: $id) { id score scoreBreakdown { rule points } company { ${COMPANY} }
  companyLink { domain source confidence reason alternatives { domain source confidence detail } } segments { id } } }`;
const JOB = 'id status error';

describe('company resolution: every lead with evidence gets a company, with facts rules can use (real services)', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let dns: DnsServer;
  let homepages: Server;
  const clients: Client[] = [];

  beforeAll(async () => {
    dns = await startDnsServer({});
    homepages = createServer((req, res) => {
      const domain = (req.url ?? '/').slice(1).replace(/\/$/, '');
      const name = domain.split('-')[0] ?? 'Acme';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-powered-by': 'Next.js' });
      res.end(homepage(name.charAt(0).toUpperCase() + name.slice(1)));
    });
    await new Promise<void>((resolve) => homepages.listen(0, '127.0.0.1', resolve));
    const port = (homepages.address() as AddressInfo).port;
    gateway = await startTestGateway({
      config: testConfig({
        TEMPORAL_TASK_QUEUE: `company-resolution-${randomBytes(4).toString('hex')}`,
        ENRICHMENT_DNS_SERVERS: `127.0.0.1:${dns.port}`,
        ENRICHMENT_DNS_TIMEOUT_MS: '1000',
      }),
    });
    worker = await startTestWorker(gateway, { homepage: { homepageUrl: (domain) => `http://127.0.0.1:${port}/${domain}` } });
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await worker?.close();
    await gateway?.close();
    await dns?.close();
    await new Promise((resolve) => homepages?.close(resolve));
  }, 60_000);

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  /** A company domain of this run, its DNS as a Microsoft 365 customer with Salesforce, DMARC quarantine. */
  function businessDomain(name: string): string {
    const domain = `${name}-${randomBytes(4).toString('hex')}.test`;
    dns.set(domain, {
      mx: [{ exchange: `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`, priority: 0 }],
      txt: ['v=spf1 include:spf.protection.outlook.com include:_spf.salesforce.com -all', 'MS=ms48151623'],
    });
    dns.set(`_dmarc.${domain}`, { txt: [`v=DMARC1; p=quarantine; rua=mailto:dmarc@${domain}`] });
    return domain;
  }

  function subscribe<T>(tenant: TestTenant, query: string, variables: Record<string, unknown> = {}): { collected: MessageCollector<T>; started: Promise<void> } {
    const client = createClient({ url: `${gateway.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${tenant.secretKey}` }, lazy: false });
    clients.push(client);
    const collected = messageCollector<T>(60_000);
    const started = new Promise<void>((resolve) => {
      client.on('connected', () => setTimeout(resolve, 200));
    });
    client.subscribe({ query, variables }, { next: (m) => collected.push(m as T), error: () => undefined, complete: () => undefined });
    return { collected, started };
  }

  /** Waits for a message that satisfies `ok`: the signal, not a clock. */
  async function messageWhere<T>(collected: MessageCollector<T>, ok: (message: T) => boolean): Promise<T> {
    for (let count = 1; ; count += 1) {
      await collected.waitFor(count);
      const message = collected.messages[count - 1] as T;
      if (ok(message)) return message;
    }
  }

  async function identify(tenant: TestTenant, email: string): Promise<string> {
    const data = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomBytes(6).toString('hex')}`, email },
    });
    return data.identify.id;
  }

  /** Enriches the lead and waits for its job's end, as its status says. */
  async function enriched(tenant: TestTenant, leadId: string): Promise<{ status: string; error: string | null }> {
    const job = (await gql<{ enrichLead: { id: string; status: string; error: string | null } }>(tenant, `mutation ($id: ID!) { enrichLead(id: $id) { ${JOB} } }`, { id: leadId })).enrichLead;
    for (;;) {
      const now = (await gql<{ enrichmentJob: { status: string; error: string | null } }>(tenant, `query ($id: ID!) { enrichmentJob(id: $id) { ${JOB} } }`, { id: job.id })).enrichmentJob;
      if (now.status !== 'QUEUED' && now.status !== 'RUNNING') return now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const leadOf = async (tenant: TestTenant, id: string) => (await gql<{ lead: LeadView }>(tenant, LEAD, { id })).lead;
  const factOf = (company: CompanyView | null, field: string) => company?.facts.find((f) => f.field === field);

  it('an email-only lead at a business domain ends with a company, its facts with their sources, scored and segmented on them', async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    const other = await createTenant(gateway, { credits: 100 });
    const domain = businessDomain('stripe');

    // The default model plus a rule on the company's technologies; a segment on its mail provider.
    const model = await gql<{ scoringModel: { rules: unknown[] } }>(tenant, '{ scoringModel { rules } }');
    const rules = [...model.scoringModel.rules, { name: 'Runs Next.js', kind: 'MATCH', field: 'company.techStack', values: ['next.js'], points: 20 }];
    await gql(tenant, 'mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', { i: { rules } });
    const segment = (
      await gql<{ createSegment: { id: string } }>(tenant, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
        i: { name: 'On Microsoft 365', rule: { all: [{ field: 'company.mailProvider', op: 'eq', value: 'microsoft 365' }, { field: 'company.saas', op: 'contains', value: 'Salesforce' }] } },
      })
    ).createSegment;
    const entered = subscribe<{ data?: { segmentMembership: { change: string; lead: { id: string } } } }>(
      tenant,
      'subscription ($s: ID!) { segmentMembership(segmentId: $s) { change lead { id } } }',
      { s: segment.id },
    );
    const scored = subscribe<{ data?: { leadScored: { lead: { id: string; score: number } } } }>(tenant, 'subscription { leadScored(minScore: 1) { lead { id score } } }');
    await Promise.all([entered.started, scored.started]);

    const leadId = await identify(tenant, `jane.doe@${domain}`);
    expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED', error: null });
    // Known person 15 + company identified 10 + Next.js 20: the score that says the company's facts were read.
    await messageWhere(scored.collected, (m) => m.data?.leadScored.lead.id === leadId && m.data.leadScored.lead.score >= 45);
    await messageWhere(entered.collected, (m) => m.data?.segmentMembership.lead.id === leadId && m.data.segmentMembership.change === 'ENTERED');

    const lead = await leadOf(tenant, leadId);
    expect(lead.company).toMatchObject({ domain, name: 'Stripe', mailProvider: 'Microsoft 365', dmarcPolicy: 'quarantine', description: 'Stripe builds payment infrastructure.' });
    expect(lead.company?.saas).toEqual(expect.arrayContaining(['Microsoft 365', 'Salesforce']));
    expect(lead.company?.techStack).toContain('Next.js');
    expect(factOf(lead.company, 'company.name')).toMatchObject({ value: 'Stripe', source: 'company-homepage' });
    expect(factOf(lead.company, 'company.mailProvider')).toMatchObject({ value: 'Microsoft 365', source: 'dns-records', confidence: 0.95 });
    expect(factOf(lead.company, 'company.techStack')).toMatchObject({ source: 'company-homepage' });
    expect(factOf(lead.company, 'company.socialLinks.linkedin')).toMatchObject({ source: 'company-homepage' });
    expect(new Date(factOf(lead.company, 'company.dmarcPolicy')?.fetchedAt ?? 0).getTime()).toBeGreaterThan(0);
    expect(lead.companyLink).toMatchObject({ domain, source: 'email', confidence: 0.9, alternatives: [] });
    expect(lead.companyLink?.reason).toContain('business email');
    expect(lead.scoreBreakdown).toEqual(expect.arrayContaining([{ rule: 'Company identified', points: 10 }, { rule: 'Runs Next.js', points: 20 }]));
    expect(lead.segments).toEqual([{ id: segment.id }]);

    // company(domain) answers it, case-insensitively, with the same facts.
    const byDomain = await gql<{ company: CompanyView | null }>(tenant, `query ($d: String!) { company(domain: $d) { ${COMPANY} } }`, { d: domain.toUpperCase() });
    expect(byDomain.company).toEqual(lead.company);

    // The other tenant sees none of it: no lead, no company, no segment.
    const foreign = await gateway.gql<{ lead: unknown; company: unknown; segment: unknown }>(
      other.secretKey,
      'query ($id: ID!, $d: String!, $s: ID!) { lead(id: $id) { id } company(domain: $d) { domain } segment(id: $s) { id } }',
      { id: leadId, d: domain, s: segment.id },
    );
    expect(foreign.data).toEqual({ lead: null, company: null, segment: null });
  });

  it('links a business email at identify, before and without enrichment, and scores the company at once', async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    await gql(tenant, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    const domain = businessDomain('initech');
    const scored = subscribe<{ data?: { leadScored: { lead: { id: string; score: number } } } }>(tenant, 'subscription { leadScored(minScore: 1) { lead { id score } } }');
    await scored.started;

    const leadId = await identify(tenant, `Peter.Gibbons@Mail.${domain.toUpperCase()}`);
    // Known person 15 + company identified 10, with no enrichment at all.
    await messageWhere(scored.collected, (m) => m.data?.leadScored.lead.id === leadId && m.data.leadScored.lead.score >= 25);
    const lead = await leadOf(tenant, leadId);
    expect(lead.company).toMatchObject({ domain, name: null, mailProvider: null });
    expect(factOf(lead.company, 'company.domain')).toMatchObject({ value: domain, source: 'email', confidence: 0.9 });
    expect(lead.companyLink).toMatchObject({ domain, source: 'email', confidence: 0.9, alternatives: [] });
    expect(lead.scoreBreakdown).toContainEqual({ rule: 'Company identified', points: 10 });

    // A visitor from Apple's network who identifies with a business email: the email outweighs the network at once.
    const visitor = `v-${randomBytes(4).toString('hex')}`;
    const context = { ip: APPLE_IP, userAgent: BROWSER, page: { path: '/pricing', url: 'https://shop.test/pricing' } };
    expect((await postSegment(gateway, '/v1/page', { anonymousId: visitor, properties: { path: '/pricing' }, context }, { key: tenant.publishableKey })).status).toBe(200);
    const rows = await gateway.services.db.query<{ lead_id: string }>(`select lead_id from t_${tenant.id}.identities where anonymous_id = $1`, [visitor]);
    const visitorLead = rows[0]?.lead_id ?? '';
    expect((await leadOf(tenant, visitorLead)).company?.domain).toBe('apple.com');
    const viewed = await messageWhere(scored.collected, (m) => m.data?.leadScored.lead.id === visitorLead);
    const before = viewed.data?.leadScored.lead.score ?? 0;
    await gql(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', { input: { anonymousId: visitor, email: `samir@${domain}` } });
    // Known person +15: the evaluation that linked the email's company has run.
    await messageWhere(scored.collected, (m) => m.data?.leadScored.lead.id === visitorLead && m.data.leadScored.lead.score >= before + 15);
    const relinked = await leadOf(tenant, visitorLead);
    expect(relinked.company?.domain).toBe(domain);
    expect(relinked.companyLink).toMatchObject({ domain, source: 'email', confidence: 0.9 });
    expect(relinked.companyLink?.alternatives).toEqual([{ domain: 'apple.com', source: 'network', confidence: 0.6, detail: 'the network of a visit' }]);
    expect(relinked.companyLink?.reason).toContain('beats apple.com from network at 0.6');

    const jobs = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from t_${tenant.id}.enrichment_jobs`);
    expect(jobs[0]?.n).toBe(0);
  });

  it("corroborates the email with the tenant's dataset, keeps the tenant's own facts, and adds every provider's", async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    const domain = businessDomain('globex');
    const imported = await gql<{ importCompanies: { created: number } }>(tenant, 'mutation ($c: [CompanyInput!]!) { importCompanies(companies: $c) { created } }', {
      c: [{ domain, name: 'Globex Corporation', industry: 'Manufacturing', employees: 300 }],
    });
    expect(imported.importCompanies.created).toBe(1);

    const leadId = await identify(tenant, `hank@${domain}`);
    expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED' });
    const lead = await leadOf(tenant, leadId);
    // Email 0.9 and dataset 0.9 for the same domain: 1 - 0.1 × 0.1.
    expect(lead.companyLink).toMatchObject({ domain, source: 'dataset', confidence: 0.99 });
    expect(lead.companyLink?.alternatives).toEqual([expect.objectContaining({ domain, source: 'email', confidence: 0.9 })]);
    // The homepage's "Globex" (0.85) does not replace the tenant's name (0.9); DNS adds what the import lacked.
    expect(lead.company).toMatchObject({ domain, name: 'Globex Corporation', mailProvider: 'Microsoft 365' });
    expect(factOf(lead.company, 'company.name')).toMatchObject({ source: 'import', confidence: 0.9 });
    expect(factOf(lead.company, 'company.employees')).toMatchObject({ value: 300, source: 'import' });
    expect(factOf(lead.company, 'company.mailProvider')).toMatchObject({ source: 'dns-records' });
    expect(factOf(lead.company, 'company.techStack')).toMatchObject({ source: 'company-homepage' });
    // 300 employees: the default model's size rule reads the same record.
    expect(lead.scoreBreakdown).toContainEqual({ rule: 'Company size 50–5000', points: 15 });
  });

  it("keeps the company a group call named over the email's, and lists the email's as the alternative", async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    const emailDomain = businessDomain('hooli');
    const groupDomain = `parent-${randomBytes(4).toString('hex')}.test`;
    const visitor = `g-${randomBytes(4).toString('hex')}`;
    const group = await postSegment(
      gateway,
      '/v1/group',
      { anonymousId: visitor, groupId: 'acct-1', traits: { name: 'Parent Holdings', domain: groupDomain }, context: { userAgent: BROWSER } },
      { key: tenant.publishableKey },
    );
    expect(group.status).toBe(200);
    const rows = await gateway.services.db.query<{ lead_id: string }>(`select lead_id from t_${tenant.id}.identities where anonymous_id = $1`, [visitor]);
    const leadId = rows[0]?.lead_id ?? '';
    await gql(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', { input: { anonymousId: visitor, email: `gavin@${emailDomain}` } });
    expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED' });

    const lead = await leadOf(tenant, leadId);
    expect(lead.company).toMatchObject({ domain: groupDomain, name: 'Parent Holdings' });
    expect(factOf(lead.company, 'company.name')).toMatchObject({ source: 'group', confidence: 0.95 });
    expect(lead.companyLink).toMatchObject({ domain: groupDomain, source: 'group', confidence: 0.95 });
    expect(lead.companyLink?.alternatives).toContainEqual(expect.objectContaining({ domain: emailDomain, source: 'email', confidence: 0.9 }));
    expect(lead.companyLink?.reason).toContain(`beats ${emailDomain} from email at 0.9`);
    // The company providers were asked about the company the lead is linked to, not the email's (whose MX only verification reads).
    expect(dns.queries.some((q) => q.name === `_dmarc.${groupDomain}`)).toBe(true);
    expect(dns.queries.some((q) => q.name === `_dmarc.${emailDomain}`)).toBe(false);
  });

  it('a free-mail or home-ISP lead gets no company', async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    for (const email of [`jane.${randomBytes(3).toString('hex')}@gmail.com`, `jane.${randomBytes(3).toString('hex')}@btinternet.com`]) {
      const leadId = await identify(tenant, email);
      expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED' });
      const lead = await leadOf(tenant, leadId);
      expect(lead.company).toBeNull();
      expect(lead.companyLink).toBeNull();
      expect(lead.scoreBreakdown.map((c) => c.rule)).not.toContain('Company identified');
    }
    const companies = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from t_${tenant.id}.companies`);
    expect(companies[0]?.n).toBe(0);
  });

  it("decides a conflict between the visitor's network company and a business email by confidence, and explains it", async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    const other = await createTenant(gateway, { credits: 100 });
    const domain = businessDomain('acme');
    const visitor = `v-${randomBytes(4).toString('hex')}`;
    const context = { ip: APPLE_IP, userAgent: BROWSER, page: { path: '/pricing', url: 'https://shop.test/pricing' } };
    const sent = await postSegment(gateway, '/v1/page', { anonymousId: visitor, properties: { path: '/pricing' }, context }, { key: tenant.publishableKey });
    expect(sent.status).toBe(200);
    const rows = await gateway.services.db.query<{ lead_id: string }>(`select lead_id from t_${tenant.id}.identities where anonymous_id = $1`, [visitor]);
    const leadId = rows[0]?.lead_id ?? '';
    // Ingestion linked the visit's network company.
    expect((await leadOf(tenant, leadId)).company?.domain).toBe('apple.com');

    await gql(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', { input: { anonymousId: visitor, email: `jane@${domain}` } });
    expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED' });

    const lead = await leadOf(tenant, leadId);
    expect(lead.company).toMatchObject({ domain, name: 'Acme', mailProvider: 'Microsoft 365' });
    expect(lead.companyLink).toMatchObject({ domain, source: 'email', confidence: 0.9 });
    expect(lead.companyLink?.alternatives).toContainEqual(expect.objectContaining({ domain: 'apple.com', source: 'network', confidence: 0.6 }));
    expect(lead.companyLink?.reason).toMatch(/beats apple\.com from network.* at 0\.6/);

    // Enriching again keeps the decision: the same evidence, the same company.
    expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED' });
    expect((await leadOf(tenant, leadId)).companyLink).toMatchObject({ domain, source: 'email' });

    const foreign = await gateway.gql<{ company: unknown }>(other.secretKey, 'query ($d: String!) { company(domain: $d) { domain } }', { d: domain });
    expect(foreign.data).toEqual({ company: null });
  });
});
