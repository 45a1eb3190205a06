/**
 * The enrichment module's tables: enrichment_jobs, enrichment_calls,
 * enrichment_settings, enrichment_vendors, lead_fields, company_answers.
 * Statements whose shape the enrichment path depends on (`unnest` arrays,
 * `jsonb_to_recordset`, advisory locks) stay raw, typed from the generated
 * tables; the rest go through the builder. Reads of the lead, its company and
 * sessions (the subject) are in enrichment-subjects.repository.ts.
 */
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';

type Job = Selectable<TenantRows.EnrichmentJobs>;
type Settings = Selectable<TenantRows.EnrichmentSettings>;
type Vendor = Selectable<TenantRows.EnrichmentVendors>;
type Field = Selectable<TenantRows.LeadFields>;

// ---- enrichment_settings: one row per tenant ----

const SETTINGS_COLUMNS = [
  'waterfall',
  'prices',
  'confidence_threshold as confidenceThreshold',
  'staleness_days as stalenessDays',
  'daily_credit_limit as dailyCreditLimit',
  'auto_enrich as autoEnrich',
  'answer_cache_hours as answerCacheHours',
  'company_cache_days as companyCacheDays',
  'auto_business_only as autoBusinessOnly',
  'auto_daily_credit_cap as autoDailyCreditCap',
  'auto_per_visitor_daily as autoPerVisitorDaily',
  'auto_rule as autoRule',
] as const;

export async function settingsRow(db: TenantDb) {
  return db.kysely.selectFrom('enrichment_settings').select(SETTINGS_COLUMNS).executeTakeFirst();
}

export type SettingsRow = NonNullable<Awaited<ReturnType<typeof settingsRow>>>;

/** Whether the tenant enriches automatically under a rule. */
export async function enrichesByRule(db: TenantDb): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('enrichment_settings')
    .select(sql<boolean>`(auto_enrich and auto_rule is not null)`.as('held'))
    .executeTakeFirst();
  return row?.held === true;
}

/** The columns a settings change names; the others stay as they are. `prices` merge into the held ones. */
export interface SettingsChange {
  readonly waterfall?: readonly string[];
  readonly prices?: Readonly<Record<string, number>>;
  readonly confidenceThreshold?: number;
  readonly stalenessDays?: number;
  readonly dailyCreditLimit?: number | null;
  readonly autoEnrich?: boolean;
  readonly answerCacheHours?: number;
  readonly companyCacheDays?: number;
  readonly autoBusinessOnly?: boolean;
  readonly autoDailyCreditCap?: number | null;
  readonly autoPerVisitorDaily?: number;
  /** JSON text of the rule; null removes it. */
  readonly autoRule?: string | null;
}

export async function updateSettingsRow(db: TenantDb, change: SettingsChange): Promise<SettingsRow | undefined> {
  const set = <K extends keyof Settings>(column: K, value: Settings[K] | undefined) => (value === undefined ? {} : { [column]: value });
  return db.kysely
    .updateTable('enrichment_settings')
    .set({
      ...(change.waterfall === undefined ? {} : { waterfall: [...change.waterfall] }),
      ...(change.prices === undefined ? {} : { prices: sql`prices || ${JSON.stringify(change.prices)}::jsonb` }),
      ...set('confidence_threshold', change.confidenceThreshold),
      ...set('staleness_days', change.stalenessDays),
      ...set('daily_credit_limit', change.dailyCreditLimit),
      ...set('auto_enrich', change.autoEnrich),
      ...set('answer_cache_hours', change.answerCacheHours),
      ...set('company_cache_days', change.companyCacheDays),
      ...set('auto_business_only', change.autoBusinessOnly),
      ...set('auto_daily_credit_cap', change.autoDailyCreditCap),
      ...set('auto_per_visitor_daily', change.autoPerVisitorDaily),
      ...set('auto_rule', change.autoRule),
      updated_at: sql`now()`,
    })
    .returning(SETTINGS_COLUMNS)
    .executeTakeFirst();
}

