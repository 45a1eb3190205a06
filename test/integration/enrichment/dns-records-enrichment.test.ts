import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DNS_TYPE, type DnsServer } from '../../support/dns-server.js';
import { createTenant, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { withEnrichmentStack } from '../../support/enrichment-stack.js';

interface Job {
  id: string;
  status: string;
  creditsCharged: number;
  error: string | null;
}

interface Field {
  field: string;
  value: unknown;
  confidence: number;
  source: string;
}

const JOB = 'id status creditsCharged error';

describe('the DNS records provider in the enrichment workflow (real Temporal, PostgreSQL, Redis; local DNS server)', () => {
  let gateway: TestGateway;
  let dns: DnsServer;

  withEnrichmentStack({ name: 'dns-records-test', dns: {} }, (s) => {
    gateway = s.gateway;
    dns = s.dns!;
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  async function tenantWith(waterfall: string[]): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: 100 });
    await gql(tenant, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }', { input: { waterfall } });
    return tenant;
  }

  async function leadWithEmail(tenant: TestTenant, email: string): Promise<string> {
    const data = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomBytes(6).toString('hex')}`, email },
    });
    return data.identify.id;
  }

  /** Enriches the lead and waits for the job's end (the signal), polling its status. */
  async function enriched(tenant: TestTenant, leadId: string): Promise<Job> {
    const job = (await gql<{ enrichLead: Job }>(tenant, `mutation ($id: ID!) { enrichLead(id: $id) { ${JOB} } }`, { id: leadId })).enrichLead;
    for (;;) {
      const now = (await gql<{ enrichmentJob: Job }>(tenant, `query ($id: ID!) { enrichmentJob(id: $id) { ${JOB} } }`, { id: job.id })).enrichmentJob;
      if (now.status === 'COMPLETED' || now.status === 'FAILED') return now;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const fieldsOf = async (tenant: TestTenant, leadId: string) =>
    new Map(
      (await gql<{ lead: { enrichment: Field[] } }>(tenant, 'query ($id: ID!) { lead(id: $id) { enrichment { field value confidence source } } }', { id: leadId })).lead.enrichment.map(
        (f) => [f.field, f],
      ),
    );

  it('gives an email-only lead at a business domain its mail provider, SaaS and DMARC policy, with source and confidence, for no credit', async () => {
    const tenant = await tenantWith(['email-verification', 'dns-records']);
    const domain = `acme-${randomBytes(4).toString('hex')}.test`;
    dns.set(domain, {
      mx: [{ exchange: `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`, priority: 0 }],
      txt: ['v=spf1 include:spf.protection.outlook.com include:_spf.salesforce.com -all', 'MS=ms48151623', 'docusign=1b0a6754-49b1-4db5-8540-d2c12664b289', 'facebook-domain-verification=abc123'],
    });
    dns.set(`_dmarc.${domain}`, { txt: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@' + domain] });

    const leadId = await leadWithEmail(tenant, `jane.doe@${domain}`);
    // Email verification costs its credit; the DNS provider is free.
    expect(await enriched(tenant, leadId)).toMatchObject({ status: 'COMPLETED', creditsCharged: 1, error: null });

    const fields = await fieldsOf(tenant, leadId);
    expect(fields.get('company.mailProvider')).toEqual({ field: 'company.mailProvider', value: 'Microsoft 365', confidence: 0.95, source: 'dns-records' });
    expect(fields.get('company.saas')).toEqual({
      field: 'company.saas',
      value: ['DocuSign', 'Meta Business', 'Microsoft 365', 'Salesforce'],
      confidence: 0.85,
      source: 'dns-records',
    });
    expect(fields.get('company.dmarcPolicy')).toEqual({ field: 'company.dmarcPolicy', value: 'quarantine', confidence: 1, source: 'dns-records' });
    expect(fields.get('email.mailDomainKind')).toMatchObject({ value: 'business', source: 'email-verification' });
    expect(dns.queries).toContainEqual({ name: `_dmarc.${domain}`, type: DNS_TYPE.TXT });

    // Another tenant reads nothing of it.
    const other = await createTenant(gateway);
    const response = await gateway.gql<{ lead: unknown }>(other.secretKey, 'query ($id: ID!) { lead(id: $id) { enrichment { field } } }', { id: leadId });
    expect(response.data?.lead ?? null).toBeNull();
  });

  it('asks nothing of the DNS about a home ISP domain: it is no company', async () => {
    const tenant = await tenantWith(['email-verification', 'dns-records']);
    const isp = await leadWithEmail(tenant, `jane.doe.${randomBytes(3).toString('hex')}@btinternet.com`);
    expect(await enriched(tenant, isp)).toMatchObject({ status: 'COMPLETED' });
    const fields = await fieldsOf(tenant, isp);
    expect(fields.get('email.mailDomainKind')).toMatchObject({ value: 'isp', source: 'email-verification' });
    expect(fields.get('email.freeMail')).toMatchObject({ value: true });
    expect([...fields.keys()].filter((field) => field.startsWith('company.'))).toEqual([]);
    // The job is over, so any question the DNS provider would have asked has been asked.
    expect(dns.queries.filter((q) => q.type === DNS_TYPE.TXT && q.name.endsWith('btinternet.com'))).toEqual([]);
  });
});
