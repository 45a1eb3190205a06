import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';

/** What a merge moved, kept with the merge so that `splitLead` can put it back. */
export interface MovedRecords {
  readonly anonymousIds: string[];
  readonly sessionIds: string[];
  readonly eventIds: string[];
}

/** Moves everything of `absorbedId` onto `survivorId`, records why, and keeps the absorbed row for an undo. */
export async function mergeLeads(tx: TenantSql, survivorId: string, absorbedId: string, cause: string): Promise<void> {
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
            last_seen_at = greatest(s.last_seen_at, a.last_seen_at), company_id = coalesce(s.company_id, a.company_id), updated_at = now()
       from {t}.leads a where s.id = $1 and a.id = $2`,
    [survivorId, absorbedId],
  );
  await tx.query('update {t}.leads set merged_into = $1, updated_at = now() where id = $2', [survivorId, absorbedId]);
  const moved: MovedRecords = {
    anonymousIds: identities.map((r) => r.anonymous_id),
    sessionIds: sessions.map((r) => r.id),
    eventIds: events.map((r) => r.id),
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
  await tx.query('update {t}.events set lead_id = $1 where id = any($2::bigint[])', [absorbedId, moved.eventIds]);
  await tx.query('update {t}.merges set undone_at = now() where id = $1', [merge.id]);
  return [leadId, absorbedId];
}
