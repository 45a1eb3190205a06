import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';

/** What a merge moved, kept with the merge so that `splitLead` can put it back. */
export interface MovedRecords {
  readonly anonymousIds: string[];
  readonly sessionIds: string[];
  readonly eventIds: string[];
  /** What the merge changed on the survivor, so a split takes back only that (absent in merges recorded before it was kept). */
  readonly survivor?: {
    /** Traits the survivor lacked and took from the absorbed lead, with the values they had. */
    readonly traitsAdded: Record<string, unknown>;
    readonly firstSeenAt: string;
    /** The absorbed lead's company, when the survivor had none and took it. */
    readonly companyTaken: string | null;
  };
}

interface LeadState {
  traits: Record<string, unknown>;
  first_seen_at: Date;
  company_id: string | null;
}

/** Moves everything of `absorbedId` onto `survivorId`, records why, and keeps the absorbed row for an undo. */
export async function mergeLeads(tx: TenantSql, survivorId: string, absorbedId: string, cause: string): Promise<void> {
  const states = await tx.query<LeadState & { id: string }>(
    'select id, traits, first_seen_at, company_id from {t}.leads where id = any($1) for update',
    [[survivorId, absorbedId]],
  );
  const survivor = states.find((s) => s.id === survivorId);
  const absorbed = states.find((s) => s.id === absorbedId);
  const traitsAdded = Object.fromEntries(Object.entries(absorbed?.traits ?? {}).filter(([key]) => !(key in (survivor?.traits ?? {}))));
  const identities = await tx.query<{ anonymous_id: string }>(
    'update {t}.identities set lead_id = $1 where lead_id = $2 returning anonymous_id',
    [survivorId, absorbedId],
  );
  const sessions = await tx.query<{ id: string }>('update {t}.sessions set lead_id = $1 where lead_id = $2 returning id', [
    survivorId,
    absorbedId,
  ]);
  const events = await tx.query<{ id: string }>('update {t}.events set lead_id = $1 where lead_id = $2 returning id::text', [
    survivorId,
    absorbedId,
  ]);
  await tx.query(
    `update {t}.leads s set traits = a.traits || s.traits, first_seen_at = least(s.first_seen_at, a.first_seen_at),
            company_id = coalesce(s.company_id, a.company_id), updated_at = now()
       from {t}.leads a where s.id = $1 and a.id = $2`,
    [survivorId, absorbedId],
  );
  await tx.query('update {t}.leads set merged_into = $1, updated_at = now() where id = $2', [survivorId, absorbedId]);
  const moved: MovedRecords = {
    anonymousIds: identities.map((r) => r.anonymous_id),
    sessionIds: sessions.map((r) => r.id),
    eventIds: events.map((r) => r.id),
    survivor:
      survivor === undefined
        ? undefined
        : {
            traitsAdded,
            firstSeenAt: survivor.first_seen_at.toISOString(),
            companyTaken: survivor.company_id === null ? (absorbed?.company_id ?? null) : null,
          },
  };
  await tx.query('insert into {t}.merges (id, survivor_id, absorbed_id, cause, moved) values ($1, $2, $3, $4, $5)', [
    newId('mrg'),
    survivorId,
    absorbedId,
    cause,
    JSON.stringify(moved),
  ]);
}

/**
 * Undoes the newest live merge into `leadId` that brought `anonymousId`:
 * each side gets back exactly what it had. Returns both lead ids, or
 * undefined when no such merge exists.
 */
export async function splitLead(tx: TenantSql, leadId: string, anonymousId: string): Promise<[string, string] | undefined> {
  const merges = await tx.query<{ id: string; absorbed_id: string; moved: MovedRecords }>(
    `select id, absorbed_id, moved from {t}.merges
      where survivor_id = $1 and undone_at is null and moved->'anonymousIds' ? $2
      order by at desc limit 1 for update`,
    [leadId, anonymousId],
  );
  const merge = merges[0];
  if (merge === undefined) return undefined;
  const { absorbed_id: absorbedId, moved } = merge;
  await tx.query('update {t}.leads set merged_into = null, updated_at = now() where id = $1', [absorbedId]);
  await tx.query('update {t}.identities set lead_id = $1 where anonymous_id = any($2)', [absorbedId, moved.anonymousIds]);
  await tx.query('update {t}.sessions set lead_id = $1 where id = any($2)', [absorbedId, moved.sessionIds]);
  // Events written into the moved sessions after the merge go back with them: a session and its events stay on one lead.
  await tx.query('update {t}.events set lead_id = $1 where id = any($2::bigint[]) or session_id = any($3)', [absorbedId, moved.eventIds, moved.sessionIds]);
  if (moved.survivor !== undefined) await restoreSurvivor(tx, leadId, moved.survivor);
  await tx.query('update {t}.merges set undone_at = now() where id = $1', [merge.id]);
  return [leadId, absorbedId];
}

/**
 * Takes back from the survivor what the merge gave it: traits it took from
 * the absorbed lead (unless set again since), the earlier first-seen time,
 * and the company it had none of before. What it gained after the merge on
 * its own stays.
 */
async function restoreSurvivor(tx: TenantSql, leadId: string, before: NonNullable<MovedRecords['survivor']>): Promise<void> {
  const [current] = await tx.query<LeadState>('select traits, first_seen_at, company_id from {t}.leads where id = $1 for update', [leadId]);
  if (current === undefined) return;
  const traits = { ...current.traits };
  for (const [key, value] of Object.entries(before.traitsAdded)) {
    if (JSON.stringify(traits[key]) === JSON.stringify(value)) delete traits[key];
  }
  await tx.query(
    'update {t}.leads set traits = $2, first_seen_at = $3, company_id = $4, updated_at = now() where id = $1',
    [
      leadId,
      JSON.stringify(traits),
      before.firstSeenAt,
      before.companyTaken !== null && current.company_id === before.companyTaken ? null : current.company_id,
    ],
  );
}