export async function removeFromWaterfall(db: TenantDb, providerId: string): Promise<void> {
  await db.kysely
    .updateTable('enrichment_settings')
    .set({ waterfall: sql`array_remove(waterfall, ${providerId})`, updated_at: sql`now()` })
    .execute();
}

// ---- enrichment_vendors ----

export async function vendorRows(db: TenantDb) {
  return db.kysely.selectFrom('enrichment_vendors').select(['id', 'config', 'updated_at as updatedAt']).orderBy('id').execute();
}

export type VendorRow = Awaited<ReturnType<typeof vendorRows>>[number];

export async function vendorsWithKeys(db: TenantDb) {
  return db.kysely.selectFrom('enrichment_vendors').select(['id', 'config', 'sealed_key as sealedKey']).orderBy('id').execute();
}

/**
 * Creates or replaces a vendor; `sealedKey` null keeps the held key, and a
 * new vendor without one writes nothing (undefined). NOT NULL is checked
 * before ON CONFLICT, so a keyless update carries the held key into the row it proposes.
 */
export async function upsertVendor(db: TenantDb, id: string, configJson: string, sealedKey: string | null): Promise<VendorRow | undefined> {
  const rows = await db.query<Pick<Vendor, 'id' | 'config'> & { updatedAt: Vendor['updated_at'] }>(
    `insert into {t}.enrichment_vendors as v (id, config, sealed_key)
     select $1, $2::jsonb, k.sealed
       from (select coalesce($3::text, (select sealed_key from {t}.enrichment_vendors where id = $1)) as sealed) k
      where k.sealed is not null
     on conflict (id) do update set config = excluded.config, sealed_key = coalesce($3::text, v.sealed_key), updated_at = now()
     returning id, config, updated_at as "updatedAt"`,
    [id, configJson, sealedKey],
  );
  return rows[0];
}

export async function deleteVendor(db: TenantDb, id: string): Promise<boolean> {
  const removed = await db.kysely.deleteFrom('enrichment_vendors').where('id', '=', id).returning('id').execute();
  return removed.length > 0;
}

// ---- enrichment_jobs ----

const JOB_COLUMNS = [
  'id',
  'lead_id as leadId',
  'trigger',
  'status',
  'credits_charged as creditsCharged',
  'error',
  'paused_reason as pausedReason',
  'created_at as createdAt',
  'started_at as startedAt',
  'finished_at as finishedAt',
] as const;

const ACTIVE = ['QUEUED', 'RUNNING'];

/** Makes a job for each lead without an active one (ids paired with leads by position). */
export async function insertActiveJobs(db: TenantDb, ids: readonly string[], leadIds: readonly string[], trigger: string): Promise<void> {
  await db.query(
    `insert into {t}.enrichment_jobs (id, lead_id, trigger)
     select ids.id, ids.lead_id, $3 from unnest($1::text[], $2::text[]) as ids(id, lead_id)
     on conflict (lead_id) where status in ('QUEUED', 'RUNNING') do nothing`,
    [ids, leadIds, trigger],
  );
}

export async function activeJobsOfLeads(db: TenantDb, leadIds: readonly string[]) {
  return db.kysely.selectFrom('enrichment_jobs').select(JOB_COLUMNS).where('lead_id', '=', sql<string>`any(${[...leadIds]})`).where('status', 'in', ACTIVE).execute();
}

export type JobRow = Awaited<ReturnType<typeof activeJobsOfLeads>>[number];

