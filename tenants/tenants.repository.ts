/**
 * The tenancy module's tables: in the control schema `tenants`, `api_keys`,
 * `audit_log` and `tenant_deletions`; in a tenant's schema the per-day
 * counters of events dropped before storage (`bot_events`, `suppressed_events`).
 */
import { sql, type Insertable } from 'kysely';
import type { ControlDb } from '../platform/postgres/control-db.js';
import { quoteTenantSchema } from '../schema/migrations/migration.js';
import type { ControlRows } from '../schema/tables/tables.js';
import type { TenantDb } from './tenant-db.js';

// ---- tenants ----

export async function insertTenant(tx: ControlDb, tenant: { id: string; name: string; schema: string }): Promise<void> {
  await tx.kysely.insertInto('tenants').values({ id: tenant.id, name: tenant.name, schema_name: tenant.schema }).execute();
}

export async function tenantIsActive(control: ControlDb, tenantId: string): Promise<boolean> {
  const row = await control.kysely
    .selectFrom('tenants')
    .select(sql<number>`1`.as('one'))
    .where('id', '=', tenantId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row !== undefined;
}

/** Every served tenant with its schema, in id order. */
export async function activeTenantRefs(control: ControlDb): Promise<Array<{ tenantId: string; schema: string }>> {
  return control.kysely
    .selectFrom('tenants')
    .select(['id as tenantId', 'schema_name as schema'])
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
}

/** A page of served tenants' schemas, in schema order, after `after`. */
export async function activeTenantSchemasPage(control: ControlDb, page: { after: string | null; limit: number }): Promise<string[]> {
  let query = control.kysely.selectFrom('tenants').select('schema_name').where('status', '=', 'active');
  if (page.after !== null) query = query.where('schema_name', '>', page.after);
  const rows = await query.orderBy('schema_name').limit(page.limit).execute();
  return rows.map((row) => row.schema_name);
}

/** The tenant's schema, its row locked to the end of the transaction; undefined when there is no such tenant. */
export async function lockedTenantSchema(tx: ControlDb, tenantId: string): Promise<string | undefined> {
  const row = await tx.kysely.selectFrom('tenants').select('schema_name').where('id', '=', tenantId).forUpdate().executeTakeFirst();
  return row?.schema_name;
}

/** From active only: a tenant already deleted stays so. */
export async function setTenantDeleting(tx: ControlDb, tenantId: string): Promise<void> {
  await tx.kysely
    .updateTable('tenants')
    .set((eb) => ({ status: 'deleting', updated_at: eb.fn('now') }))
    .where('id', '=', tenantId)
    .where('status', '=', 'active')
    .execute();
}

export async function setTenantDeleted(tx: ControlDb, tenantId: string): Promise<void> {
  await tx.kysely
    .updateTable('tenants')
    .set((eb) => ({ status: 'deleted', updated_at: eb.fn('now') }))
    .where('id', '=', tenantId)
    .execute();
}

/**
 * Drops the tenant's schema and adds how many tables it had to the deletion's
 * counts, in one transaction, so a retry after a crash neither drops twice
 * nor loses the count. DDL on the control handle: the count and the drop
 * must commit together; the schema is the one the checked TenantDb names.
 */
export async function dropTenantSchemaCounted(control: ControlDb, tenant: TenantDb, deletionId: string): Promise<void> {
  await control.transaction(async (tx) => {
    const [found] = await tx.query<{ tables: number }>(
      'select count(*)::int as tables from information_schema.tables where table_schema = $1',
      [tenant.schema],
    );
    await tx.query(`drop schema if exists ${quoteTenantSchema(tenant.schema)} cascade`);
    await addErasedCounts(tx, deletionId, { tables: found?.tables ?? 0 });
  });
}

// ---- api_keys ----

export type NewApiKeyRow = Pick<
  Insertable<ControlRows.ApiKeys>,
  'id' | 'tenant_id' | 'kind' | 'name' | 'prefix' | 'secret_hash' | 'scopes' | 'ip_allowlist' | 'allowed_origins'
>;

export async function insertApiKeyRow(control: ControlDb, row: NewApiKeyRow): Promise<void> {
  await control.kysely.insertInto('api_keys').values(row).execute();
}

/** The unrevoked key of an active tenant with this secret hash, and the tenant's schema. */
export async function activeKeyBySecretHash(control: ControlDb, secretHash: string) {
  return control.kysely
    .selectFrom('api_keys as k')
    .innerJoin('tenants as t', 't.id', 'k.tenant_id')
    .select(['k.id', 'k.tenant_id', 't.schema_name', 'k.kind', 'k.scopes', 'k.ip_allowlist', 'k.allowed_origins'])
    .where('k.secret_hash', '=', secretHash)
    .where('k.revoked_at', 'is', null)
    .where('t.status', '=', 'active')
    .executeTakeFirst();
}

export type ActiveKeyRow = NonNullable<Awaited<ReturnType<typeof activeKeyBySecretHash>>>;

/** Revokes every key of the tenant still working; how many. */
export async function revokeTenantKeys(tx: ControlDb, tenantId: string): Promise<number> {
  const revoked = await tx.kysely
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn('now') }))
    .where('tenant_id', '=', tenantId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  return revoked.length;
}

export async function tenantKeySecretHashes(control: ControlDb, tenantId: string): Promise<string[]> {
  const rows = await control.kysely.selectFrom('api_keys').select('secret_hash').where('tenant_id', '=', tenantId).execute();
  return rows.map((row) => row.secret_hash);
}

