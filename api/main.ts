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

try {
  const endpoints = await bringUpEndpoints(config, log);
  shutdown.push(() => endpoints.stop());
  const services = await connectServices({ config, endpoints, log, applicationName: 'leadgraph' });
  shutdown.push(() => services.close());
  await migrateEverything(services, config, log);

  const workerConnection = await connectTemporalWorker(endpoints.temporal);
  shutdown.push(() => workerConnection.close());
  const worker = await startWorker({
    connection: workerConnection,
    namespace: endpoints.temporal.namespace,
    taskQueue: endpoints.temporal.taskQueue,
    db: services.db,
    tenantMigrations,
    log,
  });
  shutdown.push(() => worker.shutdown());
  worker.done.catch((error: unknown) => {
    log.error('temporal worker stopped', { error });
    process.exitCode = 1;
    void stopAll();
  });

  const admin = await loadAdminToken({ configured: config.ADMIN_TOKEN, dataDir: config.DATA_DIR });
  const gateway = await startGateway({ config, adminToken: admin.token, log, ...services }, { host: config.HOST, port: config.PORT });
  shutdown.push(() => gateway.close());

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
} catch (error) {
  log.error('start failed', { error });
  await stopAll();
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stdout.write(`\n${signal}: stopping…\n`);
    void stopAll().then(() => process.exit(process.exitCode ?? 0));
  });
}