export async function jobById(db: TenantDb, id: string): Promise<JobRow | undefined> {
  return db.kysely.selectFrom('enrichment_jobs').select(JOB_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export async function jobsByIds(db: TenantDb, ids: readonly string[]): Promise<JobRow[]> {
  return db.kysely.selectFrom('enrichment_jobs').select(JOB_COLUMNS).where('id', '=', sql<string>`any(${[...ids]})`).execute();
}

/** Failed jobs, newest first. */
export async function failedJobRows(db: TenantDb, first: number): Promise<JobRow[]> {
  return db.kysely.selectFrom('enrichment_jobs').select(JOB_COLUMNS).where('status', '=', 'FAILED').orderBy('created_at', 'desc').limit(first).execute();
}

/** Automatic jobs the policy skipped, newest first. */
export async function skippedJobRows(db: TenantDb, first: number): Promise<JobRow[]> {
  return db.kysely
    .selectFrom('enrichment_jobs')
    .select(JOB_COLUMNS)
    .where('automatic', '=', true)
    .where('status', '=', 'SKIPPED')
    .orderBy('created_at', 'desc')
    .limit(first)
    .execute();
}

/** Marks a queued or running job running; false when it is no longer active (a replayed signal). */
export async function markJobRunning(db: TenantDb, jobId: string): Promise<boolean> {
  const started = await db.kysely
    .updateTable('enrichment_jobs')
    .set({ status: 'RUNNING', started_at: sql`coalesce(started_at, now())` })
    .where('id', '=', jobId)
    .where('status', 'in', ACTIVE)
    .returning('id')
    .execute();
  return started.length > 0;
}

export async function markJobFailed(db: TenantDb, jobId: string, error: string): Promise<void> {
  await db.kysely.updateTable('enrichment_jobs').set({ status: 'FAILED', error, finished_at: sql`now()` }).where('id', '=', jobId).execute();
}

export async function setJobPausedReason(db: TenantDb, jobId: string, reason: string | null): Promise<void> {
  await db.kysely.updateTable('enrichment_jobs').set({ paused_reason: reason }).where('id', '=', jobId).where('status', '=', 'RUNNING').execute();
}

/** Locks the job's row while it is running (inside the finishing transaction); false when it is not. */
export async function lockRunningJob(db: TenantDb, jobId: string): Promise<boolean> {
  const row = await db.kysely.selectFrom('enrichment_jobs').select(sql<number>`1`.as('one')).where('id', '=', jobId).where('status', '=', 'RUNNING').forUpdate().executeTakeFirst();
  return row !== undefined;
}

/** Closes the job with its outcome; its charge is the sum of its calls'. */
export async function closeJob(db: TenantDb, jobId: string, status: 'COMPLETED' | 'FAILED', error: string | null): Promise<void> {
  await db.kysely
    .updateTable('enrichment_jobs as j')
    .set((eb) => ({
      status,
      error,
      paused_reason: null,
      finished_at: sql`now()`,
      credits_charged: eb
        .selectFrom('enrichment_calls as c')
        .select((c) => c.fn.coalesce(c.fn.sum<number>('c.credits'), sql<number>`0`).as('credits'))
        .whereRef('c.job_id', '=', 'j.id'),
    }))
    .where('j.id', '=', jobId)
    .execute();
}

// ---- automatic jobs: the day's use and the policy's decisions ----

/** What a job holds of the day's automatic spend: its charge, or while active the most it may charge. */
const HELD = sql<number>`case when status in ('QUEUED', 'RUNNING') then greatest(reserved_credits, credits_charged)
                   when status = 'SKIPPED' then 0 else credits_charged end`;

export async function automaticDayRow(db: TenantDb, dayStart: Date) {
  return db.kysely
    .selectFrom('enrichment_jobs')
    .select([
      sql<number>`coalesce(sum(${HELD}), 0)::int`.as('creditsToday'),
      sql<number>`(count(*) filter (where status <> 'SKIPPED'))::int`.as('admittedToday'),
      sql<number>`(count(*) filter (where status = 'SKIPPED'))::int`.as('skippedToday'),
    ])
    .where('automatic', '=', true)
    .where('created_at', '>=', dayStart)
    .executeTakeFirst();
}

/** One admission at a time per tenant (inside the admitting transaction). */
export async function lockAutomaticAdmission(db: TenantDb): Promise<void> {
  await db.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`auto-enrich:${db.schema}`]);
}

