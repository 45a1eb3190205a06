import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createLogger, type Logger } from '../../platform/logging/logger.js';
import type { TenantMigration } from '../../schema/migrations/migration.js';
import type { CompanyHomepageSettings } from '../../modules/enrichment/providers/company-homepage.provider.js';
import { connectTemporalWorker } from '../../workflows/temporal-endpoint.js';
import { startWorker, type RunningWorker } from '../../workflows/worker.js';
import { workerDeps } from '../../composition/worker-process.js';
import type { TestGateway } from './test-gateway.js';

let runtimeInstalled = false;

/**
 * A Temporal worker in the test process, on the gateway's services and task
 * queue, built as production builds it (`worker-process.ts`); `homepage`
 * points the homepage provider at a local server.
 */
export async function startTestWorker(
  gateway: TestGateway,
  opts: { homepage?: CompanyHomepageSettings; tenantMigrations?: readonly TenantMigration[]; log?: Logger } = {},
): Promise<RunningWorker & { close(): Promise<void> }> {
  if (!runtimeInstalled) {
    // The SDK's own log (bundling, state changes) only when something goes wrong.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const { config, services } = gateway;
  const connection = await connectTemporalWorker({ address: config.TEMPORAL_ADDRESS ?? '', namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, tls: false });
  const worker = await startWorker(
    workerDeps({
      connection,
      endpoint: { namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE },
      config,
      services,
      log: opts.log ?? createLogger({ level: 'error' }),
      ...(opts.homepage ? { homepage: opts.homepage } : {}),
      ...(opts.tenantMigrations ? { tenantMigrations: opts.tenantMigrations } : {}),
    }),
  );
  return {
    ...worker,
    async close() {
      await worker.shutdown();
      await connection.close();
    },
  };
}
