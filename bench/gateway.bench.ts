import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { graphql } from 'graphql';
import { buildGatewaySchema } from '../api/graphql/build-schema.js';
import type { GatewayContext } from '../api/graphql/gateway-context.js';
import { createGatewayResolvers, startGateway } from '../api/server.js';
import { createLogger } from '../platform/logging/logger.js';
import { createKeyResolver } from '../tenants/api-keys/key-resolver.js';
import { SCOPES } from '../tenants/api-keys/scopes.js';
import type { BenchServices } from './bench-services.js';
import { load, meanOf, type LoadResult } from './load.js';
import { percentile } from './latencies.js';

const QUERY = '{ tenant { credits { balance } } }';

export interface GatewayBenchResult {
  readonly gateway: LoadResult;
  readonly bare: LoadResult;
  readonly keyHit: { p50Us: number; p99Us: number };
  readonly keyMiss: { p50Us: number; p99Us: number };
}

function percentiles(samples: number[]): { p50Us: number; p99Us: number } {
  samples.sort((a, b) => a - b);
  return { p50Us: percentile(samples, 0.5), p99Us: percentile(samples, 0.99) };
}

async function time(times: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const start = process.hrtime.bigint();
    await work();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return samples;
}

/**
 * The whole gateway (auth, context, rate limit, query limits, audit and
 * metrics plugins, Apollo) against the same schema and resolvers executed by
 * bare graphql-js behind node:http, in one run on one machine.
 */
export async function benchGateway(bench: BenchServices, opts: { connections: number; seconds: number }): Promise<GatewayBenchResult> {
  const { services, config } = bench;
  const created = await services.provisioning.createTenant({ name: 'Bench', credits: 1000 });
  if (!created.ok) throw new Error(JSON.stringify(created.problem));
  const tenant = created.value;

  const gateway = await startGateway(
    { config, adminToken: 'adm_bench_token_not_used_by_anyone', log: createLogger({ level: 'error' }), ...services },
    { host: '127.0.0.1', port: 0 },
  );

  const schema = await buildGatewaySchema(createGatewayResolvers(services, 'http://localhost'), services.coordination.pubsub);
  const bare = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { query } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string };
      const contextValue: GatewayContext = {
        requestId: 'bench',
        principal: {
          kind: 'tenant',
          tenant: { tenantId: tenant.tenantId, schema: tenant.schema, keyId: 'bench', scopes: SCOPES, ipAllowlist: [], em: services.orm.em.fork({ schema: tenant.schema }), db: services.tenantDbs.ofResolved(tenant) },
        },
      };
      void graphql({ schema, source: query, contextValue }).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      });
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/graphql`;

  const body = JSON.stringify({ query: QUERY });
  const target = { method: 'POST' as const, body, connections: opts.connections, seconds: opts.seconds };
  const gatewayHeaders = { 'content-type': 'application/json', authorization: `Bearer ${tenant.secretKey}` };
  // Warm both (JIT, pools, key cache), then measure each in turn.
  await load({ ...target, seconds: 2, url: `${gateway.url}/graphql`, headers: gatewayHeaders });
  await load({ ...target, seconds: 2, url: bareUrl, headers: { 'content-type': 'application/json' } });
  // A-B-B-A order, averaged, so neither side gains from running later on a warmer machine.
  const runBare = () => load({ ...target, url: bareUrl, headers: { 'content-type': 'application/json' } });
  const runGateway = () => load({ ...target, url: `${gateway.url}/graphql`, headers: gatewayHeaders });
  const bare1 = await runBare();
  const gateway1 = await runGateway();
  const gateway2 = await runGateway();
  const bare2 = await runBare();
  const bareResult = meanOf(bare1, bare2);
  const gatewayResult = meanOf(gateway1, gateway2);

  const warm = createKeyResolver({ control: services.control, pubsub: services.coordination.pubsub, ttlMs: 3_600_000, now: Date.now });
  await warm.resolve(tenant.secretKey);
  const keyHit = percentiles(await time(100_000, () => warm.resolve(tenant.secretKey)));
  // A clock that jumps an hour at every reading: every entry has expired by its next lookup.
  let clock = 0;
  const cold = createKeyResolver({ control: services.control, pubsub: services.coordination.pubsub, ttlMs: 1, now: () => (clock += 3_600_000) });
  const keyMiss = percentiles(await time(2_000, () => cold.resolve(tenant.secretKey)));

  await new Promise<void>((resolve) => bare.close(() => resolve()));
  await gateway.close();
  return { gateway: gatewayResult, bare: bareResult, keyHit, keyMiss };
}
