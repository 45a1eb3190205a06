import { hasWindowedSegment } from '../modules/segments/segments.repository.js';
import type { Config } from '../platform/config/config.js';
import type { PlatformServices } from './services.js';
import type { Logger } from '../platform/logging/logger.js';
import type { ProcessControl } from '../platform/lifecycle/run-process.js';
import { tenantMigrations } from '../schema/migrations/tenant/tenant-migrations.js';
import { migrateTenant } from '../schema/migrator.js';
import { providerCatalogFromConfig } from '../workflows/enrichment/enrichment-runtime.js';
import { createTenantSchedules } from '../workflows/tenant-schedules.js';
import { connectTemporalWorker, type TemporalEndpoint } from '../workflows/temporal-endpoint.js';
import { startWorker, type WorkerDeps } from '../workflows/worker.js';
import type { NativeConnection } from '@temporalio/worker';
import type { TenantMigration } from '../schema/migrations/migration.js';
import type { CompanyHomepageSettings } from '../modules/enrichment/providers/company-homepage.provider.js';
import { activeTenants, isTenantActive } from '../tenants/tenant-status.js';
import { sweepStrandedDeliveries } from '../modules/webhooks/stranded-deliveries.js';
import { ensurePixelHostSchedule } from '../workflows/pixel-hosts/pixel-host-schedule.js';
import { ensurePeeringDbSchedule } from '../workflows/peeringdb/peeringdb-schedule.js';
import { ensureReservationSweepSchedule } from '../workflows/credits/release-reservations-schedule.js';

/** How often a worker looks for webhook deliveries recorded but never handed to their workflow. */
const STRANDED_SWEEP_EVERY_MS = 60_000;

export type WorkerServices = Pick<
  PlatformServices,
  | 'db'
  | 'control'
  | 'tenantDbs'
  | 'coordination'
  | 'ledger'
  | 'networkCompanies'
  | 'secrets'
  | 'dataKeys'
  | 'requestSubjects'
  | 'payloadCodec'
  | 'hashKeys'
  | 'outbound'
  | 'temporalClient'
  | 'leadChanges'
  | 'webhooks'
  | 'webhookDispatcher'
  | 'keys'
  | 'sites'
  | 'pixelHosts'
  | 'asnTable'
  | 'geoLookup'
>;

/**
 * What a worker runs on, from the process's services: one place, so `npm run
 * worker`, `npm start`, the tests and the benchmarks build the same worker.
 * `homepage` points the homepage provider elsewhere (a test's local server).
 */
export function workerDeps(opts: {
  connection: NativeConnection;
  endpoint: Pick<TemporalEndpoint, 'namespace' | 'taskQueue'>;
  config: Config;
  services: WorkerServices;
  log: Logger;
  homepage?: CompanyHomepageSettings;
  tenantMigrations?: readonly TenantMigration[];
}): WorkerDeps {
  const { config, services } = opts;
  return {
    connection: opts.connection,
    namespace: opts.endpoint.namespace,
    taskQueue: opts.endpoint.taskQueue,
    control: services.control,
    tenantDbs: services.tenantDbs,
    migrateTenantSchema: async (schema) => (await migrateTenant(services.db, schema, opts.tenantMigrations ?? tenantMigrations)).applied,
    log: opts.log,
    ledger: services.ledger,
    coordination: services.coordination,
    catalog: providerCatalogFromConfig(config, { ...services, ...(opts.homepage ? { homepage: opts.homepage } : {}) }),
    client: services.temporalClient,
    leadChanges: services.leadChanges,
    batchConcurrency: config.ENRICHMENT_BATCH_CONCURRENCY,
    secrets: services.secrets,
    dataKeys: services.dataKeys,
    requestSubjects: services.requestSubjects,
    payloadCodec: services.payloadCodec,
    hashKeys: services.hashKeys,
    outbound: services.outbound,
    webhooks: services.webhooks,
    webhookDispatcher: services.webhookDispatcher,
    revocations: services.keys,
    sites: services.sites,
    pixelHosts: services.pixelHosts,
    peeringDb: config.PEERINGDB_URL === undefined ? undefined : { url: config.PEERINGDB_URL, apiKey: config.PEERINGDB_API_KEY },
  };
}

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
  const worker = await startWorker(workerDeps({ connection, endpoint: deps.endpoint, config, services, log: deps.log }));
  deps.started(() => worker.shutdown());
  worker.done.catch((error: unknown) => {
    deps.log.error('temporal worker stopped', { error });
    process.exitCode = 1;
    void deps.stopAll().then(() => process.exit(1));
  });
  // Tenants made before schedules existed, or whose schedules could not be made at the time, get theirs now.
  void ensureAllSchedules(deps).catch((error: unknown) => deps.log.warn('re-enrichment schedules not ensured', { error }));
  const sweep = sweepStrandedDeliveries({
    control: services.control,
    tenantDbs: services.tenantDbs,
    dispatcher: services.webhookDispatcher,
    log: deps.log,
    everyMs: STRANDED_SWEEP_EVERY_MS,
  });
  deps.started(() => sweep.stop());
}

async function ensureAllSchedules(deps: { endpoint: TemporalEndpoint; config: Config; services: WorkerServices; log: Logger }): Promise<void> {
  const schedules = createTenantSchedules({
    client: deps.services.temporalClient,
    taskQueue: deps.endpoint.taskQueue,
    batchConcurrency: deps.config.ENRICHMENT_BATCH_CONCURRENCY,
    tenantIsActive: (tenantId) => isTenantActive(deps.services.control, tenantId),
  });
  const tenants = await activeTenants(deps.services.control);
  let created = 0;
  for (const tenant of tenants) {
    if (await schedules.ensure(tenant)) created += 1;
    if ((await hasWindowedSegment(deps.services.tenantDbs.ofResolved(tenant))) && (await schedules.ensureSegmentWindows(tenant))) created += 1;
  }
  if (created > 0) deps.log.info('re-enrichment schedules created', { created });
  await ensurePixelHostSchedule({
    client: deps.services.temporalClient,
    taskQueue: deps.endpoint.taskQueue,
    everyMinutes: deps.config.PIXEL_HOST_RECHECK_MINUTES,
    graceChecks: deps.config.PIXEL_HOST_GRACE_CHECKS,
  });
  await ensurePeeringDbSchedule({
    client: deps.services.temporalClient,
    taskQueue: deps.endpoint.taskQueue,
    configured: deps.config.PEERINGDB_URL !== undefined,
    everyHours: deps.config.PEERINGDB_SYNC_HOURS,
  });
  await ensureReservationSweepSchedule({
    client: deps.services.temporalClient,
    taskQueue: deps.endpoint.taskQueue,
    everyMinutes: deps.config.CREDIT_RESERVATION_SWEEP_MINUTES,
  });
}
