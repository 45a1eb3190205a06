import type { Logger } from '../platform/logging/logger.js';
import type { ProcessControl } from '../platform/lifecycle/run-process.js';
import type { Database } from '../platform/postgres/database.js';
import { tenantMigrations } from '../schema/migrations/tenant/tenant-migrations.js';
import { connectTemporalWorker, type TemporalEndpoint } from './temporal-endpoint.js';
import { startWorker } from './worker.js';

/** A worker inside a process: registered for shutdown, and a worker that dies takes the process down with it. */
export async function startWorkerProcess(deps: {
  endpoint: TemporalEndpoint;
  db: Database;
  log: Logger;
  started: ProcessControl['started'];
  stopAll: ProcessControl['stopAll'];
}): Promise<void> {
  const connection = await connectTemporalWorker(deps.endpoint);
  deps.started(() => connection.close());
  const worker = await startWorker({
    connection,
    namespace: deps.endpoint.namespace,
    taskQueue: deps.endpoint.taskQueue,
    db: deps.db,
    tenantMigrations,
    log: deps.log,
  });
  deps.started(() => worker.shutdown());
  worker.done.catch((error: unknown) => {
    deps.log.error('temporal worker stopped', { error });
    process.exitCode = 1;
    void deps.stopAll().then(() => process.exit(1));
  });
}
