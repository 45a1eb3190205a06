import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { enrichLeadWorkflowId } from '../../../workflows/enrichment/enrichment-dispatch.js';
import { postSegment } from '../ingest/segment-http.js';
import { codeOf, createTenant, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { vendorConfig, type VendorServer } from '../../support/vendor-server.js';
import { withEnrichmentStack } from '../../support/enrichment-stack.js';

interface JobRow {
  id: string;
  status: string;
  automatic: boolean;
  error: string | null;
}

const SCORE_AT_LEAST_40 = { field: 'score', op: 'gte', value: 40 };
// Pro customers score 50, everyone else 0: the rule admits exactly the pro ones.
const PRO_PLAN_MODEL = [{ name: 'Pro plan', kind: 'MATCH', field: 'traits.plan', values: ['pro'], points: 50 }];
const AUTOMATIC = 'automatic { businessOnly dailyCreditCap perVisitorDaily rule }';
const UPDATE_SETTINGS = `mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { autoEnrich ${AUTOMATIC} } }`;

/**
 * Automatic enrichment by a tenant rule in the segment rule language, decided
 * after the lead is scored, for publishable-key and secret-key ingestion;
 * through the gateway, the real Temporal server and a worker, with a
 * Clearbit-like vendor on this machine as the only provider.
 */
describe('automatic enrichment by a tenant rule', () => {
  let gateway: TestGateway;
  let vendor: VendorServer;

  withEnrichmentStack({ name: 'auto-rule', vendor: {} }, (s) => {
    gateway = s.gateway;
    vendor = s.vendor!;
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  /** Enriches automatically with the vendor alone, scoring pro customers 50, under `automatic`. */
  async function ruleTenant(automatic: Record<string, unknown>): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: 1000 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor), apiKey: vendor.key },
    });
    await gql(tenant, 'mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', { i: { rules: PRO_PLAN_MODEL } });
    await gql(tenant, UPDATE_SETTINGS, { input: { waterfall: ['vendor:clearbit-like'], autoEnrich: true, automatic } });
    return tenant;
  }

  const email = () => `ann@corp-${randomBytes(4).toString('hex')}.test`;

  /** Identify with the tenant's secret key (its own back end). */
  async function identifyWithSecret(tenant: TestTenant, userId: string, traits: Record<string, unknown>): Promise<string> {
    const data = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId, ...(typeof traits['email'] === 'string' ? { email: traits['email'] } : {}), traits },
    });
    return data.identify.id;
  }

  /** Identify from a visitor's browser (the publishable key). */
  async function identifyWithPublishable(tenant: TestTenant, traits: Record<string, unknown>): Promise<string> {
    const anonymousId = `visitor-${randomBytes(4).toString('hex')}`;
    const response = await postSegment(gateway, '/v1/identify', { anonymousId, traits }, { key: tenant.publishableKey });
    expect(response.status).toBe(200);
    const [row] = await gateway.services.db.query<{ leadId: string }>(`select lead_id as "leadId" from "t_${tenant.id}".identities where anonymous_id = $1`, [anonymousId]);
    if (row === undefined) throw new Error('the identified visitor has no lead');
    return row.leadId;
  }

  const jobsOf = (tenant: TestTenant, leadId: string) =>
    gateway.services.db.query<JobRow>(`select id, status, automatic, error from "t_${tenant.id}".enrichment_jobs where lead_id = $1 order by created_at`, [leadId]);

  /**
   * The job the decision made (after the call answered), taken up by its
   * workflow (no longer QUEUED: the row is written before the workflow is
   * started), then its end: the lead's workflow finishing.
   */
  async function enrichedAutomatically(tenant: TestTenant, leadId: string): Promise<JobRow> {
    const deadline = Date.now() + 30_000;
    let jobs = await jobsOf(tenant, leadId);
    while (jobs.length === 0 || jobs[0]?.status === 'QUEUED') {
      if (Date.now() > deadline) throw new Error(`no job for lead ${leadId}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      jobs = await jobsOf(tenant, leadId);
    }
    if (jobs[0]?.status !== 'SKIPPED') await gateway.services.temporalClient.workflow.getHandle(enrichLeadWorkflowId(tenant.id, leadId)).result();
    const [job] = await jobsOf(tenant, leadId);
    if (job === undefined) throw new Error('the job went away');
    return job;
  }

  it('enriches only the leads that reach score 40, from either key; a lead that reaches it later is enriched then', async () => {
    const tenant = await ruleTenant({ rule: SCORE_AT_LEAST_40 });
    const free = await identifyWithSecret(tenant, `u-${randomBytes(4).toString('hex')}`, { email: email(), plan: 'free' });
    const freeVisitor = await identifyWithPublishable(tenant, { email: email(), plan: 'free' });
    const pro = await identifyWithSecret(tenant, `u-${randomBytes(4).toString('hex')}`, { email: email(), plan: 'pro' });
    const proVisitor = await identifyWithPublishable(tenant, { email: email(), plan: 'pro' });

    expect(await enrichedAutomatically(tenant, pro)).toMatchObject({ status: 'COMPLETED', automatic: false });
    // From a visitor's call: admitted under the visitors' policy too (its caps hold it).
    expect(await enrichedAutomatically(tenant, proVisitor)).toMatchObject({ status: 'COMPLETED', automatic: true });
    // Both decisions above came after the free leads' (identified first): those got no job at all.
    expect(await jobsOf(tenant, free)).toEqual([]);
    expect(await jobsOf(tenant, freeVisitor)).toEqual([]);

    // The free customer upgrades: scored 50, the rule now admits the lead.
    const [user] = await gateway.services.db.query<{ userId: string; email: string }>(`select user_id as "userId", email from "t_${tenant.id}".leads where id = $1`, [free]);
    await identifyWithSecret(tenant, user!.userId, { email: user!.email, plan: 'pro' });
    expect(await enrichedAutomatically(tenant, free)).toMatchObject({ status: 'COMPLETED' });
    const lead = (await gql<{ lead: { score: number; enrichment: Array<{ field: string; source: string }> } }>(tenant, 'query ($id: ID!) { lead(id: $id) { score enrichment { field source } } }', { id: free })).lead;
    expect(lead.score).toBe(50);
    expect(lead.enrichment.map((f) => f.source)).toContain('vendor:clearbit-like');
  }, 90_000);

  it("keeps the visitors' caps for publishable-key traffic only", async () => {
    const tenant = await ruleTenant({ rule: SCORE_AT_LEAST_40, perVisitorDaily: 0 });
    const fromVisitor = await identifyWithPublishable(tenant, { email: email(), plan: 'pro' });
    const fromBackEnd = await identifyWithSecret(tenant, `u-${randomBytes(4).toString('hex')}`, { email: email(), plan: 'pro' });
    expect(await enrichedAutomatically(tenant, fromVisitor)).toMatchObject({ status: 'SKIPPED', error: expect.stringContaining('AUTO_ENRICH_VISITOR_LIMIT') });
    expect(await enrichedAutomatically(tenant, fromBackEnd)).toMatchObject({ status: 'COMPLETED', automatic: false });
  }, 60_000);

  it('takes a rule in the segment rule language, shows it, removes it with null, and refuses an invalid one naming its node', async () => {
    const tenant = await ruleTenant({});
    const business = { all: [{ field: 'email', op: 'exists', value: true }, { field: 'company.employees', op: 'gte', value: 50 }] };
    const set = await gql<{ updateEnrichmentSettings: { automatic: { rule: unknown } } }>(tenant, UPDATE_SETTINGS, { input: { automatic: { rule: business } } });
    expect(set.updateEnrichmentSettings.automatic.rule).toEqual(business);

    const invalid = await gateway.gql(tenant.secretKey, UPDATE_SETTINGS, { input: { automatic: { rule: { all: [{ field: 'score', op: 'gte', value: 'forty' }] } } } });
    expect(codeOf(invalid)).toBe('BAD_USER_INPUT');
    expect(invalid.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'automatic', 'rule', 'all', 0, 'value']);
    const unknownField = await gateway.gql(tenant.secretKey, UPDATE_SETTINGS, { input: { automatic: { rule: { field: 'salary', op: 'gt', value: 1 } } } });
    expect(codeOf(unknownField)).toBe('BAD_USER_INPUT');
    expect((await gql<{ enrichmentSettings: { automatic: { rule: unknown } } }>(tenant, `{ enrichmentSettings { ${AUTOMATIC} } }`)).enrichmentSettings.automatic.rule).toEqual(business);

    // Other settings leave the rule as it is; an explicit null removes it.
    await gql(tenant, UPDATE_SETTINGS, { input: { automatic: { perVisitorDaily: 5 } } });
    expect((await gql<{ enrichmentSettings: { automatic: { rule: unknown } } }>(tenant, `{ enrichmentSettings { ${AUTOMATIC} } }`)).enrichmentSettings.automatic.rule).toEqual(business);
    const removed = await gql<{ updateEnrichmentSettings: { automatic: { rule: unknown } } }>(tenant, UPDATE_SETTINGS, { input: { automatic: { rule: null } } });
    expect(removed.updateEnrichmentSettings.automatic.rule).toBeNull();
  });

  it("applies each tenant's own rule: another tenant's rule neither shows nor holds back this one's leads", async () => {
    const strict = await ruleTenant({ rule: SCORE_AT_LEAST_40 });
    const open = await ruleTenant({});
    expect((await gql<{ enrichmentSettings: { automatic: { rule: unknown } } }>(open, `{ enrichmentSettings { ${AUTOMATIC} } }`)).enrichmentSettings.automatic.rule).toBeNull();
    const strictFree = await identifyWithSecret(strict, `u-${randomBytes(4).toString('hex')}`, { email: email(), plan: 'free' });
    const openFree = await identifyWithSecret(open, `u-${randomBytes(4).toString('hex')}`, { email: email(), plan: 'free' });
    expect(await enrichedAutomatically(open, openFree)).toMatchObject({ status: 'COMPLETED' });
    expect(await jobsOf(strict, strictFree)).toEqual([]);
  }, 60_000);
});
