import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { anonymousIdLockKey } from './identity-locks.js';
import {
  absorbLead,
  insertMerge,
  lockIdentities,
  lockLeadState,
  lockLeadStates,
  lockNewestMergeOf,
  markMergeUndone,
  moveLeadRecords,
  restoreLeadState,
  returnLeadRecords,
  type MovedRecords,
} from './ingest.repository.js';

/** Moves everything of `absorbedId` onto `survivorId`, records why, and keeps the absorbed row for an undo. */
export async function mergeLeads(tx: TenantDb, survivorId: string, absorbedId: string, cause: string): Promise<void> {
  const states = await lockLeadStates(tx, [survivorId, absorbedId]);
  const survivor = states.find((s) => s.id === survivorId);
  const absorbed = states.find((s) => s.id === absorbedId);
  const traitsAdded = Object.fromEntries(Object.entries(absorbed?.traits ?? {}).filter(([key]) => !(key in (survivor?.traits ?? {}))));
  const records = await moveLeadRecords(tx, survivorId, absorbedId);
  await absorbLead(tx, survivorId, absorbedId);
  const moved: MovedRecords = {
    ...records,
    survivor:
      survivor === undefined
        ? undefined
        : {
            traitsAdded,
            firstSeenAt: survivor.first_seen_at.toISOString(),
            companyTaken: survivor.company_id === null ? (absorbed?.company_id ?? null) : null,
          },
  };
  await insertMerge(tx, { id: newId('mrg'), survivor_id: survivorId, absorbed_id: absorbedId, cause, moved });
}

/**
 * Undoes the newest live merge into `leadId` that brought `anonymousId`:
 * each side gets back exactly what it had. Ingestion about that visitor
 * waits until the split is committed. Returns both lead ids, or undefined
 * when no such merge exists.
 */
export async function splitLead(db: TenantDb, leadId: string, anonymousId: string): Promise<[string, string] | undefined> {
  return db.transaction(async (tx) => {
    await lockIdentities(tx, [anonymousIdLockKey(tx.schema, anonymousId)]);
    const merge = await lockNewestMergeOf(tx, leadId, anonymousId);
    if (merge === undefined) return undefined;
    const { absorbed_id: absorbedId, moved } = merge;
    await returnLeadRecords(tx, absorbedId, moved);
    if (moved.survivor !== undefined) await restoreSurvivor(tx, leadId, moved.survivor);
    await markMergeUndone(tx, merge.id);
    return [leadId, absorbedId];
  });
}

/**
 * Takes back from the survivor what the merge gave it: traits it took from
 * the absorbed lead (unless set again since), the earlier first-seen time,
 * and the company it had none of before. What it gained after the merge on
 * its own stays.
 */
async function restoreSurvivor(tx: TenantDb, leadId: string, before: NonNullable<MovedRecords['survivor']>): Promise<void> {
  const current = await lockLeadState(tx, leadId);
  if (current === undefined) return;
  const traits = { ...current.traits };
  for (const [key, value] of Object.entries(before.traitsAdded)) {
    if (JSON.stringify(traits[key]) === JSON.stringify(value)) delete traits[key];
  }
  await restoreLeadState(tx, leadId, {
    traits,
    first_seen_at: before.firstSeenAt,
    company_id: before.companyTaken !== null && current.company_id === before.companyTaken ? null : current.company_id,
  });
}
