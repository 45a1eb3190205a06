import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DNS_TYPE, type DnsServer } from '../support/dns-server.js';
import { codeOf, createTenant, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { answerCacheKey } from '../../modules/enrichment/answer-cache.js';
import { companyBody, vendorConfig, type VendorServer } from '../support/vendor-server.js';
import { withEnrichmentStack } from '../support/enrichment-stack.js';

const VENDOR = 'vendor:clearbit-like';

interface Job {
  id: string;
  leadId: string;
  status: string;
  creditsCharged: number;
  error: string | null;
  pausedReason: string | null;
}

interface Field {
  field: string;
  value: unknown;
  confidence: number;
  source: string;
  supplied: boolean;
  conflicts: Array<{ value: unknown; source: string }>;
}

const JOB = 'id leadId status creditsCharged error pausedReason';

describe('enrichLeadWorkflow on the real Temporal server, with a Clearbit-like vendor and a DNS server', () => {
  let gateway: TestGateway;
  let vendor: VendorServer;
  let dns: DnsServer;

  withEnrichmentStack({ name: 'enrich-test', dns: { 'mail.example': { mx: [{ exchange: 'mx1.mail.example', priority: 10 }] } }, vendor: {} }, (s) => {
    gateway = s.gateway;
    dns = s.dns!;
    vendor = s.vendor!;
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  /** A tenant whose waterfall is the given providers, with the vendor configured. */
  async function tenantWith(waterfall: string[], opts: { credits?: number; vendor?: Record<string, unknown>; settings?: Record<string, unknown> } = {}) {
    const tenant = await createTenant(gateway, { credits: opts.credits ?? 1000 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor, opts.vendor), apiKey: vendor.key },
    });
    await gql(tenant, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }', {
      input: { waterfall, ...opts.settings },
    });
    return tenant;
  }

  const domain = (label: string) => `${label}-${randomBytes(4).toString('hex')}.test`;

  async function leadWithEmail(tenant: TestTenant, email: string): Promise<string> {
    const data = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomBytes(6).toString('hex')}`, email },
    });
    return data.identify.id;
  }

  const emailDomainOf = async (tenant: TestTenant, leadId: string) =>
    (await gateway.services.db.query<{ email: string }>(`select email from t_${tenant.id}.leads where id = $1`, [leadId]))[0]!.email.split('@')[1]!;

  const enrich = async (tenant: TestTenant, leadId: string) =>
    (await gql<{ enrichLead: Job }>(tenant, `mutation ($id: ID!) { enrichLead(id: $id) { ${JOB} } }`, { id: leadId })).enrichLead;

  async function finished(tenant: TestTenant, jobId: string, timeoutMs = 60_000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = (await gql<{ enrichmentJob: Job }>(tenant, `query ($id: ID!) { enrichmentJob(id: $id) { ${JOB} } }`, { id: jobId })).enrichmentJob;
      if (job.status === 'COMPLETED' || job.status === 'FAILED') return job;
      if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const fieldsOf = async (tenant: TestTenant, leadId: string) => {
    const data = await gql<{ lead: { enrichment: Field[]; lastEnrichedAt: string | null; needsManualEnrichment: boolean; company: { domain: string; name: string; employees: number } | null } }>(
      tenant,
      `query ($id: ID!) { lead(id: $id) { enrichment { field value confidence source supplied conflicts } lastEnrichedAt needsManualEnrichment company { domain name employees } } }`,
      { id: leadId },
    );
    return data.lead;
  };

  const usage = async (tenant: TestTenant) =>
    (await gql<{ usage: Array<{ operation: string; count: number; credits: number; cached: number; refused: number }> }>(tenant, '{ usage { operation count credits cached refused } }')).usage;
  const balance = async (tenant: TestTenant) => (await gql<{ tenant: { credits: { balance: number } } }>(tenant, '{ tenant { credits { balance } } }')).tenant.credits.balance;
  const ledgerRows = async (tenant: TestTenant) =>
    gateway.services.db.query<{ kind: string; amount: number; operation: string; idempotency_key: string }>(
      `select kind, amount, operation, idempotency_key from control.credit_ledger where tenant_id = $1 and operation like 'enrichment:%' order by id`,
      [tenant.id],
    );

  it('verifies the email, asks the vendor about the company, keeps provenance, links the company and charges each provider once', async () => {
    const tenant = await tenantWith(['email-verification', VENDOR]);
    const company = domain('acme');
    const leadId = await leadWithEmail(tenant, `ann@${company}`);
    const job = await enrich(tenant, leadId);
    expect(job.status).toBe('QUEUED');
    const done = await finished(tenant, job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 + 1, error: null });

    const lead = await fieldsOf(tenant, leadId);
    const byField = new Map(lead.enrichment.map((f) => [f.field, f]));
    expect(byField.get('company.name')).toMatchObject({ value: `Company of ${company}`, confidence: 0.9, source: VENDOR, supplied: false });
    expect(byField.get('company.employees')).toMatchObject({ value: 250, source: VENDOR });
    // acme-….test has no MX in the DNS server: verification answered, and it is a fact.
    expect(byField.get('email.syntaxValid')).toMatchObject({ value: true, source: 'email-verification' });
    expect(byField.get('email.mxFound')).toMatchObject({ value: false, source: 'email-verification' });
    expect(lead.lastEnrichedAt).not.toBeNull();
    expect(lead.needsManualEnrichment).toBe(false);
    expect(lead.company).toMatchObject({ domain: company, name: `Company of ${company}`, employees: 250 });

    expect(vendor.requests(company)).toBe(1);
    expect(await balance(tenant)).toBe(1000 - 4);
    expect(await usage(tenant)).toEqual([
      { operation: 'enrichment:email-verification', count: 1, credits: 1, cached: 0, refused: 0 },
      { operation: `enrichment:${VENDOR}`, count: 1, credits: 3, cached: 0, refused: 0 },
    ]);
  });

  it('asks nothing again while the fields are fresh, and serves another lead of the same company from the cache for free', async () => {
    const tenant = await tenantWith([VENDOR]);
    const company = domain('cached');
    const first = await leadWithEmail(tenant, `a@${company}`);
    expect(await finished(tenant, (await enrich(tenant, first)).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 });
    // The same lead again: everything the vendor supplies is held and fresh, so it is not called.
    expect(await finished(tenant, (await enrich(tenant, first)).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 0 });
    const second = await leadWithEmail(tenant, `b@${company}`);
    expect(await finished(tenant, (await enrich(tenant, second)).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 0 });
    expect((await fieldsOf(tenant, second)).enrichment.find((f) => f.field === 'company.name')?.value).toBe(`Company of ${company}`);
    expect(vendor.requests(company)).toBe(1);
    expect(await usage(tenant)).toEqual([{ operation: `enrichment:${VENDOR}`, count: 1, credits: 3, cached: 1, refused: 0 }]);
  });

  it('honours 429 Retry-After and retries a 500, charging once; a vendor that keeps failing is skipped, refunded, and the job can be retried', async () => {
    const tenant = await tenantWith([VENDOR]);
    const busy = domain('busy');
    vendor.script(busy, [
      { status: 429, body: { error: { type: 'rate_limit' } }, headers: { 'retry-after': '1' } },
      { status: 500, body: { error: { type: 'server_error' } } },
    ]);
    const started = Date.now();
    const done = await finished(tenant, (await enrich(tenant, await leadWithEmail(tenant, `x@${busy}`))).id);
    expect(done).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 });
    expect(vendor.requests(busy)).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);

    const broken = domain('broken');
    vendor.script(broken, Array.from({ length: 4 }, () => ({ status: 500, body: { error: { type: 'server_error' } } })));
    const brokenLead = await leadWithEmail(tenant, `y@${broken}`);
    const failed = await finished(tenant, (await enrich(tenant, brokenLead)).id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toContain('PROVIDERS_FAILED');
    expect(failed.creditsCharged).toBe(0);
    expect(vendor.requests(broken)).toBe(4);
    const listed = await gql<{ failedEnrichmentJobs: Job[] }>(tenant, `{ failedEnrichmentJobs { ${JOB} } }`);
    expect(listed.failedEnrichmentJobs.map((j) => j.id)).toContain(failed.id);
    expect(await balance(tenant)).toBe(1000 - 3);

    // The vendor is back (its script is used up): the retry completes and charges.
    const retried = await gql<{ retryEnrichmentJob: Job }>(tenant, `mutation ($id: ID!) { retryEnrichmentJob(id: $id) { ${JOB} } }`, { id: failed.id });
    expect(retried.retryEnrichmentJob.id).not.toBe(failed.id);
    expect(await finished(tenant, retried.retryEnrichmentJob.id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 });
    const rows = await ledgerRows(tenant);
    expect(rows.filter((r) => r.kind === 'charge').length - rows.filter((r) => r.kind === 'refund').length).toBe(2);
  }, 120_000);

  it('keeps a body that does not parse for inspection, as a failure that charges nothing; follows a 202 to its job', async () => {
    const tenant = await tenantWith([VENDOR]);
    const garbled = domain('garbled');
    vendor.script(garbled, [{ status: 200, body: '{"name": "Garbled", "metrics": {' }]);
    const failed = await finished(tenant, (await enrich(tenant, await leadWithEmail(tenant, `g@${garbled}`))).id);
    expect(failed).toMatchObject({ status: 'FAILED', creditsCharged: 0 });
    const calls = await gateway.services.db.query<{ outcome: string; raw: string | null }>(
      `select outcome, raw from t_${tenant.id}.enrichment_calls where job_id = $1`,
      [failed.id],
    );
    expect(calls).toEqual([{ outcome: 'failure', raw: '{"name": "Garbled", "metrics": {' }]);
    expect(vendor.requests(garbled)).toBe(1);

    const queued = domain('queued');
    vendor.queued(queued, 2);
    const leadId = await leadWithEmail(tenant, `q@${queued}`);
    expect(await finished(tenant, (await enrich(tenant, leadId)).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 });
    expect((await fieldsOf(tenant, leadId)).enrichment.find((f) => f.field === 'company.name')?.value).toBe(`Company of ${queued}`);
    expect(await balance(tenant)).toBe(1000 - 3);
  });

  it('marks a lead nobody knows for manual enrichment and refunds the reservation', async () => {
    const tenant = await tenantWith([VENDOR]);
    const leadId = await leadWithEmail(tenant, `nobody@${domain('unknown')}`);
    expect(await finished(tenant, (await enrich(tenant, leadId)).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 0 });
    const lead = await fieldsOf(tenant, leadId);
    expect(lead.needsManualEnrichment).toBe(true);
    expect(lead.enrichment).toEqual([]);
    expect(await balance(tenant)).toBe(1000);
    expect(await usage(tenant)).toEqual([{ operation: `enrichment:${VENDOR}`, count: 0, credits: 0, cached: 0, refused: 0 }]);
  });

  it('fails with CREDITS_EXHAUSTED on the job and in usage when the balance runs out, charging nothing', async () => {
    const tenant = await tenantWith([VENDOR], { credits: 2 });
    const job = await finished(tenant, (await enrich(tenant, await leadWithEmail(tenant, `p@${domain('poor')}`))).id);
    expect(job.status).toBe('FAILED');
    expect(job.error).toContain('CREDITS_EXHAUSTED');
    expect(await balance(tenant)).toBe(2);
    expect(await usage(tenant)).toEqual([{ operation: `enrichment:${VENDOR}`, count: 0, credits: 0, cached: 0, refused: 1 }]);
  });

  it('pauses at the daily credit limit with a visible reason', async () => {
    const tenant = await tenantWith([VENDOR], { settings: { dailyCreditLimit: 3 } });
    expect(await finished(tenant, (await enrich(tenant, await leadWithEmail(tenant, `a@${domain('day')}`))).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 });
    const second = await enrich(tenant, await leadWithEmail(tenant, `b@${domain('day')}`));
    let job: Job | undefined;
    for (let i = 0; i < 100 && job?.pausedReason == null; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await gql<{ enrichmentJob: Job }>(tenant, `query ($id: ID!) { enrichmentJob(id: $id) { ${JOB} } }`, { id: second.id })).enrichmentJob;
    }
    expect(job).toMatchObject({ status: 'RUNNING', creditsCharged: 0 });
    expect(job?.pausedReason).toContain('daily enrichment limit of 3 credits');
    expect(await balance(tenant)).toBe(1000 - 3);
  });

  it('keeps a value the tenant imported against a less certain vendor value, and records the conflict', async () => {
    const tenant = await tenantWith(['tenant-dataset', VENDOR]);
    const company = domain('imported');
    const imported = await gateway.gql(tenant.secretKey, 'mutation ($c: [CompanyInput!]!) { importCompanies(companies: $c) { created } }', {
      c: [{ domain: company, employees: 500 }],
    });
    expect(imported.errors).toBeUndefined();
    vendor.script(company, [{ status: 200, body: companyBody(company, 600) }]);
    const leadId = await leadWithEmail(tenant, `i@${company}`);
    expect(await finished(tenant, (await enrich(tenant, leadId)).id)).toMatchObject({ status: 'COMPLETED' });
    const employees = (await fieldsOf(tenant, leadId)).enrichment.find((f) => f.field === 'company.employees');
    expect(employees).toMatchObject({ value: 500, source: 'tenant-dataset', supplied: true });
    expect(employees?.conflicts).toEqual([expect.objectContaining({ value: 600, source: VENDOR })]);
  });

  it('calls the vendor once for 100 concurrent enrichments of one company domain, and charges that call once', async () => {
    const tenant = await tenantWith([VENDOR], { credits: 10_000 });
    const company = domain('crowd');
    vendor.script(company, [{ status: 200, body: companyBody(company), delayMs: 300 }]);
    const leads = await Promise.all(Array.from({ length: 100 }, (_, i) => leadWithEmail(tenant, `p${i}@${company}`)));
    const jobs = await Promise.all(leads.map((id) => enrich(tenant, id)));
    const done = await Promise.all(jobs.map((job) => finished(tenant, job.id, 120_000)));
    expect(done.every((job) => job.status === 'COMPLETED')).toBe(true);
    expect(vendor.requests(company)).toBe(1);
    expect(done.reduce((sum, job) => sum + job.creditsCharged, 0)).toBe(3);
    expect(await balance(tenant)).toBe(10_000 - 3);
    const [line] = await usage(tenant);
    expect(line).toEqual({ operation: `enrichment:${VENDOR}`, count: 1, credits: 3, cached: 99, refused: 0 });
  }, 180_000);

  it('refuses a lead with nothing to look up before any workflow or charge', async () => {
    const tenant = await tenantWith([VENDOR]);
    const tracked = await gateway.gql<{ track: { accepted: number } }>(tenant.secretKey, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', {
      e: [{ anonymousId: 'anon-only', event: 'Viewed' }],
    });
    expect(tracked.data?.track.accepted).toBe(1);
    const lead = await gateway.services.db.query<{ id: string }>(`select lead_id as id from t_${tenant.id}.identities where anonymous_id = 'anon-only'`);
    const refused = await gateway.gql(tenant.secretKey, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: lead[0]?.id });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(await ledgerRows(tenant)).toEqual([]);
  });

  it('verifies a mailbox domain through the configured DNS server', async () => {
    const tenant = await tenantWith(['email-verification']);
    const leadId = await leadWithEmail(tenant, 'bob@mail.example');
    expect(await finished(tenant, (await enrich(tenant, leadId)).id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 1 });
    const fields = new Map((await fieldsOf(tenant, leadId)).enrichment.map((f) => [f.field, f.value]));
    expect(fields.get('email.mxFound')).toBe(true);
    expect(fields.get('email.mx')).toBe('mx1.mail.example');
    expect(dns.queries.some((q) => q.name === 'mail.example' && q.type === DNS_TYPE.MX)).toBe(true);
  });

  it('enriches a lead on its own when identify gives it an email, once', async () => {
    const tenant = await tenantWith([VENDOR]);
    const company = domain('auto');
    const leadId = await leadWithEmail(tenant, `auto@${company}`);
    const jobsOf = () =>
      gateway.services.db.query<{ id: string; trigger: string }>(`select id, trigger from t_${tenant.id}.enrichment_jobs where lead_id = $1`, [leadId]);
    let jobs = await jobsOf();
    for (let i = 0; i < 50 && jobs.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      jobs = await jobsOf();
    }
    expect(jobs).toEqual([expect.objectContaining({ trigger: 'identified' })]);
    expect(await finished(tenant, jobs[0]!.id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 3 });
    // The same person identified again: already enriched, nothing new to start.
    const [person] = await gateway.services.db.query<{ userId: string }>(`select user_id as "userId" from t_${tenant.id}.leads where id = $1`, [leadId]);
    await gql(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: person!.userId, email: `auto@${company}`, traits: { plan: 'pro' } },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await jobsOf()).toHaveLength(1);
  });

  it('does not enrich on its own when the tenant turned that off', async () => {
    const tenant = await tenantWith([VENDOR], { settings: { autoEnrich: false } });
    const leadId = await leadWithEmail(tenant, `manual@${domain('manual')}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await gateway.services.db.query(`select 1 from t_${tenant.id}.enrichment_jobs where lead_id = $1`, [leadId])).toEqual([]);
  });

  it('enriches a batch of leads, a chunk at a time', async () => {
    const tenant = await tenantWith([VENDOR], { settings: { autoEnrich: false } });
    const leads = await Promise.all(Array.from({ length: 25 }, (_, i) => leadWithEmail(tenant, `b${i}@${domain(`batch${i}`)}`)));
    for (const leadId of leads) vendor.script(await emailDomainOf(tenant, leadId), [{ status: 200, body: companyBody('x'), delayMs: 100 }]);
    vendor.resetPeak();
    const jobs = (await gql<{ enrichLeads: Job[] }>(tenant, `mutation ($ids: [ID!]!) { enrichLeads(ids: $ids) { ${JOB} } }`, { ids: leads })).enrichLeads;
    expect(jobs.map((j) => j.leadId)).toEqual(leads);
    const done = await Promise.all(jobs.map((job) => finished(tenant, job.id, 120_000)));
    expect(done.every((job) => job.status === 'COMPLETED' && job.creditsCharged === 3)).toBe(true);
    expect(await balance(tenant)).toBe(1000 - 25 * 3);
    // ENRICHMENT_BATCH_CONCURRENCY (10 by default) jobs at a time, never the whole batch at once.
    expect(vendor.peakInFlight()).toBeGreaterThan(1);
    expect(vendor.peakInFlight()).toBeLessThanOrEqual(gateway.config.ENRICHMENT_BATCH_CONCURRENCY);
  }, 180_000);

  it("has a daily re-enrichment schedule per tenant that re-asks the stalest valuable leads within the day's budget", async () => {
    const tenant = await tenantWith([VENDOR], { settings: { autoEnrich: false } });
    const describe = () => gateway.services.temporalClient.schedule.getHandle(`reenrich:${tenant.id}`).describe();
    let schedule = await describe().catch(() => undefined);
    for (let i = 0; i < 50 && schedule === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      schedule = await describe().catch(() => undefined);
    }
    expect(schedule?.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reenrichStaleWorkflow' });

    const leads = await Promise.all([10, 50, 90, 70].map((score, i) => leadWithEmail(tenant, `s${score}@${domain(`stale${i}`)}`)));
    for (const leadId of leads) expect(await finished(tenant, (await enrich(tenant, leadId)).id)).toMatchObject({ status: 'COMPLETED' });
    const [low, mid, high, fresh] = leads as [string, string, string, string];
    const sql = (text: string, values: unknown[]) => gateway.services.db.query(text.replaceAll('{t}', `t_${tenant.id}`), values as never[]);
    for (const [leadId, score] of [[low, 10], [mid, 50], [high, 90], [fresh, 70]] as const) {
      await sql('update {t}.leads set score = $2 where id = $1', [leadId, score]);
    }
    // Three enriched 100 days ago (the default threshold is 90); the fourth is fresh.
    for (const leadId of [low, mid, high]) {
      await sql(`update {t}.leads set last_enriched_at = now() - interval '100 days' where id = $1`, [leadId]);
      await sql(`update {t}.lead_fields set fetched_at = now() - interval '100 days', expires_at = now() - interval '10 days' where lead_id = $1`, [leadId]);
    }
    // 100 days on, the answer caches (24 hours, 60 days) have long forgotten these companies too.
    await sql('delete from {t}.company_answers', []);
    for (const leadId of [low, mid, high]) {
      await gateway.services.coordination.cache.delete(answerCacheKey(gateway.services.hashKeys, { tenantId: tenant.id, providerId: VENDOR, key: `domain=${await emailDomainOf(tenant, leadId)}` }));
    }
    // Room today for two more leads at the vendor's price of 3, after the 12 credits spent above.
    await gql(tenant, 'mutation { updateEnrichmentSettings(input: { dailyCreditLimit: 18 }) { dailyCreditLimit } }');

    const queued = await gateway.services.temporalClient.workflow.execute('reenrichStaleWorkflow', {
      workflowId: `reenrich-test:${tenant.id}`,
      taskQueue: gateway.config.TEMPORAL_TASK_QUEUE,
      args: [{ tenantId: tenant.id, schema: `t_${tenant.id}`, concurrency: 5 }],
    });
    expect(queued).toBe(2);
    const stale = await gateway.services.db.query<{ leadId: string; status: string; creditsCharged: number }>(
      `select lead_id as "leadId", status, credits_charged as "creditsCharged" from t_${tenant.id}.enrichment_jobs where trigger = 'stale' order by lead_id`,
    );
    expect(stale.map((j) => j.leadId).sort()).toEqual([high, mid].sort());
    expect(stale.every((j) => j.status === 'COMPLETED' && j.creditsCharged === 3)).toBe(true);
    expect(await balance(tenant)).toBe(1000 - 18);
  }, 120_000);

  it("names a visitor's company from its network for free, with an address as the only identifier", async () => {
    const tenant = await tenantWith(['ip-organization']);
    const anonymousId = `net-${randomBytes(3).toString('hex')}`;
    // AS714 Apple Inc.: a business network whose domain is curated.
    await gql(tenant, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', {
      e: [{ anonymousId, event: 'Viewed Pricing', context: { ip: '17.5.7.9' } }],
    });
    const [row] = await gateway.services.db.query<{ id: string }>(`select lead_id as id from t_${tenant.id}.identities where anonymous_id = $1`, [anonymousId]);
    const done = await finished(tenant, (await enrich(tenant, row!.id)).id);
    expect(done).toMatchObject({ status: 'COMPLETED', creditsCharged: 0 });
    const lead = await fieldsOf(tenant, row!.id);
    expect(lead.enrichment.find((f) => f.field === 'company.domain')).toMatchObject({ value: 'apple.com', source: 'ip-organization', confidence: 0.6 });
    expect(lead.company?.domain).toBe('apple.com');
    expect(await ledgerRows(tenant)).toEqual([]);
  });

  it("keeps to a vendor's concurrency across jobs", async () => {
    const tenant = await tenantWith([VENDOR], { vendor: { concurrency: 2 }, settings: { autoEnrich: false } });
    const leads = await Promise.all(Array.from({ length: 6 }, (_, i) => leadWithEmail(tenant, `c${i}@${domain(`narrow${i}`)}`)));
    for (const leadId of leads) vendor.script(await emailDomainOf(tenant, leadId), [{ status: 200, body: companyBody('x'), delayMs: 300 }]);
    vendor.resetPeak();
    const jobs = await Promise.all(leads.map((leadId) => enrich(tenant, leadId)));
    const done = await Promise.all(jobs.map((job) => finished(tenant, job.id)));
    expect(done.every((job) => job.status === 'COMPLETED')).toBe(true);
    expect(vendor.peakInFlight()).toBe(2);
  });
});
