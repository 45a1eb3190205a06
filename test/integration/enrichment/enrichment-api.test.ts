import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vendorSecretAad } from '../../../tenants/secrets/secret-box.js';
import { writeLeadFields } from '../../../modules/enrichment/lead-fields.js';
import { createApiKey } from '../api-keys/api-key-operations.js';
import { identify, tenantRows, trackEvents } from '../leads/lead-operations.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';

const JOB_FIELDS = 'id leadId status creditsCharged error trigger pausedReason createdAt startedAt finishedAt';
const ENRICH_LEAD = `mutation ($id: ID!) { enrichLead(id: $id) { ${JOB_FIELDS} } }`;
const ENRICH_LEADS = `mutation ($ids: [ID!]!) { enrichLeads(ids: $ids) { ${JOB_FIELDS} } }`;
const RETRY = `mutation ($id: ID!) { retryEnrichmentJob(id: $id) { ${JOB_FIELDS} } }`;
const JOB = `query ($id: ID!) { enrichmentJob(id: $id) { ${JOB_FIELDS} } }`;
const FAILED_JOBS = `{ failedEnrichmentJobs { ${JOB_FIELDS} } }`;
const SETTINGS_FIELDS = `waterfall prices confidenceThreshold stalenessDays dailyCreditLimit autoEnrich answerCacheHours companyCacheDays
  providers { id name builtIn priceCredits rateLimitPerMinute concurrency inWaterfall }`;
const SETTINGS = `{ enrichmentSettings { ${SETTINGS_FIELDS} } }`;
const UPDATE_SETTINGS = `mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { ${SETTINGS_FIELDS} } }`;
const VENDOR_FIELDS = 'id providerId config keyConfigured updatedAt';
const VENDORS = `{ enrichmentVendors { ${VENDOR_FIELDS} } }`;
const CONFIGURE_VENDOR = `mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { ${VENDOR_FIELDS} } }`;
const REMOVE_VENDOR = `mutation ($id: ID!) { removeEnrichmentVendor(id: $id) }`;
const LEAD_ENRICHMENT = `query ($id: ID!) { lead(id: $id) {
  lastEnrichedAt needsManualEnrichment
  enrichment { field value confidence source fetchedAt verified supplied unverified expiresAt stale conflicts }
} }`;
const BALANCE = '{ tenant { credits { balance } } }';

const DEFAULT_WATERFALL = ['tenant-dataset', 'ip-organization', 'ip-network', 'email-verification', 'company-homepage', 'dns-records'];
const API_KEY = 'sk_live_SECRET123';

interface JobView {
  readonly id: string;
  readonly leadId: string;
  readonly status: string;
  readonly creditsCharged: number;
  readonly error: string | null;
  readonly trigger: string;
}

interface SettingsView {
  readonly waterfall: string[];
  readonly prices: Record<string, number>;
  readonly confidenceThreshold: number;
  readonly stalenessDays: number;
  readonly dailyCreditLimit: number | null;
  readonly autoEnrich: boolean;
  readonly providers: Array<{ id: string; name: string; builtIn: boolean; priceCredits: number; inWaterfall: boolean }>;
}

/** A vendor speaking Clearbit's protocol; never called here, so its address need not answer. */
const clearbitLike = (overrides: Record<string, unknown> = {}) => ({
  id: 'clearbit-like',
  name: 'Clearbit-like',
  endpoint: 'http://127.0.0.1:9/v2/companies/find',
  method: 'GET',
  auth: { kind: 'bearer' },
  request: { query: { domain: '{{domain}}' } },
  accepts: ['domain'],
  mode: 'sync',
  mapping: [{ field: 'company.name', path: 'name', confidence: 0.9, verified: true, type: 'string' }],
  priceCredits: 3,
  rateLimitPerMinute: 600,
  concurrency: 4,
  ...overrides,
});

