import type { Sql } from '../platform/postgres/database.js';

/** Whether the tenant is served: made and not being (or already) offboarded. */
export async function isTenantActive(sql: Sql, tenantId: string): Promise<boolean> {
  return (await sql.query('select 1 from control.tenants where id = $1 and status = $2', [tenantId, 'active'])).length > 0;
}

/** Every served tenant with its schema, in id order: for sweeps that visit each one. */
export async function activeTenants(sql: Sql): Promise<Array<{ tenantId: string; schema: string }>> {
  return sql.query<{ tenantId: string; schema: string }>(`select id as "tenantId", schema_name as schema from control.tenants where status = 'active' order by id`);
}
