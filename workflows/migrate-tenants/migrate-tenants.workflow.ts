import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { MigrateTenantsActivities } from './migrate-tenants.activities.js';

const { listTenantSchemas, migrateTenantSchema } = proxyActivities<MigrateTenantsActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

export interface MigrateTenantsInput {
  readonly concurrency: number;
  readonly pageSize: number;
  /** Carried across continue-as-new: where the previous run stopped and what it counted. */
  readonly after?: string | null;
  readonly tenants?: number;
  readonly migrated?: number;
}

export interface MigrateTenantsResult {
  readonly tenants: number;
  readonly migrated: number;
}

/**
 * Brings every tenant schema to the newest tenant migration after a deploy,
 * `concurrency` tenants at once, surviving worker restarts. Each page starts
 * a fresh run (continue-as-new), so the history stays small for any number
 * of tenants.
 */
export async function migrateTenantsWorkflow(input: MigrateTenantsInput): Promise<MigrateTenantsResult> {
  let tenants = input.tenants ?? 0;
  let migrated = input.migrated ?? 0;
  const page = await listTenantSchemas({ after: input.after ?? null, limit: input.pageSize });
  if (page.length === 0) return { tenants, migrated };
  for (let i = 0; i < page.length; i += input.concurrency) {
    const applied = await Promise.all(page.slice(i, i + input.concurrency).map((schema) => migrateTenantSchema(schema)));
    migrated += applied.filter((names) => names.length > 0).length;
  }
  tenants += page.length;
  if (page.length < input.pageSize) return { tenants, migrated };
  return continueAsNew<typeof migrateTenantsWorkflow>({ ...input, after: page[page.length - 1] ?? null, tenants, migrated });
}
