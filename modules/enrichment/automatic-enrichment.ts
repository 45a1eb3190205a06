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
import type { TenantDb } from '../../tenants/tenant-db.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import { jobRecordOf, type EnrichmentJobRecord } from './enrichment-jobs.js';
import {
  automaticCreditsHeld,
  automaticDayRow,
  automaticJobCounts,
  insertAutomaticJobs,
  lockAutomaticAdmission,
  skippedJobRows,
  type AutomaticJobRow,
} from './enrichment.repository.js';
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

export async function automaticDaySummary(db: TenantDb, now: Date): Promise<AutomaticDaySummary> {
  return (await automaticDayRow(db, utcDayStart(now))) ?? { creditsToday: 0, admittedToday: 0, skippedToday: 0 };
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
export async function admitAutomatic(db: TenantDb, candidates: readonly AutomaticCandidate[], now: Date): Promise<AdmittedJob[]> {
  if (candidates.length === 0) return [];
  return db.transaction(async (tx) => {
    // One admission at a time per tenant: the day's count below is exact when it is read.
    await lockAutomaticAdmission(tx);
    const policy = policyOf(await readEnrichmentSettings(tx));
    const dayStart = utcDayStart(now);
    const anonymousIds = [...new Set(candidates.flatMap((c) => (c.anonymousId === undefined ? [] : [c.anonymousId])))];
    const creditsHeld = await automaticCreditsHeld(tx, dayStart);
    const byVisitor = await automaticJobCounts(tx, 'anonymous_id', dayStart, anonymousIds);
    const byLead = await automaticJobCounts(tx, 'lead_id', dayStart, candidates.map((c) => c.leadId));
    const decisions = decideAutomatic(policy, { creditsHeld, byVisitor, byLead }, candidates);
    return writeDecisions(tx, candidates, decisions);
  });
}

async function writeDecisions(db: TenantDb, candidates: readonly AutomaticCandidate[], decisions: readonly AutomaticDecision[]): Promise<AdmittedJob[]> {
  const anonymousOf = new Map(candidates.map((c) => [c.leadId, c.anonymousId ?? null]));
  const rows = decisions.map(
    (d): AutomaticJobRow => ({
      id: newId('ej'),
      leadId: d.leadId,
      status: d.kind === 'admit' ? 'QUEUED' : 'SKIPPED',
      reserved: d.kind === 'admit' ? d.reservedCredits : 0,
      error: d.kind === 'skip' ? d.reason : null,
      anonymousId: anonymousOf.get(d.leadId) ?? null,
    }),
  );
  const written = await insertAutomaticJobs(db, rows);
  return written.filter((row) => row.status === 'QUEUED').map((row) => ({ id: row.id, leadId: row.leadId }));
}

/** Automatic jobs the policy skipped, newest first: for the tenant to see why, and to retry the ones it wants. */
export async function skippedJobs(db: TenantDb, first: number): Promise<EnrichmentJobRecord[]> {
  return (await skippedJobRows(db, first)).map(jobRecordOf);
}
