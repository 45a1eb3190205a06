import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { MigrateTenantSchema } from '../../tenants/provisioning/tenant-schema-migration.js';
import { activeTenantSchemasPage } from '../../tenants/tenants.repository.js';

export function createMigrateTenantsActivities(deps: { control: ControlDb; migrateTenantSchema: MigrateTenantSchema }) {
  return {
    listTenantSchemas(page: { after: string | null; limit: number }): Promise<string[]> {
      return activeTenantSchemasPage(deps.control, page);
    },

    /** Idempotent: a retried or replayed activity finds the migrations applied and does nothing. */
    async migrateTenantSchema(schema: string): Promise<string[]> {
      return [...(await deps.migrateTenantSchema(schema))];
    },
  };
}

export type MigrateTenantsActivities = ReturnType<typeof createMigrateTenantsActivities>;
