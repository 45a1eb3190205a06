import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reverseName, startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { startRdapServer, type RdapServer } from '../../support/rdap-server.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { startTestWorker } from '../../support/test-worker.js';
import { eventually } from '../../support/eventually.js';
import { postSegment } from '../ingest/segment-http.js';

/*
 * The three leads of the README's "Out of the box" table, end to end on real
 * PostgreSQL, Redis and Temporal, with no vendor key and default settings:
 * the outside world is a local DNS server (MX, TXT, PTR), the local RDAP
 * registries (test/support/rdap-documents.ts: a Comcast block, and a /29 in
 * it reassigned to Acme Widgets) and a local homepage server.
 */

const OFFICE_IP = '96.64.10.3'; // in ARIN's NET-96-64-10-0-1, reassigned by Comcast to Acme Widgets
const HOME_IP = '96.70.1.20'; // Comcast's own block, a subscriber's line
const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const homepage = (name: string) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${name}</title>
<meta name="description" content="${name} makes widgets for factories.">
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization","name":"${name}","foundingDate":"2009","address":{"@type":"PostalAddress","addressCountry":"US"},"sameAs":["https://www.linkedin.com/company/${name.toLowerCase().replace(/\\W+/g, '-')}/"]}</script>
<script src="https://www.googletagmanager.com/gtag/js?id=G-ABC123" async></script>
<script src="https://js.hs-scripts.com/1234567.js" async></script>
</head><body><h1>${name}</h1></body></html>`;

interface Field {
  field: string;
  value: unknown;
  confidence: number;
  source: string;
}

interface LeadView {
  company: { domain: string | null; name: string | null; mailProvider: string | null; techStack: string[]; saas: string[] } | null;
  companyLink: { domain: string; source: string; confidence: number; reason: string } | null;
  sessions: Array<{
    ip: string | null;
    company: { domain: string | null } | null;
    device: { browser: string | null; os: string | null; type: string | null } | null;
    location: { country: string | null; region: string | null; city: string | null } | null;
    network: { asn: number; organization: string; kind: string } | null;
  }>;
  enrichment: Field[];
}

const LEAD = `query ($id: ID!) { lead(id: $id) {
  company { domain name mailProvider techStack saas }
  companyLink { domain source confidence reason }
  sessions { ip company { domain } device { browser os type } location { country region city } network { asn organization kind } }
  enrichment { field value confidence source } } }`;

describe('three typical leads, out of the box (real services, local outside parties)', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let dns: DnsServer;
  let rdap: RdapServer;
  let homepages: Server;
  let tenant: TestTenant;

  beforeAll(async () => {
    dns = await startDnsServer({
      [reverseName(OFFICE_IP)]: { ptr: ['mail.acmewidgets.com'] },
      [reverseName(HOME_IP)]: { ptr: ['c-96-70-1-20.hsd1.ca.comcast.net'] },
      'acmewidgets.com': { mx: [{ exchange: 'acmewidgets-com.mail.protection.outlook.com', priority: 0 }], txt: ['v=spf1 include:spf.protection.outlook.com -all'] },
    });
    rdap = await startRdapServer();
    homepages = createServer((req, res) => {
      const domain = (req.url ?? '/').slice(1).replace(/\/$/, '');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(homepage(domain.startsWith('acmewidgets') ? 'Acme Widgets' : 'Northwind Traders'));
    });
    await new Promise<void>((resolve) => homepages.listen(0, '127.0.0.1', resolve));
    const port = (homepages.address() as AddressInfo).port;
    gateway = await startTestGateway({
      config: testConfig({
        TEMPORAL_TASK_QUEUE: `three-leads-${randomBytes(4).toString('hex')}`,
        ENRICHMENT_DNS_SERVERS: `127.0.0.1:${dns.port}`,
        ENRICHMENT_DNS_TIMEOUT_MS: '1000',
        RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl,
      }),
    });
    worker = await startTestWorker(gateway, { homepage: { homepageUrl: (domain) => `http://127.0.0.1:${port}/${domain}` } });
    tenant = await createTenant(gateway, { credits: 100 });
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await dns?.close();
    await rdap?.close();
    await new Promise((resolve) => homepages?.close(resolve));
  }, 60_000);

  const gql = <T>(query: string, variables?: Record<string, unknown>): Promise<T> => gateway.data<T>(tenant.secretKey, query, variables);
  const leadOf = async (id: string) => (await gql<{ lead: LeadView }>(LEAD, { id })).lead;
  const valueOf = (lead: LeadView, field: string) => lead.enrichment.find((f) => f.field === field)?.value;

  async function visit(ip: string, userAgent: string): Promise<string> {
    const anonymousId = `v-${randomBytes(6).toString('hex')}`;
    const context = { ip, userAgent, page: { path: '/pricing', url: 'https://shop.test/pricing' } };
    expect((await postSegment(gateway, '/v1/page', { anonymousId, properties: { path: '/pricing' }, context }, { key: tenant.publishableKey })).status).toBe(200);
    const rows = await gateway.services.db.query<{ lead_id: string }>(`select lead_id from t_${tenant.id}.identities where anonymous_id = $1`, [anonymousId]);
    return rows[0]?.lead_id ?? '';
  }

  async function enrich(leadId: string): Promise<string> {
    const job = (await gql<{ enrichLead: { id: string } }>('mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: leadId })).enrichLead;
    const status = async () => (await gql<{ enrichmentJob: { status: string } }>('query ($id: ID!) { enrichmentJob(id: $id) { status } }', { id: job.id })).enrichmentJob.status;
    return eventually(status, (now) => now !== 'QUEUED' && now !== 'RUNNING');
  }

  it("a visit from a company's own network: where, on what device, whose network, and the company behind it", async () => {
    const leadId = await visit(OFFICE_IP, BROWSER);
    // Before any enrichment, from the installed datasets and the user agent.
    const seen = await leadOf(leadId);
    expect(seen.sessions[0]).toMatchObject({
      ip: OFFICE_IP,
      device: { browser: 'Chrome 131', os: 'Mac OS 10.15.7', type: 'desktop' },
      network: { asn: 7922, organization: 'Comcast Cable Communications, LLC', kind: 'isp' },
      company: null,
    });
    expect(seen.sessions[0]?.location?.country).toBe('US');
    expect(seen.company).toBeNull();

    // The free ip-network provider reads the address's PTR name and the registry's record: a block Comcast assigned to Acme Widgets.
    expect(await enrich(leadId)).toBe('COMPLETED');
    const enriched = await leadOf(leadId);
    expect(valueOf(enriched, 'network.kind')).toBe('business');
    expect(valueOf(enriched, 'network.organization')).toBe('Acme Widgets Inc');
    expect(valueOf(enriched, 'network.hostname')).toBe('mail.acmewidgets.com');
    expect(valueOf(enriched, 'network.registrant')).toBe('Acme Widgets Inc');
    expect(valueOf(enriched, 'network.block')).toBe('96.64.10.0-96.64.10.7');
    expect(valueOf(enriched, 'location.country')).toBe('US');
    expect(String(valueOf(enriched, 'network.kindReasons'))).toContain('customer of Comcast');
    expect(enriched.company?.domain).toBe('acmewidgets.com');
    expect(enriched.companyLink).toMatchObject({ domain: 'acmewidgets.com', source: 'network', confidence: 0.72 });

    // With its company known, the next enrichment asks the company's DNS and homepage.
    expect(await enrich(leadId)).toBe('COMPLETED');
    const company = (await leadOf(leadId)).company;
    expect(company).toMatchObject({ domain: 'acmewidgets.com', name: 'Acme Widgets', mailProvider: 'Microsoft 365' });
    expect(company?.techStack).toEqual(expect.arrayContaining(['Google Tag Manager', 'HubSpot']));
  });

  it("a visit from a home ISP: where and on what device, the carrier's network, and never a company", async () => {
    const leadId = await visit(HOME_IP, PHONE);
    const seen = await leadOf(leadId);
    expect(seen.sessions[0]).toMatchObject({
      ip: HOME_IP,
      device: { browser: 'Mobile Safari 17', os: 'iOS 17.5', type: 'mobile' },
      network: { asn: 7922, kind: 'isp' },
      company: null,
    });
    expect(await enrich(leadId)).toBe('COMPLETED');
    const enriched = await leadOf(leadId);
    expect(valueOf(enriched, 'network.kind')).toBe('isp');
    expect(valueOf(enriched, 'network.hostname')).toBe('c-96-70-1-20.hsd1.ca.comcast.net');
    expect(valueOf(enriched, 'network.registrant')).toBe('Comcast Cable Communications, LLC');
    expect(valueOf(enriched, 'location.country')).toBe('US');
    expect(enriched.enrichment.some((f) => f.field.startsWith('company.'))).toBe(false);
    expect(enriched.company).toBeNull();
  });

  it('a business email: a company with its name, domain, mail provider and technologies', async () => {
    const domain = `northwind-${randomBytes(4).toString('hex')}.test`;
    dns.set(domain, { mx: [{ exchange: `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`, priority: 0 }], txt: ['v=spf1 include:spf.protection.outlook.com include:_spf.salesforce.com -all'] });
    const leadId = (await gql<{ identify: { id: string } }>('mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', { input: { userId: `u-${randomBytes(4).toString('hex')}`, email: `jane@${domain}` } })).identify.id;
    expect(await enrich(leadId)).toBe('COMPLETED');
    const lead = await leadOf(leadId);
    expect(lead.company).toMatchObject({ domain, name: 'Northwind Traders', mailProvider: 'Microsoft 365' });
    expect(lead.company?.saas).toContain('Salesforce');
    expect(lead.company?.techStack).toEqual(expect.arrayContaining(['Google Tag Manager', 'HubSpot']));
    expect(lead.companyLink).toMatchObject({ domain, source: 'email' });
    expect(valueOf(lead, 'email.mailDomainKind')).toBe('business');
  });

  it("a visitor the tenant's automatic rule chooses (viewed /pricing) is enriched on its own, from its address alone, for free", async () => {
    const chooser = await createTenant(gateway, { credits: 100 });
    const pricingViewed = { event: 'page_view', where: { path: '/pricing' }, count: { gte: 1 }, within: 'P14D' };
    await gateway.data(chooser.secretKey, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { autoEnrich } }', {
      input: { autoEnrich: true, automatic: { rule: pricingViewed } },
    });
    const visitAt = async (path: string) => {
      const anonymousId = `v-${randomBytes(6).toString('hex')}`;
      const context = { ip: OFFICE_IP, userAgent: BROWSER, page: { path, url: `https://shop.test${path}` } };
      expect((await postSegment(gateway, '/v1/page', { anonymousId, properties: { path }, context }, { key: chooser.publishableKey })).status).toBe(200);
      const rows = await gateway.services.db.query<{ lead_id: string }>(`select lead_id from t_${chooser.id}.identities where anonymous_id = $1`, [anonymousId]);
      return rows[0]?.lead_id ?? '';
    };
    const jobs = (leadId: string) =>
      gateway.services.db.query<{ status: string; automatic: boolean; credits: number }>(
        `select status, automatic, credits_charged as credits from t_${chooser.id}.enrichment_jobs where lead_id = $1`,
        [leadId],
      );
    const chosen = await visitAt('/pricing');
    const passerBy = await visitAt('/blog');
    // The same visit to a tenant without a rule: its own settings, no job.
    const elsewhere = await visit(OFFICE_IP, BROWSER);
    const [job] = await eventually(() => jobs(chosen), (rows) => rows.length === 1 && rows[0]?.status === 'COMPLETED');
    expect(job).toMatchObject({ automatic: true, credits: 0 });
    const enriched = (await gateway.data<{ lead: LeadView }>(chooser.secretKey, LEAD, { id: chosen })).lead;
    expect(valueOf(enriched, 'network.organization')).toBe('Acme Widgets Inc');
    expect(enriched.company?.domain).toBe('acmewidgets.com');
    // The rule did not choose the other visitor: no job, nothing looked up for it.
    expect(await jobs(passerBy)).toEqual([]);
    expect(await gateway.services.db.query(`select id from t_${tenant.id}.enrichment_jobs where lead_id = $1`, [elsewhere])).toEqual([]);
    const balance = await gateway.data<{ tenant: { credits: { balance: number } } }>(chooser.secretKey, '{ tenant { credits { balance } } }');
    expect(balance.tenant.credits.balance).toBe(100);
  });

  it('a visit from a private address (a proxy that forwards none) has no location or network, and nothing to enrich', async () => {
    const leadId = await visit('10.1.2.3', BROWSER);
    const seen = await leadOf(leadId);
    expect(seen.sessions[0]).toMatchObject({ ip: '10.1.2.3', location: null, network: null, company: null });
    const before = rdap.requests.length;
    const refused = await gateway.gql(tenant.secretKey, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: leadId });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(rdap.requests.length).toBe(before);
  });
});

