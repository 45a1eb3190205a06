import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Logger } from '../../platform/logging/logger.js';
import { startDnsServer, type DnsServer, type DnsTable } from './dns-server.js';
import { startTestGateway, testConfig, type TestGateway } from './test-gateway.js';
import { startTestWorker } from './test-worker.js';
import { startVendorServer, type VendorServer } from './vendor-server.js';

export interface EnrichmentStack {
  readonly gateway: TestGateway;
  readonly worker: Awaited<ReturnType<typeof startTestWorker>>;
  /** Present when asked for with `dns`: the resolver of email verification and the DNS provider. */
  readonly dns: DnsServer | undefined;
  /** Present when asked for with `vendor`: a Clearbit-like vendor on this machine. */
  readonly vendor: VendorServer | undefined;
  close(): Promise<void>;
}

/**
 * What an enrichment test runs on: a gateway, a worker on its own task queue of
 * the real Temporal server, and the outside parties it asks for, as local servers
 * speaking their real protocols. The API's rate limit is lifted: tests poll jobs.
 */
export async function startEnrichmentStack(opts: {
  name: string;
  dns?: DnsTable;
  vendor?: { delayMs?: number };
  config?: Record<string, string>;
  /** Where the gateway and the worker log (a test that reads what the platform logs); the configured level to stderr else. */
  log?: Logger;
}): Promise<EnrichmentStack> {
  const stops: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const dns = opts.dns === undefined ? undefined : await startDnsServer(opts.dns);
    if (dns !== undefined) stops.push(() => dns.close());
    const vendor =
      opts.vendor === undefined ? undefined : await startVendorServer({ key: `sk_live_${randomBytes(8).toString('hex')}`, ...opts.vendor });
    if (vendor !== undefined) stops.push(() => vendor.close());
    const gateway = await startTestGateway({
      config: testConfig({
        TEMPORAL_TASK_QUEUE: `${opts.name}-${randomBytes(4).toString('hex')}`,
        RATE_LIMIT_PER_MINUTE: '1000000',
        ...(dns === undefined ? {} : { ENRICHMENT_DNS_SERVERS: `127.0.0.1:${dns.port}`, ENRICHMENT_DNS_TIMEOUT_MS: '500' }),
        ...opts.config,
      }),
      ...(opts.log === undefined ? {} : { log: opts.log }),
    });
    stops.push(() => gateway.close());
    const worker = await startTestWorker(gateway, opts.log === undefined ? {} : { log: opts.log });
    stops.push(() => worker.close());
    return { gateway, worker, dns, vendor, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The stack for one test file: started before its tests, closed after; `started` hands its parts to the file. */
export function withEnrichmentStack(opts: Parameters<typeof startEnrichmentStack>[0], started: (stack: EnrichmentStack) => void): void {
  let stack: EnrichmentStack | undefined;
  beforeAll(async () => {
    stack = await startEnrichmentStack(opts);
    started(stack);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);
}
