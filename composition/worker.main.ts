import { loadConfigOrExit } from '../platform/config/config.js';
import { connectServices, temporalEndpoint } from './services.js';
import { runProcess } from '../platform/lifecycle/run-process.js';
import { createLogger } from '../platform/logging/logger.js';
import { startWorkerProcess } from './worker-process.js';
import { warnIfLedgerUnguarded } from '../modules/credits/ledger-guard.js';

/** `npm run worker`: one Temporal worker of a deployment; run as many as the work needs. */
const config = loadConfigOrExit(process.env);
const log = createLogger({ level: config.LOG_LEVEL });

await runProcess(log, async ({ started, stopAll }) => {
  if (config.DATABASE_URL === undefined || config.TEMPORAL_ADDRESS === undefined) {
    throw new Error('npm run worker needs DATABASE_URL and TEMPORAL_ADDRESS (npm start brings up embedded ones)');
  }
  const endpoint = temporalEndpoint(config, config.TEMPORAL_ADDRESS);
  const services = await connectServices({
    config,
    endpoints: { databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, temporal: endpoint },
    log,
    applicationName: 'leadgraph-worker',
  });
  started(() => services.close());
  // The worker charges credits too; the gateway migrates, so it may start before the ledger exists.
  await warnIfLedgerUnguarded(services.control, log);
  await startWorkerProcess({ endpoint, config, services, log, started, stopAll });
});
