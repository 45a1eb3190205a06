import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Logger } from '../platform/logging/logger.js';
import type { Database } from '../platform/postgres/database.js';
import type { TenantMigration } from '../schema/migrations/migration.js';
import { createMigrateTenantsActivities } from './migrate-tenants/migrate-tenants.activities.js';

export interface WorkerDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly db: Database;
  readonly tenantMigrations: readonly TenantMigration[];
  readonly log: Logger;
}

export interface RunningWorker {
  /** Settles when the worker stops; rejects if it failed. */
  readonly done: Promise<void>;
  shutdown(): Promise<void>;
}

export function createActivities(deps: WorkerDeps) {
  return { ...createMigrateTenantsActivities(deps) };
}

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const worker = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    activities: createActivities(deps),
  });
  const done = worker.run();
  deps.log.info('temporal worker running', { taskQueue: deps.taskQueue, namespace: deps.namespace });
  return {
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