describe('enrichment over GraphQL', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // No worker polls this queue: jobs stay QUEUED and their workflows wait on Temporal.
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `enrichment-api-${randomBytes(4).toString('hex')}` }) });
  });
  afterAll(async () => {
    await gateway.close();
  });

  /** A tenant that enriches only when asked: identify would otherwise start jobs of its own. */
  async function manualTenant(...args: Parameters<typeof createTenant>): Promise<TestTenant> {
    const tenant = await createTenant(...args);
    const updated = await gateway.gql(tenant.secretKey, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    if (updated.errors !== undefined) throw new Error(JSON.stringify(updated.errors));
    return tenant;
  }

  /** POST /graphql, answering the body as sent, for checks no parsing may hide. */
  async function rawGql(token: string, query: string, variables?: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return response.text();
  }

  async function leadWithEmail(tenant: TestTenant, email = 'ann@initech.com'): Promise<string> {
    return (await identify(gateway, tenant.secretKey, { anonymousId: `visitor-${randomBytes(3).toString('hex')}`, email })).id;
  }

  /** A visitor seen only by its anonymous id, with no address: nothing to look up. */
  async function anonymousLead(tenant: TestTenant): Promise<string> {
    const anonymousId = `anon-${randomBytes(3).toString('hex')}`;
    await trackEvents(gateway, tenant.secretKey, [{ anonymousId, event: 'Viewed Pricing' }]);
    const rows = await tenantRows<{ leadId: string }>(gateway, tenant.id, 'select lead_id as "leadId" from {t}.identities where anonymous_id = $1', [
      anonymousId,
    ]);
    if (rows[0] === undefined) throw new Error('the tracked visitor has no lead');
    return rows[0].leadId;
  }

  async function jobCount(tenant: TestTenant): Promise<number> {
    return (await tenantRows<{ n: number }>(gateway, tenant.id, 'select count(*)::int as n from {t}.enrichment_jobs'))[0]?.n ?? -1;
  }

  async function settingsOf(tenant: TestTenant): Promise<SettingsView> {
    const response = await gateway.gql<{ enrichmentSettings: SettingsView }>(tenant.secretKey, SETTINGS);
    if (response.data?.enrichmentSettings === undefined) throw new Error(`enrichmentSettings failed: ${JSON.stringify(response.errors)}`);
    return response.data.enrichmentSettings;
  }

  async function sealedKeyOf(tenant: TestTenant, id: string): Promise<string | undefined> {
    const rows = await tenantRows<{ sealedKey: string }>(gateway, tenant.id, 'select sealed_key as "sealedKey" from {t}.enrichment_vendors where id = $1', [id]);
    return rows[0]?.sealedKey;
  }

  describe('jobs', () => {
    it('queues one job per lead with no credits charged, and a second request joins it', async () => {
      const tenant = await manualTenant(gateway, { credits: 100 });
      const leadId = await leadWithEmail(tenant);
      const first = await gateway.gql<{ enrichLead: JobView }>(tenant.secretKey, ENRICH_LEAD, { id: leadId });
      expect(first.errors).toBeUndefined();
      expect(first.data?.enrichLead).toMatchObject({ leadId, status: 'QUEUED', creditsCharged: 0, error: null, trigger: 'request' });
      const job = first.data?.enrichLead;

      const again = await gateway.gql<{ enrichLead: JobView }>(tenant.secretKey, ENRICH_LEAD, { id: leadId });
      expect(again.data?.enrichLead.id).toBe(job?.id);
      expect((await gateway.gql<{ enrichmentJob: JobView }>(tenant.secretKey, JOB, { id: job?.id })).data?.enrichmentJob).toEqual(job);
      expect(await jobCount(tenant)).toBe(1);
    });

    it("answers another tenant's job as null and its lead as NOT_FOUND", async () => {
      const a = await manualTenant(gateway);
      const b = await manualTenant(gateway);
      const leadId = await leadWithEmail(a);
      const job = (await gateway.gql<{ enrichLead: JobView }>(a.secretKey, ENRICH_LEAD, { id: leadId })).data?.enrichLead;
      expect(job?.status).toBe('QUEUED');

      const read = await gateway.gql<{ enrichmentJob: unknown }>(b.secretKey, JOB, { id: job?.id });
      expect(read.errors).toBeUndefined();
      expect(read.data?.enrichmentJob).toBeNull();
      expect(codeOf(await gateway.gql(b.secretKey, ENRICH_LEAD, { id: leadId }))).toBe('NOT_FOUND');
      expect(codeOf(await gateway.gql(b.secretKey, ENRICH_LEADS, { ids: [leadId] }))).toBe('NOT_FOUND');
      expect(codeOf(await gateway.gql(b.secretKey, RETRY, { id: job?.id }))).toBe('NOT_FOUND');
      expect(await jobCount(b)).toBe(0);
      expect(await jobCount(a)).toBe(1);
    });

    it('refuses a lead with nothing to look up, creating no job and charging nothing; an unknown lead is NOT_FOUND', async () => {
      const tenant = await manualTenant(gateway, { credits: 100 });
      const leadId = await anonymousLead(tenant);
      const refused = await gateway.gql(tenant.secretKey, ENRICH_LEAD, { id: leadId });
      expect(codeOf(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.extensions?.['argumentPath']).toEqual(['id']);
      expect(codeOf(await gateway.gql(tenant.secretKey, ENRICH_LEAD, { id: 'ld_does_not_exist' }))).toBe('NOT_FOUND');
      expect(await jobCount(tenant)).toBe(0);
      expect((await gateway.gql<{ tenant: { credits: { balance: number } } }>(tenant.secretKey, BALANCE)).data?.tenant.credits.balance).toBe(100);
    });

    it('enriches many leads at once, one job per lead in the order given, joining jobs already running', async () => {
      const tenant = await manualTenant(gateway);
      const a = await leadWithEmail(tenant, 'ann@initech.com');
      const b = await leadWithEmail(tenant, 'bob@globex.com');
      const running = (await gateway.gql<{ enrichLead: JobView }>(tenant.secretKey, ENRICH_LEAD, { id: b })).data?.enrichLead;
      const response = await gateway.gql<{ enrichLeads: JobView[] }>(tenant.secretKey, ENRICH_LEADS, { ids: [a, b, a] });
      expect(response.errors).toBeUndefined();
      const jobs = response.data?.enrichLeads ?? [];
      expect(jobs.map((job) => job.leadId)).toEqual([a, b, a]);
      expect(jobs.every((job) => job.status === 'QUEUED')).toBe(true);
      expect(jobs[1]?.id).toBe(running?.id);
      expect(jobs[2]?.id).toBe(jobs[0]?.id);
      expect(jobs[0]?.trigger).toBe('batch');
      expect(await jobCount(tenant)).toBe(2);
      expect((await gateway.gql<{ enrichLeads: JobView[] }>(tenant.secretKey, ENRICH_LEADS, { ids: [] })).data?.enrichLeads).toEqual([]);
    });

    it('refuses the whole batch for one bad id, naming its place, and creates no job', async () => {
      const tenant = await manualTenant(gateway);
      const good = [await leadWithEmail(tenant, 'ann@initech.com'), await leadWithEmail(tenant, 'bob@globex.com')];
      const anonymous = await anonymousLead(tenant);

      const nothingToLookUp = await gateway.gql(tenant.secretKey, ENRICH_LEADS, { ids: [good[0], anonymous, good[1]] });
      expect(codeOf(nothingToLookUp)).toBe('BAD_USER_INPUT');
      expect(nothingToLookUp.errors?.[0]?.extensions?.['argumentPath']).toEqual(['ids', 1]);
      expect(nothingToLookUp.errors?.[0]?.message).toContain('ids.1');

      const unknown = await gateway.gql(tenant.secretKey, ENRICH_LEADS, { ids: [...good, 'ld_does_not_exist'] });
      expect(codeOf(unknown)).toBe('NOT_FOUND');
      expect(unknown.errors?.[0]?.message).toContain('ids.2');

      const tooMany = await gateway.gql(tenant.secretKey, ENRICH_LEADS, { ids: Array.from({ length: 1001 }, () => good[0]) });
      expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
      expect(tooMany.errors?.[0]?.extensions?.['argumentPath']).toEqual(['ids']);
      expect(await jobCount(tenant)).toBe(0);
    });

    it('retries a failed job only, as a new job, and lists failed jobs', async () => {
      const tenant = await manualTenant(gateway);
      const leadId = await leadWithEmail(tenant);
      const job = (await gateway.gql<{ enrichLead: JobView }>(tenant.secretKey, ENRICH_LEAD, { id: leadId })).data?.enrichLead;
      const queued = await gateway.gql(tenant.secretKey, RETRY, { id: job?.id });
      expect(codeOf(queued)).toBe('BAD_USER_INPUT');
      expect(queued.errors?.[0]?.extensions?.['argumentPath']).toEqual(['id']);
      expect(codeOf(await gateway.gql(tenant.secretKey, RETRY, { id: 'ej_does_not_exist' }))).toBe('NOT_FOUND');
      expect((await gateway.gql<{ failedEnrichmentJobs: JobView[] }>(tenant.secretKey, FAILED_JOBS)).data?.failedEnrichmentJobs).toEqual([]);

      // As the workflow leaves a job whose every provider failed.
      await tenantRows(gateway, tenant.id, `update {t}.enrichment_jobs set status = 'FAILED', error = 'every provider failed', finished_at = now() where id = $1`, [
        job?.id ?? '',
      ]);
      const failed = (await gateway.gql<{ failedEnrichmentJobs: JobView[] }>(tenant.secretKey, FAILED_JOBS)).data?.failedEnrichmentJobs;
      expect(failed?.map((f) => [f.id, f.status, f.error])).toEqual([[job?.id, 'FAILED', 'every provider failed']]);
      const other = await manualTenant(gateway);
      expect((await gateway.gql<{ failedEnrichmentJobs: JobView[] }>(other.secretKey, FAILED_JOBS)).data?.failedEnrichmentJobs).toEqual([]);
      const retried = await gateway.gql<{ retryEnrichmentJob: JobView }>(tenant.secretKey, RETRY, { id: job?.id });
      expect(retried.data?.retryEnrichmentJob).toMatchObject({ leadId, status: 'QUEUED', trigger: 'retry' });
      expect(retried.data?.retryEnrichmentJob.id).not.toBe(job?.id);
    });
  });

  describe('settings', () => {
    it('starts from the default waterfall of built-in providers', async () => {
      const settings = await settingsOf(await createTenant(gateway));
      expect(settings).toMatchObject({ waterfall: DEFAULT_WATERFALL, prices: {}, dailyCreditLimit: null, autoEnrich: true });
      // Every built-in provider is listed, all of them in the default order (tenant migration 0010 added dns-records, 0013 ip-network).
      expect(settings.providers.map((p) => [p.id, p.builtIn, p.inWaterfall])).toEqual(DEFAULT_WATERFALL.map((id) => [id, true, true]));
    });

    it('changes the fields given and keeps the others; an explicit null clears the daily limit', async () => {
      const tenant = await manualTenant(gateway);
      const other = await manualTenant(gateway);
      const updated = await gateway.gql<{ updateEnrichmentSettings: SettingsView }>(tenant.secretKey, UPDATE_SETTINGS, {
        input: { confidenceThreshold: 0.75, stalenessDays: 30, dailyCreditLimit: 500, prices: { 'ip-organization': 2 } },
      });
      expect(updated.errors).toBeUndefined();
      const expected = { confidenceThreshold: 0.75, stalenessDays: 30, dailyCreditLimit: 500, prices: { 'ip-organization': 2 }, waterfall: DEFAULT_WATERFALL };
      expect(updated.data?.updateEnrichmentSettings).toMatchObject(expected);
      expect(await settingsOf(tenant)).toMatchObject(expected);
      expect((await settingsOf(tenant)).providers.find((p) => p.id === 'ip-organization')?.priceCredits).toBe(2);

      await gateway.gql(tenant.secretKey, UPDATE_SETTINGS, { input: { autoEnrich: false, waterfall: ['email-verification'] } });
      expect(await settingsOf(tenant)).toMatchObject({ ...expected, autoEnrich: false, waterfall: ['email-verification'] });
      await gateway.gql(tenant.secretKey, UPDATE_SETTINGS, { input: { dailyCreditLimit: null } });
      expect(await settingsOf(tenant)).toMatchObject({ dailyCreditLimit: null, stalenessDays: 30 });
      expect(await settingsOf(other)).toMatchObject({ confidenceThreshold: 0.6, dailyCreditLimit: null, waterfall: DEFAULT_WATERFALL });
    });

    it("changes the automatic enrichment policy of the caller's tenant only; an explicit null clears its cap", async () => {
      const tenant = await manualTenant(gateway);
      const other = await manualTenant(gateway);
      const POLICY = 'automatic { businessOnly dailyCreditCap perVisitorDaily creditsToday admittedToday skippedToday }';
      const update = (input: Record<string, unknown>) =>
        gateway.gql<{ updateEnrichmentSettings: { automatic: Record<string, unknown> } }>(
          tenant.secretKey,
          `mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { ${POLICY} } }`,
          { input },
        );
      const defaults = { businessOnly: true, dailyCreditCap: 100, perVisitorDaily: 3, creditsToday: 0, admittedToday: 0, skippedToday: 0 };
      expect((await update({ automatic: { dailyCreditCap: 250, perVisitorDaily: 5 } })).data?.updateEnrichmentSettings.automatic).toEqual({
        ...defaults,
        dailyCreditCap: 250,
        perVisitorDaily: 5,
      });
      expect((await update({ automatic: { businessOnly: false } })).data?.updateEnrichmentSettings.automatic).toMatchObject({ businessOnly: false, dailyCreditCap: 250 });
      expect((await update({ automatic: { dailyCreditCap: null } })).data?.updateEnrichmentSettings.automatic).toMatchObject({ dailyCreditCap: null, perVisitorDaily: 5 });
      const read = await gateway.gql<{ enrichmentSettings: { automatic: Record<string, unknown> } }>(other.secretKey, `{ enrichmentSettings { ${POLICY} } }`);
      expect(read.data?.enrichmentSettings.automatic).toEqual(defaults);
      // A publishable key may not change it.
      const refused = await gateway.gql(tenant.publishableKey, UPDATE_SETTINGS, { input: { automatic: { dailyCreditCap: null } } });
      expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    });

    it.each([
      ['an unknown provider in the waterfall', { waterfall: ['tenant-dataset', 'clearbit'] }, ['input', 'waterfall', 1]],
      ['a provider twice', { waterfall: ['tenant-dataset', 'tenant-dataset'] }, ['input', 'waterfall', 1]],
      ["a price for a vendor, which its configuration sets", { prices: { 'vendor:clearbit-like': 1 } }, ['input', 'prices', 'vendor:clearbit-like']],
      ['a threshold above 1', { confidenceThreshold: 1.5 }, ['input', 'confidenceThreshold']],
      ["a built-in provider's price below the operator's", { prices: { 'company-homepage': 1 } }, ['input', 'prices', 'company-homepage']],
      ['a negative automatic cap', { automatic: { dailyCreditCap: -1 } }, ['input', 'automatic', 'dailyCreditCap']],
    ])('refuses %s, naming it, and changes nothing', async (_, input, argumentPath) => {
      const tenant = await manualTenant(gateway);
      const response = await gateway.gql(tenant.secretKey, UPDATE_SETTINGS, { input: { stalenessDays: 7, ...input } });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(argumentPath);
      expect(await settingsOf(tenant)).toMatchObject({ stalenessDays: 90, waterfall: DEFAULT_WATERFALL, prices: {} });
    });
  });

  describe('vendors', () => {
    it('seals the API key and never returns it; the vendor joins the providers and the waterfall', async () => {
      const tenant = await manualTenant(gateway);
      const configured = await rawGql(tenant.secretKey, CONFIGURE_VENDOR, { input: { config: clearbitLike(), apiKey: API_KEY } });
      expect(configured).not.toContain('SECRET123');
      const vendor = (JSON.parse(configured) as { data: { configureEnrichmentVendor: Record<string, unknown> } }).data.configureEnrichmentVendor;
      expect(vendor).toMatchObject({ id: 'clearbit-like', providerId: 'vendor:clearbit-like', keyConfigured: true });
      expect(vendor['config']).toMatchObject({ endpoint: 'http://127.0.0.1:9/v2/companies/find', priceCredits: 3 });

      for (const read of [VENDORS, SETTINGS]) expect(await rawGql(tenant.secretKey, read)).not.toContain('SECRET123');
      const sealed = await sealedKeyOf(tenant, 'clearbit-like');
      expect(sealed).toBeDefined();
      expect(sealed).not.toContain('SECRET123');
      expect(gateway.services.secrets.open(sealed ?? '', vendorSecretAad(tenant.id, 'clearbit-like'))).toBe(API_KEY);
      const stored = await tenantRows<{ row: string }>(gateway, tenant.id, 'select v::text as row from {t}.enrichment_vendors v');
      expect(stored[0]?.row).not.toContain('SECRET123');

      const providers = (await settingsOf(tenant)).providers;
      expect(providers.find((p) => p.id === 'vendor:clearbit-like')).toMatchObject({ name: 'Clearbit-like', builtIn: false, priceCredits: 3, inWaterfall: false });
      const waterfall = [...DEFAULT_WATERFALL, 'vendor:clearbit-like'];
      const updated = await gateway.gql<{ updateEnrichmentSettings: SettingsView }>(tenant.secretKey, UPDATE_SETTINGS, { input: { waterfall } });
      expect(updated.data?.updateEnrichmentSettings.waterfall).toEqual(waterfall);
      expect(updated.data?.updateEnrichmentSettings.providers.find((p) => p.id === 'vendor:clearbit-like')?.inWaterfall).toBe(true);
    });

    it('needs a key for a new vendor, and keeps the key when only the configuration changes', async () => {
      const tenant = await manualTenant(gateway);
      const keyless = await gateway.gql(tenant.secretKey, CONFIGURE_VENDOR, { input: { config: clearbitLike() } });
      expect(codeOf(keyless)).toBe('BAD_USER_INPUT');
      expect(keyless.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'apiKey']);
      expect((await gateway.gql<{ enrichmentVendors: unknown[] }>(tenant.secretKey, VENDORS)).data?.enrichmentVendors).toEqual([]);

      await gateway.gql(tenant.secretKey, CONFIGURE_VENDOR, { input: { config: clearbitLike(), apiKey: API_KEY } });
      const sealed = await sealedKeyOf(tenant, 'clearbit-like');
      const renamed = await gateway.gql<{ configureEnrichmentVendor: { config: { name: string }; keyConfigured: boolean } }>(
        tenant.secretKey,
        CONFIGURE_VENDOR,
        { input: { config: clearbitLike({ name: 'Clearbit, renamed', priceCredits: 5 }) } },
      );
      expect(renamed.errors).toBeUndefined();
      expect(renamed.data?.configureEnrichmentVendor).toMatchObject({ config: { name: 'Clearbit, renamed' }, keyConfigured: true });
      expect(await sealedKeyOf(tenant, 'clearbit-like')).toBe(sealed);
      expect((await settingsOf(tenant)).providers.find((p) => p.id === 'vendor:clearbit-like')?.priceCredits).toBe(5);
    });

    it.each([
      ['an empty mapping', { mapping: [] }, ['input', 'config', 'mapping']],
      ['a key of its own in the URL', { endpoint: 'http://user:pass@127.0.0.1:9/find' }, ['input', 'config', 'endpoint']],
      ['an unknown placeholder', { request: { query: { domain: '{{company}}' } } }, ['input', 'config', 'request', 'query', 'domain']],
    ])('refuses a configuration with %s, naming the node', async (_, overrides, argumentPath) => {
      const tenant = await manualTenant(gateway);
      const response = await gateway.gql(tenant.secretKey, CONFIGURE_VENDOR, { input: { config: clearbitLike(overrides), apiKey: API_KEY } });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(argumentPath);
      expect(response.errors?.[0]?.message).toContain(argumentPath.join('.'));
      expect(await sealedKeyOf(tenant, 'clearbit-like')).toBeUndefined();
    });

    it('removes a vendor from the tenant and from its waterfall; another tenant cannot see or remove it', async () => {
      const tenant = await manualTenant(gateway);
      const other = await manualTenant(gateway);
      await gateway.gql(tenant.secretKey, CONFIGURE_VENDOR, { input: { config: clearbitLike(), apiKey: API_KEY } });
      await gateway.gql(tenant.secretKey, UPDATE_SETTINGS, { input: { waterfall: ['vendor:clearbit-like', 'tenant-dataset'] } });

      expect((await gateway.gql<{ enrichmentVendors: unknown[] }>(other.secretKey, VENDORS)).data?.enrichmentVendors).toEqual([]);
      expect(codeOf(await gateway.gql(other.secretKey, REMOVE_VENDOR, { id: 'clearbit-like' }))).toBe('NOT_FOUND');
      expect(codeOf(await gateway.gql(other.secretKey, UPDATE_SETTINGS, { input: { waterfall: ['vendor:clearbit-like'] } }))).toBe('BAD_USER_INPUT');

      expect((await gateway.gql<{ removeEnrichmentVendor: boolean }>(tenant.secretKey, REMOVE_VENDOR, { id: 'clearbit-like' })).data?.removeEnrichmentVendor).toBe(true);
      const settings = await settingsOf(tenant);
      expect(settings.waterfall).toEqual(['tenant-dataset']);
      expect(settings.providers.map((p) => p.id)).not.toContain('vendor:clearbit-like');
      expect(await sealedKeyOf(tenant, 'clearbit-like')).toBeUndefined();
      expect(codeOf(await gateway.gql(tenant.secretKey, REMOVE_VENDOR, { id: 'clearbit-like' }))).toBe('NOT_FOUND');
    });
  });

  describe('Lead.enrichment', () => {
    it('is empty for a fresh lead, which needs no manual enrichment', async () => {
      const tenant = await manualTenant(gateway);
      const leadId = await leadWithEmail(tenant);
      const response = await gateway.gql<{ lead: unknown }>(tenant.secretKey, LEAD_ENRICHMENT, { id: leadId });
      expect(response.data?.lead).toEqual({ lastEnrichedAt: null, needsManualEnrichment: false, enrichment: [] });
    });

    it('shows each stored field with its provenance, staleness and the values it beat', async () => {
      const tenant = await manualTenant(gateway);
      const leadId = await leadWithEmail(tenant);
      const fetchedAt = new Date('2025-01-02T03:04:05.000Z');
      const future = new Date(Date.now() + 86_400_000);
      await writeLeadFields(gateway.services.tenantDbs.ofResolved({ tenantId: tenant.id, schema: `t_${tenant.id}` }), leadId, [
        {
          field: 'company.name',
          value: 'Initech',
          confidence: 0.9,
          source: 'company-homepage',
          verified: true,
          supplied: false,
          fetchedAt,
          expiresAt: future,
          belowThreshold: false,
          conflicts: [{ value: 'Initrode', confidence: 0.4, source: 'ip-organization', fetchedAt }],
        },
        {
          field: 'company.employees',
          value: 250,
          confidence: 0.3,
          source: 'tenant-dataset',
          verified: false,
          supplied: true,
          fetchedAt,
          expiresAt: fetchedAt,
          belowThreshold: true,
          conflicts: [],
        },
      ]);
      const response = await gateway.gql<{ lead: { enrichment: unknown[] } }>(tenant.secretKey, LEAD_ENRICHMENT, { id: leadId });
      expect(response.errors).toBeUndefined();
      expect(response.data?.lead.enrichment).toEqual([
        {
          field: 'company.employees',
          value: 250,
          confidence: 0.3,
          source: 'tenant-dataset',
          fetchedAt: fetchedAt.toISOString(),
          verified: false,
          supplied: true,
          unverified: true,
          expiresAt: fetchedAt.toISOString(),
          stale: true,
          conflicts: [],
        },
        {
          field: 'company.name',
          value: 'Initech',
          confidence: 0.9,
          source: 'company-homepage',
          fetchedAt: fetchedAt.toISOString(),
          verified: true,
          supplied: false,
          unverified: false,
          expiresAt: future.toISOString(),
          stale: false,
          conflicts: [{ value: 'Initrode', confidence: 0.4, source: 'ip-organization', fetchedAt: fetchedAt.toISOString() }],
        },
      ]);
    });
  });

  describe('access', () => {
    it('needs enrich to enrich, leads:read to read jobs, tenant:read and tenant:write for settings and vendors', async () => {
      const tenant = await manualTenant(gateway);
      const leadId = await leadWithEmail(tenant);
      const reader = (await createApiKey(gateway, tenant.secretKey, { name: 'reader', scopes: ['leads:read', 'tenant:read'] })).key;
      const enricher = (await createApiKey(gateway, tenant.secretKey, { name: 'enricher', scopes: ['enrich'] })).key;

      expect(codeOf(await gateway.gql(reader, ENRICH_LEAD, { id: leadId }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(reader, ENRICH_LEADS, { ids: [leadId] }))).toBe('FORBIDDEN');
      expect(await jobCount(tenant)).toBe(0);
      const job = (await gateway.gql<{ enrichLead: JobView }>(enricher, ENRICH_LEAD, { id: leadId })).data?.enrichLead;
      expect(job?.status).toBe('QUEUED');
      expect((await gateway.gql<{ enrichmentJob: JobView }>(reader, JOB, { id: job?.id })).data?.enrichmentJob.id).toBe(job?.id);
      expect(codeOf(await gateway.gql(enricher, JOB, { id: job?.id }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(enricher, SETTINGS))).toBe('FORBIDDEN');

      expect((await gateway.gql<{ enrichmentSettings: SettingsView }>(reader, SETTINGS)).data?.enrichmentSettings.waterfall).toEqual(DEFAULT_WATERFALL);
      expect(codeOf(await gateway.gql(reader, UPDATE_SETTINGS, { input: { stalenessDays: 7 } }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(reader, CONFIGURE_VENDOR, { input: { config: clearbitLike(), apiKey: API_KEY } }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(reader, REMOVE_VENDOR, { id: 'clearbit-like' }))).toBe('FORBIDDEN');
    });

    it('refuses publishable keys and the platform token', async () => {
      const tenant = await manualTenant(gateway);
      const leadId = await leadWithEmail(tenant);
      for (const operation of [[ENRICH_LEAD, { id: leadId }], [SETTINGS, {}], [VENDORS, {}]] as const) {
        expect(codeOf(await gateway.gql(tenant.publishableKey, operation[0], operation[1]))).toBe('UNAUTHENTICATED');
        expect(codeOf(await gateway.gql(gateway.adminToken, operation[0], operation[1]))).toBe('FORBIDDEN');
      }
      expect(await jobCount(tenant)).toBe(0);
    });
  });
});
