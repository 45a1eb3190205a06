import { loadAdminToken } from '../api/admin-token.js';
import { loadConfigOrExit } from '../platform/config/config.js';
import { bringUpEndpoints } from './local-endpoints.js';
import { connectServices, migrateEverything } from './services.js';
import { startGateway } from '../api/server.js';
import { runProcess } from '../platform/lifecycle/run-process.js';
import { createLogger } from '../platform/logging/logger.js';
import { startWorkerProcess } from './worker-process.js';

/**
 * `npm start`: everything on one machine. Brings up what is not configured,
 * migrates, runs the gateway and a worker, and stops all of it on Ctrl-C.
 */
const config = loadConfigOrExit(process.env);
const log = createLogger({ level: config.LOG_LEVEL });

await runProcess(log, async ({ started, stopAll }) => {
  const endpoints = await bringUpEndpoints(config, log);
  started(() => endpoints.stop());
  const services = await connectServices({ config, endpoints, log, applicationName: 'leadgraph' });
  started(() => services.close());
  await migrateEverything(services, config, log);

  await startWorkerProcess({ endpoint: endpoints.temporal, config, services, log, started, stopAll });

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
});
