/** `control.tenant_data_keys`: each tenant's sealed data key, emptied when the tenant is offboarded. */
import type { ControlDb } from '../../platform/postgres/control-db.js';

export interface DataKeyRow {
  readonly id: string;
  readonly tenantId: string;
  /** Null once destroyed. */
  readonly sealed: string | null;
}

const columns = ['id', 'tenant_id as tenantId', 'sealed'] as const;

/** The tenant's key row, live or destroyed; undefined when it never had one. */
export async function dataKeyOfTenant(control: ControlDb, tenantId: string): Promise<DataKeyRow | undefined> {
  return control.kysely.selectFrom('tenant_data_keys').select(columns).where('tenant_id', '=', tenantId).executeTakeFirst();
}

export async function dataKeyById(control: ControlDb, id: string): Promise<DataKeyRow | undefined> {
  return control.kysely.selectFrom('tenant_data_keys').select(columns).where('id', '=', id).executeTakeFirst();
}

/** Inserts the tenant's first key; when another process made one first, theirs is kept and returned. */
export async function insertDataKey(control: ControlDb, row: { id: string; tenantId: string; sealed: string }): Promise<DataKeyRow> {
  await control.kysely
    .insertInto('tenant_data_keys')
    .values({ id: row.id, tenant_id: row.tenantId, sealed: row.sealed })
    .onConflict((conflict) => conflict.column('tenant_id').doNothing())
    .execute();
  const kept = await dataKeyOfTenant(control, row.tenantId);
  if (kept === undefined) throw new Error(`the data key of tenant ${row.tenantId} was neither inserted nor found`);
  return kept;
}

/**
 * Crypto-shredding: the sealed key is gone for good. A tenant that never had a
 * key gets a destroyed row, so none can be made for it afterwards. Returns
 * whether a live key was destroyed.
 */
export async function destroyDataKey(control: ControlDb, row: { id: string; tenantId: string }): Promise<boolean> {
  // The destroyed row first: a key made meanwhile by another process either loses to it or is destroyed next.
  return control.transaction(async (tx) => {
    await tx.kysely
      .insertInto('tenant_data_keys')
      .values({ id: row.id, tenant_id: row.tenantId, sealed: null, destroyed_at: new Date() })
      .onConflict((conflict) => conflict.column('tenant_id').doNothing())
      .execute();
    const live = await tx.kysely
      .updateTable('tenant_data_keys')
      .set({ sealed: null, destroyed_at: new Date() })
      .where('tenant_id', '=', row.tenantId)
      .where('sealed', 'is not', null)
      .executeTakeFirst();
    return Number(live.numUpdatedRows) > 0;
  });
}
