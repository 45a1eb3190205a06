/**
 * The tracking settings module's tables: the tenant's `settings` row (its
 * white-label collection) and the control schema's `pixel_hosts` (every
 * tenant's claims of hosts and their proofs).
 */
import { sql, type Selectable, type Updateable } from 'kysely';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { ControlRows, TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';

// ---- The tenant's settings (one row)

/** What the retention workflow reads of the settings: how addresses are kept, and each personal store's window. */
export const RETENTION_COLUMNS = [
  'ip_storage',
  'event_retention_days',
  'session_retention_days',
  'webhook_delivery_retention_days',
  'vendor_body_retention_days',
  'consent_retention_days',
  'export_retention_days',
] as const;

const SETTINGS_COLUMNS = ['script_path', 'global_name', 'cookie_name', 'require_consent', ...RETENTION_COLUMNS, 'updated_at'] as const;

export type SettingsRow = Pick<Selectable<TenantRows.Settings>, (typeof SETTINGS_COLUMNS)[number]>;
export type SettingsChanges = Pick<Updateable<TenantRows.Settings>, Exclude<(typeof SETTINGS_COLUMNS)[number], 'updated_at'>>;

/** The row; undefined only for a schema not (yet) made. */
export async function trackingSettings(db: TenantDb): Promise<SettingsRow | undefined> {
  return db.kysely.selectFrom('settings').select(SETTINGS_COLUMNS).executeTakeFirst();
}

/** Changes the columns given, leaves the others, and answers the row as it now is. */
export async function updateTrackingSettings(db: TenantDb, changes: SettingsChanges): Promise<SettingsRow> {
  return db.kysely
    .updateTable('settings')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .returning(SETTINGS_COLUMNS)
    .executeTakeFirstOrThrow();
}

// ---- Pixel hosts (control schema)

const CLAIM_COLUMNS = ['host', 'status', 'origin', 'token', 'proven_by', 'verified_at', 'last_checked_at', 'failed_checks', 'last_check_error'] as const;

export type ClaimRow = Pick<Selectable<ControlRows.PixelHosts>, (typeof CLAIM_COLUMNS)[number]>;

export async function pixelHostClaim(control: ControlDb, tenantId: string, host: string): Promise<ClaimRow | undefined> {
  return control.kysely.selectFrom('pixel_hosts').select(CLAIM_COLUMNS).where('tenant_id', '=', tenantId).where('host', '=', host).executeTakeFirst();
}

export async function pixelHostClaims(control: ControlDb, tenantId: string): Promise<ClaimRow[]> {
  return control.kysely.selectFrom('pixel_hosts').select(CLAIM_COLUMNS).where('tenant_id', '=', tenantId).orderBy('host').execute();
}

export async function activePixelHostsOf(control: ControlDb, tenantId: string): Promise<string[]> {
  const rows = await control.kysely
    .selectFrom('pixel_hosts')
    .select('host')
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'active')
    .orderBy('host')
    .execute();
  return rows.map((row) => row.host);
}

/** The tenants the host is active for (one at most: a unique index says so). */
export async function tenantsServedByHost(control: ControlDb, host: string): Promise<string[]> {
  const rows = await control.kysely.selectFrom('pixel_hosts').select('tenant_id').where('host', '=', host).where('status', '=', 'active').execute();
  return rows.map((row) => row.tenant_id);
}

/** How many hosts the tenant holds (pending ones too), and whether `host` is one. */
export async function pixelHostsHeld(control: ControlDb, tenantId: string, host: string): Promise<{ count: number; mine: boolean }> {
  const row = await control.kysely
    .selectFrom('pixel_hosts')
    .select((eb) => [eb.fn.countAll<number>().as('count'), eb.fn<boolean | null>('bool_or', [eb('host', '=', host)]).as('mine')])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), mine: row.mine === true };
}

/** A pending claim with its token; a claim the tenant holds already is left as it is. */
export async function insertPixelHostClaim(control: ControlDb, claim: { host: string; tenantId: string; token: string }): Promise<void> {
  await control.kysely
    .insertInto('pixel_hosts')
    .values({ host: claim.host, tenant_id: claim.tenantId, status: 'pending', origin: 'tenant', token: claim.token })
    .onConflict((oc) => oc.columns(['host', 'tenant_id']).doNothing())
    .execute();
}

/** A check that proved nothing (`error` says why) or, with null, nothing to say. */
export async function recordPixelHostCheck(control: ControlDb, tenantId: string, host: string, error: string | null): Promise<void> {
  await control.kysely
    .updateTable('pixel_hosts')
    .set({ last_checked_at: sql<Date>`now()`, last_check_error: error })
    .where('tenant_id', '=', tenantId)
    .where('host', '=', host)
    .execute();
}

