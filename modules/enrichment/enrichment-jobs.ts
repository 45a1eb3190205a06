/**
 * Enrichment jobs as records: what the API shows and what the workflow updates.
 * At most one job per lead is queued or running (a partial unique index), so
 * a request for a lead already being enriched joins that job.
 */
import type { TenantDb } from '../../tenants/tenant-db.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import { activeJobsOfLeads, failedJobRows, insertActiveJobs, jobById, jobsByIds, type JobRow } from './enrichment.repository.js';

const JOB_STATUSES = ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED'] as const;
const JOB_TRIGGERS = ['request', 'batch', 'identified', 'stale', 'retry'] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobTrigger = (typeof JOB_TRIGGERS)[number];

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

/** One of `known`, or a bug to see: the columns hold only what this module writes. */
function oneOf<T extends string>(known: readonly T[], value: string, what: string): T {
  const found = known.find((k) => k === value);
  if (found === undefined) throw new Error(`enrichment job ${what} ${value} is not one this code knows`);
  return found;
}

export const jobRecordOf = (row: JobRow): EnrichmentJobRecord => ({
  ...row,
  trigger: oneOf(JOB_TRIGGERS, row.trigger, 'trigger'),
  status: oneOf(JOB_STATUSES, row.status, 'status'),
});

/** The active job of each lead, created where there is none; in the order of `leadIds`. */
export async function activeJobsFor(db: TenantDb, leadIds: readonly string[], trigger: JobTrigger): Promise<EnrichmentJobRecord[]> {
  if (leadIds.length === 0) return [];
  await insertActiveJobs(db, leadIds.map(() => newId('ej')), leadIds, trigger);
  const rows = await activeJobsOfLeads(db, leadIds);
  const byLead = new Map(rows.map((row) => [row.leadId, jobRecordOf(row)]));
  // A job that finished between the insert and the read leaves its lead without one: ask again.
  const missing = leadIds.filter((id) => !byLead.has(id));
  if (missing.length > 0 && missing.length < leadIds.length) {
    for (const job of await activeJobsFor(db, missing, trigger)) byLead.set(job.leadId, job);
  }
  return leadIds.flatMap((id) => {
    const job = byLead.get(id);
    return job === undefined ? [] : [job];
  });
}

export async function findJob(db: TenantDb, id: string): Promise<EnrichmentJobRecord | undefined> {
  const row = await jobById(db, id);
  return row === undefined ? undefined : jobRecordOf(row);
}

export async function findJobs(db: TenantDb, ids: readonly string[]): Promise<EnrichmentJobRecord[]> {
  return (await jobsByIds(db, ids)).map(jobRecordOf);
}

/** Failed jobs, newest first: the ones that failed every way, for a person or a retry mutation to pick up. */
export async function failedJobs(db: TenantDb, first: number): Promise<EnrichmentJobRecord[]> {
  return (await failedJobRows(db, first)).map(jobRecordOf);
}