export async function automaticCreditsHeld(db: TenantDb, dayStart: Date): Promise<number> {
  const row = await db.kysely
    .selectFrom('enrichment_jobs')
    .select(sql<number>`coalesce(sum(${HELD}), 0)::int`.as('credits'))
    .where('automatic', '=', true)
    .where('created_at', '>=', dayStart)
    .executeTakeFirst();
  return row?.credits ?? 0;
}

/** Today's admitted automatic jobs per visitor (anonymous id) or per lead. */
export async function automaticJobCounts(db: TenantDb, by: 'anonymous_id' | 'lead_id', dayStart: Date, keys: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.kysely
    .selectFrom('enrichment_jobs')
    .select([`${by} as key`, sql<number>`count(*)::int`.as('count')])
    .where('automatic', '=', true)
    .where('status', '<>', 'SKIPPED')
    .where('created_at', '>=', dayStart)
    .where(by, '=', sql<string>`any(${[...keys]})`)
    .groupBy(by)
    .execute();
  return new Map(rows.flatMap((row) => (row.key === null ? [] : [[row.key, row.count] as const])));
}

export interface AutomaticJobRow {
  readonly id: string;
  readonly leadId: string;
  readonly status: 'QUEUED' | 'SKIPPED';
  readonly reserved: number;
  readonly error: string | null;
  readonly anonymousId: string | null;
}

/**
 * Writes the decisions as jobs, in one statement; returns the written ones.
 * Candidates are leads never enriched; two paths may consider one at once (its
 * identification, the evaluation after it), and under the admission lock the
 * one that comes second finds the first one's job.
 */
export async function insertAutomaticJobs(db: TenantDb, rows: readonly AutomaticJobRow[]) {
  return db.query<Pick<Job, 'id' | 'status'> & { leadId: Job['lead_id'] }>(
    `insert into {t}.enrichment_jobs (id, lead_id, trigger, status, automatic, reserved_credits, error, anonymous_id, finished_at)
     select r.id, r.lead_id, 'identified', r.status, true, r.reserved, r.error, r.anonymous_id, case when r.status = 'SKIPPED' then now() end
       from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[]) as r(id, lead_id, status, reserved, error, anonymous_id)
      where not exists (select 1 from {t}.enrichment_jobs j where j.lead_id = r.lead_id)
     on conflict (lead_id) where status in ('QUEUED', 'RUNNING') do nothing
     returning id, lead_id as "leadId", status`,
    [rows.map((r) => r.id), rows.map((r) => r.leadId), rows.map((r) => r.status), rows.map((r) => r.reserved), rows.map((r) => r.error), rows.map((r) => r.anonymousId)],
  );
}

// ---- enrichment_calls ----

export interface CallRow {
  readonly provider: string;
  readonly outcome: string;
  readonly credits: number;
  readonly reason: string | null;
  readonly raw: string | null;
}

/** Each call's line in the job's record, once (a re-run adds nothing), in one statement. */
export async function insertCalls(db: TenantDb, jobId: string, calls: readonly CallRow[]): Promise<void> {
  await db.query(
    `insert into {t}.enrichment_calls (job_id, provider, outcome, credits, reason, raw)
     select $1, v.provider, v.outcome, v.credits, v.reason, v.raw
       from unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[]) as v(provider, outcome, credits, reason, raw)
     on conflict (job_id, provider) do nothing`,
    [jobId, calls.map((c) => c.provider), calls.map((c) => c.outcome), calls.map((c) => c.credits), calls.map((c) => c.reason), calls.map((c) => c.raw)],
  );
}

/** Why a provider of the job was refused credits, if one was. */
export async function refusalReason(db: TenantDb, jobId: string): Promise<string | null | undefined> {
  const row = await db.kysely.selectFrom('enrichment_calls').select('reason').where('job_id', '=', jobId).where('outcome', '=', 'refused').limit(1).executeTakeFirst();
  return row?.reason;
}

