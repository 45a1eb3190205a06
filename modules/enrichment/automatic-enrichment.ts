/**
 * Automatic enrichment under the tenant's policy: the jobs a visitor's call
 * sets off are admitted or refused (SKIPPED, with the reason, nothing
 * charged) in one transaction per tenant, so the day's cap and the
 * per-visitor limits hold however many gateways admit at once.
 *
 * A day's automatic spend is what its finished jobs charged plus what its
 * queued and running jobs may still charge (their `reserved_credits`, the
 * price of every metered provider in the waterfall): it never goes over the
 * cap, and a refund frees the room once the job is done.
 */
import {
  decideAutomatic,
  type AutomaticCandidate,
  type AutomaticDecision,
  type AutomaticEnrichmentPolicy,
} from '../../intelligence/enrichment/automatic-enrichment-policy.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import { JOB_COLUMNS, type EnrichmentJobRecord } from './enrichment-jobs.js';
import type { EnrichmentSettings } from './enrichment-settings.js';
import { readEnrichmentSettings } from './enrichment-settings.js';

const DAY_MS = 86_400_000;

export const utcDayStart = (now: Date): Date => new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);

export const policyOf = (settings: EnrichmentSettings): AutomaticEnrichmentPolicy => ({
  businessOnly: settings.autoBusinessOnly,
  dailyCreditCap: settings.autoDailyCreditCap,
  perVisitorDaily: settings.autoPerVisitorDaily,
});

export interface AutomaticDaySummary {
  /** Credits today's automatic jobs charged (finished) or hold (queued, running). */
  readonly creditsToday: number;
  readonly admittedToday: number;
  readonly skippedToday: number;
}

const HELD = `case when status in ('QUEUED', 'RUNNING') then greatest(reserved_credits, credits_charged)
                   when status = 'SKIPPED' then 0 else credits_charged end`;

export async function automaticDaySummary(sql: TenantSql, now: Date): Promise<AutomaticDaySummary> {
  const rows = await sql.query<AutomaticDaySummary>(
    `select coalesce(sum(${HELD}), 0)::int as "creditsToday",
            (count(*) filter (where status <> 'SKIPPED'))::int as "admittedToday",
            (count(*) filter (where status = 'SKIPPED'))::int as "skippedToday"
       from {t}.enrichment_jobs where automatic and created_at >= $1`,
    [utcDayStart(now)],
  );
  return rows[0] ?? { creditsToday: 0, admittedToday: 0, skippedToday: 0 };
}

export interface AdmittedJob {
  readonly id: string;
  readonly leadId: string;
}

/**
 * Decides the candidates under the tenant's policy and writes every decision
 * as a job: QUEUED for the admitted (returned, to be dispatched after the
 * commit), SKIPPED for the refused. A lead that meanwhile got an active job
 * keeps it and holds nothing more.
 */
export async function admitAutomatic(db: Database, schema: string, candidates: readonly AutomaticCandidate[], now: Date): Promise<AdmittedJob[]> {
  if (candidates.length === 0) return [];
  return db.transaction(async (raw) => {
    const sql = tenantSql(raw, schema);
    // One admission at a time per tenant: the day's count below is exact when it is read.
    await raw.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`auto-enrich:${schema}`]);
    const policy = policyOf(await readEnrichmentSettings(sql));
    const dayStart = utcDayStart(now);
    const anonymousIds = [...new Set(candidates.flatMap((c) => (c.anonymousId === undefined ? [] : [c.anonymousId])))];
    const [held] = await sql.query<{ credits: number }>(
      `select coalesce(sum(${HELD}), 0)::int as credits from {t}.enrichment_jobs where automatic and created_at >= $1`,
      [dayStart],
    );
    const visitors = await sql.query<{ key: string; count: number }>(
      `select anonymous_id as key, count(*)::int as count from {t}.enrichment_jobs
        where automatic and status <> 'SKIPPED' and created_at >= $1 and anonymous_id = any($2) group by anonymous_id`,
      [dayStart, anonymousIds],
    );
    const leads = await sql.query<{ key: string; count: number }>(
      `select lead_id as key, count(*)::int as count from {t}.enrichment_jobs
        where automatic and status <> 'SKIPPED' and created_at >= $1 and lead_id = any($2) group by lead_id`,
      [dayStart, candidates.map((c) => c.leadId)],
    );
    const decisions = decideAutomatic(
      policy,
      { creditsHeld: held?.credits ?? 0, byVisitor: new Map(visitors.map((r) => [r.key, r.count])), byLead: new Map(leads.map((r) => [r.key, r.count])) },
      candidates,
    );
    return writeDecisions(sql, candidates, decisions);
  });
}

async function writeDecisions(sql: TenantSql, candidates: readonly AutomaticCandidate[], decisions: readonly AutomaticDecision[]): Promise<AdmittedJob[]> {
  const anonymousOf = new Map(candidates.map((c) => [c.leadId, c.anonymousId ?? null]));
  const rows = decisions.map((d) => ({
    id: newId('ej'),
    leadId: d.leadId,
    status: d.kind === 'admit' ? 'QUEUED' : 'SKIPPED',
    reserved: d.kind === 'admit' ? d.reservedCredits : 0,
    error: d.kind === 'skip' ? d.reason : null,
    anonymousId: anonymousOf.get(d.leadId) ?? null,
  }));
  const written = await sql.query<AdmittedJob & { status: string }>(
    `insert into {t}.enrichment_jobs (id, lead_id, trigger, status, automatic, reserved_credits, error, anonymous_id, finished_at)
     select r.id, r.lead_id, 'identified', r.status, true, r.reserved, r.error, r.anonymous_id, case when r.status = 'SKIPPED' then now() end
       from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[]) as r(id, lead_id, status, reserved, error, anonymous_id)
      -- Candidates are leads never enriched; two paths may consider one at once (its identification, the
      -- evaluation after it), and under the lock the one that comes second finds the first one's job.
      where not exists (select 1 from {t}.enrichment_jobs j where j.lead_id = r.lead_id)
     on conflict (lead_id) where status in ('QUEUED', 'RUNNING') do nothing
     returning id, lead_id as "leadId", status`,
    [rows.map((r) => r.id), rows.map((r) => r.leadId), rows.map((r) => r.status), rows.map((r) => r.reserved), rows.map((r) => r.error), rows.map((r) => r.anonymousId)],
  );
  return written.filter((row) => row.status === 'QUEUED').map((row) => ({ id: row.id, leadId: row.leadId }));
}

/** Automatic jobs the policy skipped, newest first: for the tenant to see why, and to retry the ones it wants. */
export async function skippedJobs(sql: TenantSql, first: number): Promise<EnrichmentJobRecord[]> {
  return sql.query<EnrichmentJobRecord>(
    `select ${JOB_COLUMNS} from {t}.enrichment_jobs where automatic and status = 'SKIPPED' order by created_at desc limit $1`,
    [first],
  );
}
