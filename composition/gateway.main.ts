import { loadAdminToken } from '../api/admin-token.js';
import { loadConfigOrExit } from '../platform/config/config.js';
import { connectServices, migrateEverything, temporalEndpoint } from './services.js';
import { startGateway } from '../api/server.js';
import { runProcess } from '../platform/lifecycle/run-process.js';
import { createLogger } from '../platform/logging/logger.js';

/**
 * `npm run gateway`: one gateway of a deployment, against configured
 * services only. Run as many as needed behind a load balancer.
 */
const config = loadConfigOrExit(process.env);
const log = createLogger({ level: config.LOG_LEVEL });

await runProcess(log, async ({ started }) => {
  if (config.DATABASE_URL === undefined || config.TEMPORAL_ADDRESS === undefined) {
    throw new Error('npm run gateway needs DATABASE_URL and TEMPORAL_ADDRESS (npm start brings up embedded ones)');
  }
  if (config.REDIS_URL === undefined) log.warn('no REDIS_URL: in-process coordination, correct for a single gateway only');
  const endpoints = { databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, temporal: temporalEndpoint(config, config.TEMPORAL_ADDRESS) };
  const services = await connectServices({ config, endpoints, log, applicationName: 'leadgraph-gateway' });
  started(() => services.close());
  // Advisory locks make this safe when several gateways start at once.
  await migrateEverything(services, config, log);
  const admin = await loadAdminToken({ configured: config.ADMIN_TOKEN, dataDir: config.DATA_DIR });
  const gateway = await startGateway({ config, adminToken: admin.token, log, ...services }, { host: config.HOST, port: config.PORT });
  started(() => gateway.close());
  log.info('gateway listening', { url: gateway.url });
});
