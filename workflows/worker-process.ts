import type { Config } from '../api/config.js';
import type { PlatformServices } from '../api/platform-services.js';
import type { Logger } from '../platform/logging/logger.js';
import type { ProcessControl } from '../platform/lifecycle/run-process.js';
import { tenantMigrations } from '../schema/migrations/tenant/tenant-migrations.js';
import { providerCatalogFromConfig } from './enrichment/enrichment-runtime.js';
import { createReenrichSchedules } from './enrichment/reenrich-schedule.js';
import { connectTemporalWorker, type TemporalEndpoint } from './temporal-endpoint.js';
import { startWorker } from './worker.js';

export type WorkerServices = Pick<PlatformServices, 'db' | 'coordination' | 'ledger' | 'networkCompanies' | 'secrets' | 'temporalClient'>;

/** A worker inside a process: registered for shutdown, and a worker that dies takes the process down with it. */
export async function startWorkerProcess(deps: {
  endpoint: TemporalEndpoint;
  config: Config;
  services: WorkerServices;
  log: Logger;
  started: ProcessControl['started'];
  stopAll: ProcessControl['stopAll'];
}): Promise<void> {
  const { config, services } = deps;
  const connection = await connectTemporalWorker(deps.endpoint);
  deps.started(() => connection.close());
  const worker = await startWorker({
    connection,
    namespace: deps.endpoint.namespace,
    taskQueue: deps.endpoint.taskQueue,
    db: services.db,
    tenantMigrations,
    log: deps.log,
    ledger: services.ledger,
    coordination: services.coordination,
    catalog: providerCatalogFromConfig(config, services),
    client: services.temporalClient,
    batchConcurrency: config.ENRICHMENT_BATCH_CONCURRENCY,
  });
  deps.started(() => worker.shutdown());
  worker.done.catch((error: unknown) => {
    deps.log.error('temporal worker stopped', { error });
    process.exitCode = 1;
    void deps.stopAll().then(() => process.exit(1));
  });
  // Tenants made before schedules existed, or whose schedule could not be made at creation, get theirs now.
  void ensureAllSchedules(deps).catch((error: unknown) => deps.log.warn('re-enrichment schedules not ensured', { error }));
}

async function ensureAllSchedules(deps: { endpoint: TemporalEndpoint; config: Config; services: WorkerServices; log: Logger }): Promise<void> {
  const schedules = createReenrichSchedules({
    client: deps.services.temporalClient,
    taskQueue: deps.endpoint.taskQueue,
    batchConcurrency: deps.config.ENRICHMENT_BATCH_CONCURRENCY,
  });
  const tenants = await deps.services.db.query<{ tenantId: string; schema: string }>(
    `select id as "tenantId", schema_name as schema from control.tenants where status = 'active' order by id`,
  );
  let created = 0;
  for (const tenant of tenants) if (await schedules.ensure(tenant)) created += 1;
  if (created > 0) deps.log.info('re-enrichment schedules created', { created });
}
