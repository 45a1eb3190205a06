import { proxyActivities } from '@temporalio/workflow';
import type { MigrateTenantsActivities } from './migrate-tenants.activities.js';

const { listTenantSchemas, migrateTenantSchema } = proxyActivities<MigrateTenantsActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

export interface MigrateTenantsResult {
  readonly tenants: number;
  readonly migrated: number;
}

/**
 * Brings every tenant schema to the newest tenant migration after a deploy,
 * a page at a time and `concurrency` tenants at once, surviving worker restarts.
 */
export async function migrateTenantsWorkflow(opts: { concurrency: number; pageSize: number }): Promise<MigrateTenantsResult> {
  let tenants = 0;
  let migrated = 0;
  let after: string | null = null;
  for (;;) {
    const page: string[] = await listTenantSchemas({ after, limit: opts.pageSize });
    if (page.length === 0) break;
    for (let i = 0; i < page.length; i += opts.concurrency) {
      const applied = await Promise.all(page.slice(i, i + opts.concurrency).map((schema) => migrateTenantSchema(schema)));
      migrated += applied.filter((names) => names.length > 0).length;
    }
    tenants += page.length;
    after = page[page.length - 1] ?? null;
  }
  return { tenants, migrated };
}
