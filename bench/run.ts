import { startBenchServices } from './bench-services.js';
import { benchGateway } from './gateway.bench.js';
import { benchIpLookup } from './ip-lookup.bench.js';

/**
 * `npm run bench`: every figure is reported beside a baseline measured in the
 * same run, so the ratios hold across machines where the absolute numbers don't.
 */
const seconds = Number(process.env['BENCH_SECONDS'] ?? 10);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 50);
const bench = await startBenchServices();
try {
  const g = await benchGateway(bench, { connections, seconds });
  const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  const lines = [
    `LeadGraph benchmarks — node ${process.version}, 2 × ${seconds}s per target (A-B-B-A), ${connections} connections, coordination: ${bench.services.coordination.kind}`,
    '',
    'Gateway throughput, query { tenant { credits { balance } } }',
    `  bare graphql-js over node:http (baseline)   ${fmt(g.bare.requestsPerSecond)} req/s   p50 ${g.bare.p50Ms} ms   p99 ${g.bare.p99Ms} ms`,
    `  LeadGraph gateway (auth, limits, Apollo)    ${fmt(g.gateway.requestsPerSecond)} req/s   p50 ${g.gateway.p50Ms} ms   p99 ${g.gateway.p99Ms} ms`,
    `  ratio gateway / baseline                    ${(g.gateway.requestsPerSecond / g.bare.requestsPerSecond).toFixed(2)}`,
    `  non-2xx or errors: gateway ${g.gateway.non2xx + g.gateway.errors}, baseline ${g.bare.non2xx + g.bare.errors}`,
    '',
    'Key resolution (sk_ → tenant context)',
    `  cache hit    p50 ${fmt(g.keyHit.p50Us)} µs   p99 ${fmt(g.keyHit.p99Us)} µs`,
    `  cache miss   p50 ${fmt(g.keyMiss.p50Us)} µs   p99 ${fmt(g.keyMiss.p99Us)} µs   (PostgreSQL lookup, the baseline)`,
    `  ratio miss / hit (p50)  ${(g.keyMiss.p50Us / g.keyHit.p50Us).toFixed(0)}x`,
    '',
  ];
  const ip = await benchIpLookup({ lookups: 2_000_000 });
  lines.push(
    'IP → organisation (one core, 90% IPv4, 10% IPv6)',
    `  parse only (baseline)   ${(ip.baselinePerSecond / 1e6).toFixed(2)} M/s`,
    `  lookup                  ${(ip.lookupsPerSecond / 1e6).toFixed(2)} M/s   ratio ${ip.ratio.toFixed(2)}   (goal 1 M/s; maxmind reader: 0.215 M/s)`,
    `  dataset: loaded in ${ip.loadMs.toFixed(0)} ms, heap ${(ip.heapBytesForDataset / 2 ** 20).toFixed(1)} MiB, RSS ${(ip.rssBytesForDataset / 2 ** 20).toFixed(1)} MiB`,
    '',
  );
  process.stdout.write(lines.join('\n'));
} finally {
  await bench.close();
}