export async function tenantKeyIds(control: ControlDb, tenantId: string): Promise<string[]> {
  const rows = await control.kysely.selectFrom('api_keys').select('id').where('tenant_id', '=', tenantId).execute();
  return rows.map((row) => row.id);
}

// ---- audit_log ----

export type NewAuditRow = Pick<Insertable<ControlRows.AuditLog>, 'tenant_id' | 'actor' | 'key_id' | 'operation' | 'outcome'>;

export async function insertAuditRows(control: ControlDb, rows: readonly NewAuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await control.kysely.insertInto('audit_log').values([...rows]).execute();
}

/** The tenant's entries, newest first, before the id `before` when given. */
export async function auditEntries(control: ControlDb, tenantId: string, page: { first: number; before?: number }) {
  let query = control.kysely
    .selectFrom('audit_log')
    .select(['id', 'actor', 'key_id as keyId', 'operation', 'outcome', 'at'])
    .where('tenant_id', '=', tenantId);
  if (page.before !== undefined) query = query.where('id', '<', page.before);
  return query.orderBy('id', 'desc').limit(page.first).execute();
}

export type AuditEntryRow = Awaited<ReturnType<typeof auditEntries>>[number];

// ---- tenant_deletions ----

const DELETION_COLUMNS = ['id', 'tenant_id', 'status', 'erased', 'requested_at', 'completed_at', 'error'] as const;

/** One request per tenant: asking again keeps the first. */
export async function insertTenantDeletion(tx: ControlDb, deletion: { id: string; tenantId: string }): Promise<void> {
  await tx.kysely
    .insertInto('tenant_deletions')
    .values({ id: deletion.id, tenant_id: deletion.tenantId })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
}

/** A failed request goes back to the queue. */
export async function requeueFailedDeletion(tx: ControlDb, tenantId: string): Promise<void> {
  await tx.kysely
    .updateTable('tenant_deletions')
    .set({ status: 'QUEUED', error: null })
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'FAILED')
    .execute();
}

export async function deletionOfTenant(control: ControlDb, tenantId: string) {
  return control.kysely.selectFrom('tenant_deletions').select(DELETION_COLUMNS).where('tenant_id', '=', tenantId).executeTakeFirst();
}

export async function deletionById(control: ControlDb, id: string) {
  return control.kysely.selectFrom('tenant_deletions').select(DELETION_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export type TenantDeletionRow = NonNullable<Awaited<ReturnType<typeof deletionById>>>;

export async function markDeletionRunning(tx: ControlDb, deletionId: string): Promise<void> {
  await tx.kysely.updateTable('tenant_deletions').set({ status: 'RUNNING' }).where('id', '=', deletionId).where('status', '=', 'QUEUED').execute();
}

export async function markDeletionCompleted(tx: ControlDb, deletionId: string): Promise<void> {
  await tx.kysely
    .updateTable('tenant_deletions')
    .set((eb) => ({ status: 'COMPLETED', completed_at: eb.fn('now'), error: null }))
    .where('id', '=', deletionId)
    .execute();
}

/** A completed request stays completed. */
export async function markDeletionFailed(control: ControlDb, deletionId: string, error: string): Promise<void> {
  await control.kysely
    .updateTable('tenant_deletions')
    .set({ status: 'FAILED', error })
    .where('id', '=', deletionId)
    .where('status', '<>', 'COMPLETED')
    .execute();
}

/** Adds to the request's counts by kind; a resumed offboarding adds what it removed to what the first run did. */
export async function addErasedCounts(control: ControlDb, deletionId: string, counts: Readonly<Record<string, number>>): Promise<void> {
  // A key-wise sum of two JSON objects: jsonb_each_text has no builder form.
  await control.query(
    `update control.tenant_deletions d
        set erased = d.erased || (select coalesce(jsonb_object_agg(c.key, coalesce((d.erased ->> c.key)::bigint, 0) + c.value::bigint), '{}')
                                    from jsonb_each_text($2::jsonb) c)
      where d.id = $1`,
    [deletionId, JSON.stringify(counts)],
  );
}

// ---- a tenant's dropped-event counters ----

/** The per-UTC-day counters of events dropped before storage. */
export type DroppedEventsTable = 'bot_events' | 'suppressed_events';

/** Adds `count` to today's (UTC) row of the counter. */
export async function addDroppedEvents(db: TenantDb, table: DroppedEventsTable, count: number): Promise<void> {
  await db.kysely
    .insertInto(table)
    .values({ day: sql<Date>`(now() at time zone 'utc')::date`, count })
    .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ count: eb(eb.ref(`${table}.count`), '+', eb.ref('excluded.count')) })))
    .execute();
}

/** The counter's sum over the UTC days that overlap `from` (inclusive) to `to` (exclusive). */
export async function droppedEventsSum(db: TenantDb, table: DroppedEventsTable, range: { from?: Date; to?: Date }): Promise<number> {
  let query = db.kysely.selectFrom(table).select((eb) => eb.cast<number>(eb.fn.coalesce(eb.fn.sum('count'), eb.lit(0)), 'integer').as('n'));
  if (range.from !== undefined) query = query.where('day', '>=', sql<Date>`(${range.from}::timestamptz at time zone 'utc')::date`);
  if (range.to !== undefined) query = query.where(sql<Date>`day::timestamp at time zone 'utc'`, '<', range.to);
  const row = await query.executeTakeFirstOrThrow();
  return row.n;
}
