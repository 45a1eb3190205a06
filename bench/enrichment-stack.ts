import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startGateway } from '../api/server.js';
import { findFreePort } from '../platform/embedded/free-port.js';
import { findTemporalCli, startTemporalDevServer } from '../platform/embedded/temporal-dev-server.js';
import { createLogger } from '../platform/logging/logger.js';
import { startVendorServer, type VendorServer } from '../test/support/vendor-server.js';
import { connectTemporalWorker } from '../workflows/temporal-endpoint.js';
import { startWorker } from '../workflows/worker.js';
import { workerDeps } from '../composition/worker-process.js';
import { startBenchServices, type BenchServices } from './bench-services.js';
import { spawnWorker } from '../test/support/worker-child.js';
import { once } from 'node:events';

export interface EnrichmentStack {
  readonly gatewayUrl: string;
  readonly adminToken: string;
  readonly vendor: VendorServer;
  readonly coordinationKind: string;
  /** The gateway's services (its Temporal client reads workflow histories for a profile). */
  readonly services: BenchServices['services'];
  close(): Promise<void>;
}

/**
 * Everything an enrichment needs, as production composes it: Temporal
 * (TEMPORAL_ADDRESS, else a dev server from the Temporal CLI), the bench
 * services on their own task queue, the gateway, a worker process of its own,
 * and a local Clearbit-like vendor answering every lookup after `vendorDelayMs`.
 */
export async function startEnrichmentStack(opts: {
  vendorDelayMs: number;
  /** More configuration of the gateway and worker (where the default providers' outside parties are). */
  config?: Readonly<Record<string, string>>;
  /** More environment of the worker process (a CA it trusts); such a stack needs Redis. */
  workerEnv?: Readonly<Record<string, string>>;
}): Promise<EnrichmentStack> {
  const stops: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    let temporalAddress = process.env['TEMPORAL_ADDRESS'];
    if (!temporalAddress) {
      const binary = findTemporalCli(process.env['TEMPORAL_CLI']);
      const temporal = await startTemporalDevServer({ binary, port: await findFreePort(), namespace: 'default', log: () => undefined });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
    }

    const vendor = await startVendorServer({ key: `sk_live_${randomBytes(8).toString('hex')}`, delayMs: opts.vendorDelayMs });
    stops.push(() => vendor.close());

    // The vendor is a plain-http server on this machine: a local target, allowed only when asked for.
    const bench = await startBenchServices({
      NODE_ENV: 'development',
      ALLOW_LOCAL_OUTBOUND: 'true',
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `enrich-bench-${randomBytes(4).toString('hex')}`,
      ...opts.config,
    });
    stops.push(() => bench.close());
    const { config, services } = bench;

    const log = createLogger({ level: 'error' });
    const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
    const gateway = await startGateway({ config, adminToken, log, ...services }, { host: '127.0.0.1', port: 0 });
    stops.push(() => gateway.close());

    // The SDK's own log (bundling, state changes) only when something goes wrong.
    if (services.coordination.kind === 'redis') {
      // A worker process of its own, as a deployment runs it: the gateway's and the
      // worker's event loops each get a core, and scores reach the gateway through Redis.
      const worker = await spawnWorker(bench, opts.workerEnv);
      stops.push(async () => {
        worker.kill('SIGTERM');
        if (worker.exitCode === null) await once(worker, 'exit');
      });
    } else {
      if (opts.workerEnv !== undefined) throw new Error('this benchmark needs REDIS_URL: its worker runs in a process of its own, with its own environment');
      // Without Redis the worker's changes could not reach the gateway's subscribers: it runs in this process.
      Runtime.install({ logger: new DefaultLogger('WARN') });
      const connection = await connectTemporalWorker({ address: temporalAddress, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, tls: false });
      stops.push(() => connection.close());
      const worker = await startWorker(
        workerDeps({ connection, endpoint: { namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE }, config, services, log }),
      );
      stops.push(() => worker.shutdown());
    }

    return { gatewayUrl: gateway.url, adminToken, vendor, coordinationKind: services.coordination.kind, services, close };
  } catch (error) {
    await close();
    throw error;
  }
}