// ---- lead_fields ----

const FIELD_COLUMNS = [
  'field',
  'value',
  'confidence',
  'source',
  'verified',
  'supplied',
  'fetched_at as fetchedAt',
  'expires_at as expiresAt',
  'below_threshold as belowThreshold',
  'conflicts',
] as const;

export async function fieldRowsOfLead(db: TenantDb, leadId: string) {
  return db.kysely.selectFrom('lead_fields').select(FIELD_COLUMNS).where('lead_id', '=', leadId).execute();
}

export type FieldRow = Awaited<ReturnType<typeof fieldRowsOfLead>>[number];

/** Ordered by lead, then field. */
export async function fieldRowsOfLeads(db: TenantDb, leadIds: readonly string[]) {
  return db.kysely
    .selectFrom('lead_fields')
    .select(['lead_id as leadId', ...FIELD_COLUMNS])
    .where('lead_id', '=', sql<string>`any(${[...leadIds]})`)
    .orderBy('lead_id')
    .orderBy('field')
    .execute();
}

/**
 * Replaces the lead's rows of these fields in one statement, from their JSON
 * (FieldState keys). A value a person set (source manual) is replaced only by
 * another person's: an enrichment that merged from a read taken before the
 * person's write cannot undo it.
 */
export async function upsertLeadFields(db: TenantDb, leadId: string, fieldsJson: string): Promise<void> {
  await db.query(
    `insert into {t}.lead_fields as lf (lead_id, field, value, confidence, source, verified, supplied, fetched_at, expires_at, below_threshold, conflicts)
     select $1, f.field, f.value, f.confidence, f.source, f.verified, f.supplied, f."fetchedAt", f."expiresAt", f."belowThreshold", f.conflicts
       from jsonb_to_recordset($2::jsonb) as f(field text, value jsonb, confidence double precision, source text, verified boolean,
            supplied boolean, "fetchedAt" timestamptz, "expiresAt" timestamptz, "belowThreshold" boolean, conflicts jsonb)
     on conflict (lead_id, field) do update set
       value = excluded.value, confidence = excluded.confidence, source = excluded.source, verified = excluded.verified,
       supplied = excluded.supplied, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at,
       below_threshold = excluded.below_threshold, conflicts = excluded.conflicts
     where lf.source <> 'manual' or excluded.source = 'manual'`,
    [leadId, fieldsJson],
  );
}

/** Who set the field by hand, and their note. */
export async function markFieldEdited(db: TenantDb, leadId: string, field: string, edit: Pick<Field, 'edited_by' | 'edit_note'>): Promise<void> {
  await db.kysely.updateTable('lead_fields').set(edit).where('lead_id', '=', leadId).where('field', '=', field).execute();
}

// ---- company_answers: answers about a company domain, long term ----

export async function companyAnswer(db: TenantDb, domain: string, provider: string, now: Date) {
  const row = await db.kysely
    .selectFrom('company_answers')
    .select('answer')
    .where('domain', '=', domain)
    .where('provider', '=', provider)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row?.answer;
}

export async function upsertCompanyAnswer(db: TenantDb, answer: { domain: string; provider: string; answerJson: string; fetchedAt: Date; days: number }): Promise<void> {
  await db.kysely
    .insertInto('company_answers')
    .values({
      domain: answer.domain,
      provider: answer.provider,
      answer: answer.answerJson,
      fetched_at: answer.fetchedAt,
      expires_at: sql`${answer.fetchedAt}::timestamptz + make_interval(days => ${answer.days})`,
    })
    .onConflict((oc) =>
      oc.columns(['domain', 'provider']).doUpdateSet((eb) => ({
        answer: eb.ref('excluded.answer'),
        fetched_at: eb.ref('excluded.fetched_at'),
        expires_at: eb.ref('excluded.expires_at'),
      })),
    )
    .execute();
}
