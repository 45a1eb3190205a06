import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf, createTenant, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { postSegment } from '../integration/ingest/segment-http.js';
import { withEnrichmentStack } from '../support/enrichment-stack.js';

const CREDITS = 1000;
// The cap every tenant starts with: nobody has to turn the policy on.
const CAP = 100;
const COMPANY_IDENTIFIES = 200;
const FREE_MAIL_IDENTIFIES = 20;

interface Job {
  id: string;
  leadId: string;
  status: string;
  creditsCharged: number;
  error: string | null;
}
const JOB = 'id leadId status creditsCharged error';

interface Automatic {
  businessOnly: boolean;
  dailyCreditCap: number | null;
  perVisitorDaily: number;
  creditsToday: number;
  admittedToday: number;
  skippedToday: number;
}
const AUTOMATIC = 'automatic { businessOnly dailyCreditCap perVisitorDaily creditsToday admittedToday skippedToday }';

/**
 * Who may spend a tenant's credits, tried from the outside: the publishable
 * key is in every page, so a visitor can send identify calls with any address;
 * built-in prices are the operator's. Email verification answers from a local
 * DNS server, through the real workflow on the real Temporal server.
 */
describe('credits move only on the tenant’s intent', () => {
  let gateway: TestGateway;

  withEnrichmentStack({ name: 'credit-security', dns: { 'mail.example': { mx: [{ exchange: 'mx1.mail.example', priority: 10 }] } } }, (s) => {
    gateway = s.gateway;
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  /** A tenant whose waterfall is email verification alone: every job costs exactly 1 credit, the operator's price. */
  async function verifyingTenant(automatic?: Record<string, unknown>): Promise<TestTenant> {
    const tenant = await createTenant(gateway, { credits: CREDITS });
    await gql(tenant, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }', {
      input: { waterfall: ['email-verification'], ...(automatic === undefined ? {} : { automatic }) },
    });
    return tenant;
  }

  const identify = (tenant: TestTenant, email: string) =>
    postSegment(gateway, '/v1/identify', { anonymousId: `visitor-${randomUUID()}`, traits: { email } }, { key: tenant.publishableKey });

  const company = () => `${randomBytes(5).toString('hex')}-corp.com`;

  /** Waits until every lead of the tenant that has an email has a job, and no job is queued or running. */
  async function settled(tenant: TestTenant, leads: number): Promise<void> {
    for (;;) {
      const [row] = await gateway.services.db.query<{ withJob: number; active: number }>(
        `select (select count(distinct lead_id) from "t_${tenant.id}".enrichment_jobs)::int as "withJob",
                (select count(*) from "t_${tenant.id}".enrichment_jobs where status in ('QUEUED', 'RUNNING'))::int as active`,
      );
      if (row !== undefined && row.withJob >= leads && row.active === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function finished(tenant: TestTenant, jobId: string): Promise<Job> {
    for (;;) {
      const job = (await gql<{ enrichmentJob: Job }>(tenant, `query ($id: ID!) { enrichmentJob(id: $id) { ${JOB} } }`, { id: jobId })).enrichmentJob;
      if (job.status === 'COMPLETED' || job.status === 'FAILED') return job;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const spent = async (tenant: TestTenant) => CREDITS - (await gql<{ tenant: { credits: { balance: number } } }>(tenant, '{ tenant { credits { balance } } }')).tenant.credits.balance;
  const jobsOf = (tenant: TestTenant) =>
    gateway.services.db.query<{ leadId: string; status: string; error: string | null; email: string }>(
      `select j.lead_id as "leadId", j.status, j.error, l.email from "t_${tenant.id}".enrichment_jobs j join "t_${tenant.id}".leads l on l.id = j.lead_id`,
    );

  it('holds 200 publishable-key identifies with new company addresses to the daily cap, spends nothing on free-mail ones, and leaves the other tenant’s budget alone', async () => {
    const a = await verifyingTenant();
    const b = await verifyingTenant();

    const companyEmails = Array.from({ length: COMPANY_IDENTIFIES }, (_, i) => `person${i}@${company()}`);
    const freeEmails = Array.from({ length: FREE_MAIL_IDENTIFIES }, (_, i) => `someone.${randomUUID().slice(0, 8)}${i}@gmail.com`);
    const answers = [];
    // A few at a time, as a script in a page would send them.
    for (let i = 0; i < companyEmails.length + freeEmails.length; i += 20) {
      const slice = [...companyEmails, ...freeEmails].slice(i, i + 20);
      answers.push(...(await Promise.all(slice.map((email) => identify(a, email)))));
    }
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await settled(a, COMPANY_IDENTIFIES + FREE_MAIL_IDENTIFIES);

    // The spend is the cap, not one credit more; free-mail addresses cost nothing.
    expect(await spent(a)).toBe(CAP);
    const jobs = await jobsOf(a);
    const charged = jobs.filter((job) => job.status === 'COMPLETED');
    expect(charged).toHaveLength(CAP);
    expect(charged.every((job) => job.email.endsWith('-corp.com'))).toBe(true);
    const skipped = jobs.filter((job) => job.status === 'SKIPPED');
    expect(skipped).toHaveLength(COMPANY_IDENTIFIES + FREE_MAIL_IDENTIFIES - CAP);
    expect(skipped.filter((job) => job.email.endsWith('@gmail.com')).every((job) => job.error?.includes('free-mail'))).toBe(true);
    expect(skipped.filter((job) => job.email.endsWith('-corp.com')).every((job) => job.error?.startsWith('AUTO_ENRICH_DAILY_CAP'))).toBe(true);
    // Enrichment did run for the admitted ones: each lead holds its verification.
    const verified = await gateway.services.db.query<{ n: number }>(
      `select count(distinct lead_id)::int as n from "t_${a.id}".lead_fields where field = 'email.syntaxValid' and source = 'email-verification'`,
    );
    expect(verified[0]?.n).toBe(CAP);
    const status = (await gql<{ enrichmentSettings: { automatic: Automatic } }>(a, `{ enrichmentSettings { ${AUTOMATIC} } }`)).enrichmentSettings.automatic;
    expect(status).toEqual({
      businessOnly: true,
      dailyCreditCap: CAP,
      perVisitorDaily: 3,
      creditsToday: CAP,
      admittedToday: CAP,
      skippedToday: COMPANY_IDENTIFIES + FREE_MAIL_IDENTIFIES - CAP,
    });

    // The other tenant: its own budget, untouched by the first one's flood.
    expect(await spent(b)).toBe(0);
    expect((await gql<{ enrichmentSettings: { automatic: Automatic } }>(b, `{ enrichmentSettings { ${AUTOMATIC} } }`)).enrichmentSettings.automatic).toMatchObject({
      dailyCreditCap: CAP,
      creditsToday: 0,
      skippedToday: 0,
    });
    expect((await identify(b, `ann@${company()}`)).status).toBe(200);
    await settled(b, 1);
    expect(await jobsOf(b)).toEqual([expect.objectContaining({ status: 'COMPLETED' })]);
    expect(await spent(b)).toBe(1);
    expect((await gql<{ enrichmentSettings: { automatic: Automatic } }>(b, `{ enrichmentSettings { ${AUTOMATIC} } }`)).enrichmentSettings.automatic).toMatchObject({
      creditsToday: 1,
      admittedToday: 1,
      skippedToday: 0,
    });

    // The tenant's own word goes past the cap: enrichLead with its secret key, and a retry of a skipped job.
    // The tenant finds the skipped jobs, with their reasons, through the API.
    const listed = (await gql<{ skippedEnrichmentJobs: Job[] }>(a, `{ skippedEnrichmentJobs(first: 100) { ${JOB} } }`)).skippedEnrichmentJobs;
    expect(listed).toHaveLength(Math.min(100, COMPANY_IDENTIFIES + FREE_MAIL_IDENTIFIES - CAP));
    expect(listed.every((job) => job.status === 'SKIPPED' && job.creditsCharged === 0 && job.error !== null)).toBe(true);
    // Another tenant's list holds none of them (it had nothing refused), and its key cannot retry one.
    expect((await gql<{ skippedEnrichmentJobs: Job[] }>(b, `{ skippedEnrichmentJobs(first: 100) { ${JOB} } }`)).skippedEnrichmentJobs).toEqual([]);
    expect(codeOf(await gateway.gql(b.secretKey, `mutation ($id: ID!) { retryEnrichmentJob(id: $id) { id } }`, { id: listed[0]!.id }))).toBe('NOT_FOUND');
    expect(codeOf(await gateway.gql(a.secretKey, `{ skippedEnrichmentJobs(first: 100000) { id } }`))).toBe('BAD_USER_INPUT');
    const [first, second] = listed.filter((job) => job.error?.startsWith('AUTO_ENRICH_DAILY_CAP'));
    const requested = (await gql<{ enrichLead: Job }>(a, `mutation ($id: ID!) { enrichLead(id: $id) { ${JOB} } }`, { id: first!.leadId })).enrichLead;
    expect(await finished(a, requested.id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 1 });
    const retried = (await gql<{ retryEnrichmentJob: Job }>(a, `mutation ($id: ID!) { retryEnrichmentJob(id: $id) { ${JOB} } }`, { id: second!.id })).retryEnrichmentJob;
    expect(await finished(a, retried.id)).toMatchObject({ status: 'COMPLETED', creditsCharged: 1 });
    expect(await spent(a)).toBe(CAP + 2);
  }, 300_000);

  it('lets a secret-key identify enrich a free-mail address: the tenant’s own back end is its intent', async () => {
    const tenant = await verifyingTenant({ dailyCreditCap: 0 });
    const lead = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomUUID()}`, email: `someone.${randomUUID().slice(0, 8)}@gmail.com` },
    });
    await settled(tenant, 1);
    expect(await jobsOf(tenant)).toEqual([expect.objectContaining({ leadId: lead.identify.id, status: 'COMPLETED' })]);
    expect(await spent(tenant)).toBe(1);
  }, 120_000);

  it("refuses a tenant's lower price for a built-in provider, naming the field, and charges the operator's price", async () => {
    const tenant = await verifyingTenant();
    const lowered = await gateway.gql(tenant.secretKey, 'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { prices } }', {
      input: { prices: { 'email-verification': 0 } },
    });
    expect(codeOf(lowered)).toBe('BAD_USER_INPUT');
    expect(lowered.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'prices', 'email-verification']);
    expect((await gql<{ enrichmentSettings: { prices: Record<string, number> } }>(tenant, '{ enrichmentSettings { prices } }')).enrichmentSettings.prices).toEqual({});

    const lead = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomUUID()}`, email: `bob@mail.example` },
    });
    await settled(tenant, 1);
    expect(await jobsOf(tenant)).toEqual([expect.objectContaining({ leadId: lead.identify.id, status: 'COMPLETED' })]);
    expect(await spent(tenant)).toBe(1);

    // Raising is the tenant's right.
    const raised = await gql<{ updateEnrichmentSettings: { prices: Record<string, number> } }>(
      tenant,
      'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { prices } }',
      { input: { prices: { 'email-verification': 2 } } },
    );
    expect(raised.updateEnrichmentSettings.prices).toEqual({ 'email-verification': 2 });
    const job = (await gql<{ enrichLead: Job }>(tenant, `mutation ($id: ID!) { enrichLead(id: $id) { ${JOB} } }`, { id: lead.identify.id })).enrichLead;
    // Fields are fresh, so nothing is asked again; a new address is.
    expect(await finished(tenant, job.id)).toMatchObject({ status: 'COMPLETED' });
    const other = await gql<{ identify: { id: string } }>(tenant, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { userId: `u-${randomUUID()}`, email: `carol@${company()}` },
    });
    await settled(tenant, 2);
    const jobs = await gateway.services.db.query<{ creditsCharged: number }>(`select credits_charged as "creditsCharged" from "t_${tenant.id}".enrichment_jobs where lead_id = $1`, [other.identify.id]);
    expect(jobs).toEqual([{ creditsCharged: 2 }]);
  }, 120_000);
});
