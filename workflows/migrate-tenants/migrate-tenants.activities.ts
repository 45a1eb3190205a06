import type { Database } from '../../platform/postgres/database.js';
import type { TenantMigration } from '../../schema/migrations/migration.js';
import { migrateTenant } from '../../schema/migrator.js';

export function createMigrateTenantsActivities(deps: { db: Database; tenantMigrations: readonly TenantMigration[] }) {
  return {
    async listTenantSchemas(page: { after: string | null; limit: number }): Promise<string[]> {
      const rows = await deps.db.query<{ schema_name: string }>(
        `select schema_name from control.tenants
          where status = 'active' and ($1::text is null or schema_name > $1)
          order by schema_name limit $2`,
        [page.after, page.limit],
      );
      return rows.map((row) => row.schema_name);
    },

    /** Idempotent: a retried or replayed activity finds the migrations applied and does nothing. */
    async migrateTenantSchema(schema: string): Promise<string[]> {
      return [...(await migrateTenant(deps.db, schema, deps.tenantMigrations)).applied];
    },
  };
}

export type MigrateTenantsActivities = ReturnType<typeof createMigrateTenantsActivities>;
