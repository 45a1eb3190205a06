import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { enrichLeadWorkflowId } from '../../../workflows/enrichment/enrichment-dispatch.js';
import { codeOf, createTenant, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { companyBody, vendorConfig, type VendorServer } from '../../support/vendor-server.js';
import { withEnrichmentStack } from '../../support/enrichment-stack.js';

interface NowView {
  done: boolean;
  job: { id: string; leadId: string; status: string; creditsCharged: number; error: string | null };
  lead: { id: string; enrichment: Array<{ field: string; value: unknown; confidence: number; source: string }>; needsManualEnrichment: boolean };
}

const ENRICH_NOW = `mutation ($id: ID!, $waitMs: Int) { enrichLeadNow(id: $id, waitMs: $waitMs) {
  done job { id leadId status creditsCharged error } lead { id needsManualEnrichment enrichment { field value confidence source } }
} }`;
// The vendor's price per answer with data (vendorConfig): a job that matched costs exactly this.
const PRICE = 3;

/**
 * enrichLeadNow through the gateway, the real Temporal server and a worker,
 * with a Clearbit-like vendor on this machine as the only provider: a fast
 * vendor's fields come back in the answer; a slow one's job answers RUNNING
 * and completes durably after.
 */
describe('enrichLeadNow', () => {
  let gateway: TestGateway;
  let vendor: VendorServer;

  withEnrichmentStack({ name: 'enrich-now', vendor: {} }, (s) => {
    gateway = s.gateway;
    vendor = s.vendor!;
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  /** A tenant enriching with the vendor alone, only when asked. */
  async function vendorTenant(): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: 100 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor), apiKey: vendor.key },
    });
    await gql(tenant, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }', {
      input: { waterfall: ['vendor:clearbit-like'], autoEnrich: false },
    });
    return tenant;
  }

  const domain = (label: string) => `${label}-${randomBytes(4).toString('hex')}.test`;

  async function leadAt(tenant: TestTenant, companyDomain: string): Promise<string> {
    const data = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomBytes(6).toString('hex')}`, email: `ann@${companyDomain}` },
    });
    return data.identify.id;
  }

  const balance = async (tenant: TestTenant) => (await gql<{ tenant: { credits: { balance: number } } }>(tenant, '{ tenant { credits { balance } } }')).tenant.credits.balance;
  const jobsOf = async (tenant: TestTenant, leadId: string) =>
    gateway.services.db.query<{ id: string; status: string }>(`select id, status from "t_${tenant.id}".enrichment_jobs where lead_id = $1`, [leadId]);
  /** The signal the job's end is: the lead's workflow finishing its queue. */
  const workflowEnded = (tenant: TestTenant, leadId: string) => gateway.services.temporalClient.workflow.getHandle(enrichLeadWorkflowId(tenant.id, leadId)).result();

  beforeAll(async () => {
    // The worker's first workflow loads its bundle: warmed here, so the first answer below is a vendor's, not a cold start's.
    const tenant = await vendorTenant();
    const leadId = await leadAt(tenant, domain('warm'));
    await gql(tenant, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: leadId });
    await workflowEnded(tenant, leadId);
  }, 120_000);

  it("answers within its wait with the fast vendor's fields, charging the job's price once", async () => {
    const tenant = await vendorTenant();
    const company = domain('fast');
    const leadId = await leadAt(tenant, company);
    const before = await balance(tenant);

    const now = (await gql<{ enrichLeadNow: NowView }>(tenant, ENRICH_NOW, { id: leadId, waitMs: 5000 })).enrichLeadNow;
    expect(now.done).toBe(true);
    expect(now.job).toMatchObject({ leadId, status: 'COMPLETED', creditsCharged: PRICE, error: null });
    expect(now.lead.id).toBe(leadId);
    expect(now.lead.enrichment).toEqual(
      expect.arrayContaining([
        { field: 'company.name', value: companyBody(company).name, confidence: 0.9, source: 'vendor:clearbit-like' },
        { field: 'company.employees', value: 250, confidence: 0.7, source: 'vendor:clearbit-like' },
      ]),
    );
    expect(vendor.requests(company)).toBe(1);
    expect(await balance(tenant)).toBe(before - PRICE);
    expect(await jobsOf(tenant, leadId)).toEqual([{ id: now.job.id, status: 'COMPLETED' }]);
  });

  it('answers RUNNING when the vendor is slow; the job completes durably after, and a second call joins it (charged once)', async () => {
    const tenant = await vendorTenant();
    const company = domain('slow');
    // Far longer than the wait: the answer cannot be the vendor's.
    vendor.script(company, [{ status: 200, body: companyBody(company), delayMs: 6_000 }]);
    const leadId = await leadAt(tenant, company);
    const before = await balance(tenant);

    const first = (await gql<{ enrichLeadNow: NowView }>(tenant, ENRICH_NOW, { id: leadId, waitMs: 200 })).enrichLeadNow;
    expect(first.done).toBe(false);
    expect(['QUEUED', 'RUNNING']).toContain(first.job.status);
    expect(first.lead.enrichment).toEqual([]);
    const second = (await gql<{ enrichLeadNow: NowView }>(tenant, ENRICH_NOW, { id: leadId, waitMs: 0 })).enrichLeadNow;
    expect(second.job.id).toBe(first.job.id);

    await workflowEnded(tenant, leadId);
    const job = (await gql<{ enrichmentJob: NowView['job'] }>(tenant, 'query ($id: ID!) { enrichmentJob(id: $id) { id leadId status creditsCharged error } }', { id: first.job.id })).enrichmentJob;
    expect(job).toMatchObject({ status: 'COMPLETED', creditsCharged: PRICE });
    expect(vendor.requests(company)).toBe(1);
    expect(await balance(tenant)).toBe(before - PRICE);
    const lead = (await gql<{ lead: NowView['lead'] }>(tenant, 'query ($id: ID!) { lead(id: $id) { id needsManualEnrichment enrichment { field value confidence source } } }', { id: leadId })).lead;
    expect(lead.enrichment.find((f) => f.field === 'company.name')?.value).toBe(companyBody(company).name);
  }, 60_000);

  it('refuses a wait outside 0..5000 ms and a lead without anything to look up, starting no job', async () => {
    const tenant = await vendorTenant();
    const leadId = await leadAt(tenant, domain('refused'));
    for (const waitMs of [5001, -1]) {
      const refused = await gateway.gql(tenant.secretKey, ENRICH_NOW, { id: leadId, waitMs });
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.extensions?.['argumentPath']).toEqual(['waitMs']);
    }
    expect(codeOf(await gateway.gql(tenant.secretKey, ENRICH_NOW, { id: 'lead_nope', waitMs: 100 }))).toBe('NOT_FOUND');
    // Fields of a mutation run one after another: six waits in one operation are refused before any runs.
    const aliases = Array.from({ length: 6 }, (_, i) => `n${i}: enrichLeadNow(id: $id, waitMs: 5000) { done }`).join(' ');
    expect(codeOf(await gateway.gql(tenant.secretKey, `mutation ($id: ID!) { ${aliases} }`, { id: leadId }))).toBe('QUERY_TOO_COMPLEX');
    expect(await jobsOf(tenant, leadId)).toEqual([]);
  });

  it("is NOT_FOUND for another tenant's lead, which gets no job and no charge", async () => {
    const owner = await vendorTenant();
    const other = await vendorTenant();
    const leadId = await leadAt(owner, domain('owned'));
    const before = await balance(owner);
    const response = await gateway.gql(other.secretKey, ENRICH_NOW, { id: leadId, waitMs: 100 });
    expect(codeOf(response)).toBe('NOT_FOUND');
    expect(await jobsOf(owner, leadId)).toEqual([]);
    expect(await balance(owner)).toBe(before);
  });
});
