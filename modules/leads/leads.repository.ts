/** The leads module's tables: leads, identities, sessions, events, merges, identity conflicts. */
import type { TenantDb } from '../../tenants/tenant-db.js';

/** A page of live (unmerged) lead ids in id order, after `after`. */
export async function liveLeadIdsPage(db: TenantDb, after: string | null, limit: number): Promise<string[]> {
  let query = db.kysely.selectFrom('leads').select('id').where('merged_into', 'is', null);
  if (after !== null) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}
