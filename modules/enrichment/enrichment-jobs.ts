/**
 * Enrichment jobs as rows: what the API shows and what the workflow updates.
 * At most one job per lead is queued or running (a partial unique index), so
 * a request for a lead already being enriched joins that job.
 */
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';

export type JobStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'SKIPPED';
export type JobTrigger = 'request' | 'batch' | 'identified' | 'stale' | 'retry';

export interface EnrichmentJobRecord {
  readonly id: string;
  readonly leadId: string;
  readonly trigger: JobTrigger;
  readonly status: JobStatus;
  readonly creditsCharged: number;
  readonly error: string | null;
  readonly pausedReason: string | null;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export const JOB_COLUMNS = `id, lead_id as "leadId", trigger, status, credits_charged as "creditsCharged", error,
  paused_reason as "pausedReason", created_at as "createdAt", started_at as "startedAt", finished_at as "finishedAt"`;

/** The active job of each lead, created where there is none; in the order of `leadIds`. */
export async function activeJobsFor(sql: TenantSql, leadIds: readonly string[], trigger: JobTrigger): Promise<EnrichmentJobRecord[]> {
  if (leadIds.length === 0) return [];
  await sql.query(
    `insert into {t}.enrichment_jobs (id, lead_id, trigger)
     select ids.id, ids.lead_id, $3 from unnest($1::text[], $2::text[]) as ids(id, lead_id)
     on conflict (lead_id) where status in ('QUEUED', 'RUNNING') do nothing`,
    [leadIds.map(() => newId('ej')), [...leadIds], trigger],
  );
  const rows = await sql.query<EnrichmentJobRecord>(
    `select ${JOB_COLUMNS} from {t}.enrichment_jobs where lead_id = any($1) and status in ('QUEUED', 'RUNNING')`,
    [[...leadIds]],
  );
  const byLead = new Map(rows.map((row) => [row.leadId, row]));
  // A job that finished between the insert and the read leaves its lead without one: ask again.
  const missing = leadIds.filter((id) => !byLead.has(id));
  if (missing.length > 0 && missing.length < leadIds.length) {
    for (const job of await activeJobsFor(sql, missing, trigger)) byLead.set(job.leadId, job);
  }
  return leadIds.flatMap((id) => {
    const job = byLead.get(id);
    return job === undefined ? [] : [job];
  });
}

export async function findJob(sql: TenantSql, id: string): Promise<EnrichmentJobRecord | undefined> {
  return (await sql.query<EnrichmentJobRecord>(`select ${JOB_COLUMNS} from {t}.enrichment_jobs where id = $1`, [id]))[0];
}

export async function findJobs(sql: TenantSql, ids: readonly string[]): Promise<EnrichmentJobRecord[]> {
  return sql.query<EnrichmentJobRecord>(`select ${JOB_COLUMNS} from {t}.enrichment_jobs where id = any($1)`, [[...ids]]);
}

/** Failed jobs, newest first: the ones that failed every way, for a person or a retry mutation to pick up. */
export async function failedJobs(sql: TenantSql, first: number): Promise<EnrichmentJobRecord[]> {
  return sql.query<EnrichmentJobRecord>(
    `select ${JOB_COLUMNS} from {t}.enrichment_jobs where status = 'FAILED' order by created_at desc limit $1`,
    [first],
  );
}
