import { loadAdminToken } from './admin-token.js';
import { loadConfigOrExit } from './config.js';
import { bringUpEndpoints } from './local-endpoints.js';
import { connectServices, migrateEverything } from './platform-services.js';
import { startGateway } from './server.js';
import { createLogger } from '../platform/logging/logger.js';
import { tenantMigrations } from '../schema/migrations/tenant/tenant-migrations.js';
import { connectTemporalWorker } from '../workflows/temporal-endpoint.js';
import { startWorker } from '../workflows/worker.js';

/**
 * `npm start`: everything on one machine. Brings up what is not configured,
 * migrates, runs the gateway and a worker, and stops all of it on Ctrl-C.
 */
const config = loadConfigOrExit(process.env);
const log = createLogger({ level: config.LOG_LEVEL });
const shutdown: Array<() => Promise<void>> = [];
let stopping: Promise<void> | undefined;

/** Stops what was started, newest first; a second signal waits for the first stop. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const step of [...shutdown].reverse()) {
      await step().catch((error: unknown) => log.error('shutdown step failed', { error }));
    }
  })();
  return stopping;
}

/**
 * Ctrl-C can come while services are still starting: the start then unwinds
 * after its current step, stopping what it brought up, instead of the process
 * dying and leaving the embedded PostgreSQL and Temporal running.
 */
class Interrupted extends Error {}
let interrupted: NodeJS.Signals | undefined;
let running = false;
/** Registers how to stop what was just started; ends the start here if a signal came meanwhile. */
function started(stop: () => Promise<void>): void {
  shutdown.push(stop);
  if (interrupted !== undefined) throw new Interrupted(interrupted);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stdout.write(`\n${signal}: stopping…\n`);
    interrupted ??= signal;
    if (running) void stopAll().then(() => process.exit(process.exitCode ?? 0));
  });
}

try {
  const endpoints = await bringUpEndpoints(config, log);
  started(() => endpoints.stop());
  const services = await connectServices({ config, endpoints, log, applicationName: 'leadgraph' });
  started(() => services.close());
  await migrateEverything(services, config, log);

  const workerConnection = await connectTemporalWorker(endpoints.temporal);
  started(() => workerConnection.close());
  const worker = await startWorker({
    connection: workerConnection,
    namespace: endpoints.temporal.namespace,
    taskQueue: endpoints.temporal.taskQueue,
    db: services.db,
    tenantMigrations,
    log,
  });
  started(() => worker.shutdown());
  worker.done.catch((error: unknown) => {
    log.error('temporal worker stopped', { error });
    process.exitCode = 1;
    void stopAll();
  });

  const admin = await loadAdminToken({ configured: config.ADMIN_TOKEN, dataDir: config.DATA_DIR });
  const gateway = await startGateway({ config, adminToken: admin.token, log, ...services }, { host: config.HOST, port: config.PORT });
  started(() => gateway.close());

  const lines = [
    '',
    'LeadGraph is running.',
    ...endpoints.started.map((line) => `  started: ${line}`),
    `  GraphQL:       ${gateway.url}/graphql   (subscriptions: ws${gateway.url.slice(4)}/graphql)`,
    `  health:        ${gateway.url}/healthz   ${gateway.url}/readyz   ${gateway.url}/metrics`,
    `  admin token:   ${admin.token}${admin.generated ? '   (new; kept in ' + config.DATA_DIR + '/admin-token)' : ''}`,
    '',
    `  Create a tenant:`,
    `  curl -s ${gateway.url}/graphql -H 'authorization: Bearer ${admin.token}' -H 'content-type: application/json' \\`,
    `    -d '{"query":"mutation { createTenant(input: {name: \\"Acme\\", credits: 1000}) { tenant { id } secretKey publishableKey } }"}'`,
    '',
    'Ctrl-C stops everything started here.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  running = true;
} catch (error) {
  if (!(error instanceof Interrupted)) log.error('start failed', { error });
  await stopAll();
  process.exit(error instanceof Interrupted ? (process.exitCode ?? 0) : 1);
}
