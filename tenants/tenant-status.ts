import type { Sql } from '../platform/postgres/database.js';

/** Whether the tenant is served: made and not being (or already) offboarded. */
export async function isTenantActive(sql: Sql, tenantId: string): Promise<boolean> {
  return (await sql.query('select 1 from control.tenants where id = $1 and status = $2', [tenantId, 'active'])).length > 0;
}