/** A pending claim proven: active. Throws a unique violation when another tenant's claim of the host is active. */
export async function activatePixelHost(control: ControlDb, tenantId: string, host: string, provenBy: 'TXT' | 'CNAME'): Promise<void> {
  await control.kysely
    .updateTable('pixel_hosts')
    .set({
      status: 'active',
      proven_by: provenBy,
      verified_at: sql<Date>`now()`,
      last_checked_at: sql<Date>`now()`,
      failed_checks: 0,
      last_check_error: null,
    })
    .where('tenant_id', '=', tenantId)
    .where('host', '=', host)
    .where('status', '=', 'pending')
    .execute();
}

/** An active claim proven again: its count of failed checks back to 0. */
export async function keepPixelHost(control: ControlDb, tenantId: string, host: string, provenBy: 'TXT' | 'CNAME'): Promise<void> {
  await control.kysely
    .updateTable('pixel_hosts')
    .set({ last_checked_at: sql<Date>`now()`, failed_checks: 0, last_check_error: null, proven_by: provenBy })
    .where('tenant_id', '=', tenantId)
    .where('host', '=', host)
    .execute();
}

/**
 * An active claim's proof not found: one more failed check, and back to
 * pending at `graceChecks` in a row. The status after, or undefined when the
 * claim was not active.
 */
export async function failPixelHostCheck(
  control: ControlDb,
  check: { tenantId: string; host: string; error: string; graceChecks: number },
): Promise<string | undefined> {
  const lapses = sql<boolean>`failed_checks + 1 >= ${check.graceChecks}`;
  const row = await control.kysely
    .updateTable('pixel_hosts')
    .set((eb) => ({
      failed_checks: eb('failed_checks', '+', 1),
      last_checked_at: sql<Date>`now()`,
      last_check_error: check.error,
      status: sql<string>`case when ${lapses} then 'pending' else status end`,
      verified_at: sql<Date | null>`case when ${lapses} then null else verified_at end`,
    }))
    .where('tenant_id', '=', check.tenantId)
    .where('host', '=', check.host)
    .where('status', '=', 'active')
    .returning('status')
    .executeTakeFirst();
  return row?.status;
}

/** The statuses of the claims removed (none when the tenant held no such claim). */
export async function deletePixelHostClaim(control: ControlDb, tenantId: string, host: string): Promise<string[]> {
  const rows = await control.kysely.deleteFrom('pixel_hosts').where('host', '=', host).where('tenant_id', '=', tenantId).returning('status').execute();
  return rows.map((row) => row.status);
}

/** Active hosts tenants proved, in (host, tenant) order after `after`. */
export async function tenantProvenHosts(
  control: ControlDb,
  page: { tenantId?: string | undefined; after?: { host: string; tenantId: string } | undefined; limit: number },
): Promise<Array<{ host: string; tenantId: string }>> {
  const { tenantId, after } = page;
  const rows = await control.kysely
    .selectFrom('pixel_hosts')
    .select(['host', 'tenant_id'])
    .where('status', '=', 'active')
    .where('origin', '=', 'tenant')
    .$if(tenantId !== undefined, (qb) => qb.where('tenant_id', '=', tenantId ?? ''))
    .$if(after !== undefined, (qb) => qb.where((eb) => eb(eb.refTuple('host', 'tenant_id'), '>', eb.tuple(after?.host ?? '', after?.tenantId ?? ''))))
    .orderBy('host')
    .orderBy('tenant_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => ({ host: row.host, tenantId: row.tenant_id }));
}

/** Hosts among `hosts` already serving a tenant (tenant provisioning refuses them). */
export async function activePixelHostsAmong(control: ControlDb, hosts: readonly string[]): Promise<string[]> {
  if (hosts.length === 0) return [];
  const rows = await control.kysely.selectFrom('pixel_hosts').select('host').where('host', 'in', hosts).where('status', '=', 'active').execute();
  return rows.map((row) => row.host);
}

/** A host the operator gave at tenant creation: the operator's word is the proof, so active at once and never re-checked. */
export async function insertOperatorPixelHost(control: ControlDb, host: string, tenantId: string): Promise<void> {
  await control.kysely
    .insertInto('pixel_hosts')
    .values({ host, tenant_id: tenantId, status: 'active', origin: 'operator', verified_at: sql<Date>`now()` })
    .execute();
}

/** Removes every pixel host of the tenant (offboarding); how many. */
export async function deleteTenantPixelHosts(control: ControlDb, tenantId: string): Promise<number> {
  const rows = await control.kysely.deleteFrom('pixel_hosts').where('tenant_id', '=', tenantId).returning('host').execute();
  return rows.length;
}

// ---- Reads of the tenants module's table

/** An active tenant's schema and pixel-signing secret. */
export async function activeTenantSite(control: ControlDb, tenantId: string) {
  return control.kysely
    .selectFrom('tenants')
    .select(['id', 'schema_name', 'pixel_secret'])
    .where('id', '=', tenantId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}
