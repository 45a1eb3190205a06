import { z } from 'zod';
import { startBenchServices, type BenchServices } from './bench-services.js';
import { benchEnrichment } from './enrichment.bench.js';
import { benchErasure } from './erasure.bench.js';
import { benchDefaultEnrichment } from './default-enrichment.bench.js';
import { PrivilegedPortError } from './local-internet.js';
import { benchGateway } from './gateway.bench.js';
import { benchIngest } from './ingest.bench.js';
import { benchIpLookup } from './ip-lookup.bench.js';
import { benchSegments } from './segments.bench.js';

/**
 * `npm run bench`: every figure is reported beside a baseline measured in the
 * same run, so the ratios hold across machines where the absolute numbers don't.
 * BENCH_ONLY=gateway|ip|ingest|enrichment|default-enrichment|segments|erasure (or a comma-separated list) runs only those.
 */
function positiveInt(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const BENCHES = ['gateway', 'ip', 'ingest', 'enrichment', 'default-enrichment', 'segments', 'erasure'] as const;
const only = process.env['BENCH_ONLY']?.split(',').map((name) => name.trim());
const unknown = only?.filter((name) => !(BENCHES as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')}; expected ${BENCHES.join(', ')}`);
const runs = (name: (typeof BENCHES)[number]) => only === undefined || only.includes(name);

const seconds = positiveInt('BENCH_SECONDS', 10);
const connections = positiveInt('BENCH_CONNECTIONS', 50);
const ingestConnections = positiveInt('BENCH_INGEST_CONNECTIONS', 100);
const batchSize = positiveInt('BENCH_BATCH_SIZE', 50);
const enrichmentConcurrency = positiveInt('BENCH_ENRICHMENT_CONCURRENCY', 20);
// Per run, on a fresh tenant: under the homepage provider's 120 calls a minute, so the figure is latency, not that limit.
const defaultEnrichments = positiveInt('BENCH_DEFAULT_ENRICHMENTS', 100);
const segmentsLoadConnections = positiveInt('BENCH_SEGMENTS_LOAD_CONNECTIONS', 50);
// Where the segments benchmark processes the log: in the gateway's process, or in a worker process of its own.
const segmentsProcessor = z.enum(['in-gateway', 'own-process']).parse(process.env['BENCH_SEGMENTS_PROCESSOR'] ?? 'in-gateway');
const visitors = 10_000;
const fmt = (n: number) => n.toFixed(n < 10 ? 2 : 0);
const thousands = (n: number) => n.toLocaleString('en-US');

// Ingestion's own rate limit would otherwise refuse the load before the store sees it.
const bench: BenchServices | undefined =
  runs('gateway') || runs('ingest') ? await startBenchServices({ INGEST_RATE_LIMIT_PER_MINUTE: '100000000' }) : undefined;
try {
  const lines = [
    `LeadGraph benchmarks — node ${process.version}, 2 × ${seconds}s per target (A-B-B-A)${bench === undefined ? '' : `, coordination: ${bench.services.coordination.kind}`}`,
    '',
  ];
  if (bench !== undefined && runs('gateway')) {
    const g = await benchGateway(bench, { connections, seconds });
    lines.push(
      `Gateway throughput, query { tenant { credits { balance } } }, ${connections} connections`,
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
    );
  }
  if (bench !== undefined && runs('ingest')) {
    const i = await benchIngest(bench, { connections: ingestConnections, seconds, batchSize, visitors });
    const refusals = Object.entries(i.refusals).map(([reason, n]) => `${n} × ${reason}`);
    lines.push(
      `Ingestion, Segment HTTP API, ${ingestConnections} connections, ${thousands(visitors)} returning visitors (A-B-C-C-B-A); acknowledged on the durable append to the log, processed behind it`,
      `  bare node:http, reads the body, answers 200 (baseline)   ${fmt(i.bare.requestsPerSecond)} req/s   p50 ${i.bare.p50Ms} ms   p99 ${i.bare.p99Ms} ms`,
      `  /v1/track, 1 event a request     ${fmt(i.track.committedPerSecond)} committed events/s   ${fmt(i.track.requestsPerSecond)} req/s   ack p50 ${i.track.p50Ms} ms   p99 ${i.track.p99Ms} ms`,
      `  /v1/batch, ${batchSize} events a request   ${fmt(i.batch.committedPerSecond)} committed events/s   ${fmt(i.batch.requestsPerSecond)} req/s   ack p50 ${i.batch.p50Ms} ms   p99 ${i.batch.p99Ms} ms`,
      `  ratio committed events/s / baseline req/s   track ${(i.track.committedPerSecond / i.bare.requestsPerSecond).toFixed(2)}   batch ${(i.batch.committedPerSecond / i.bare.requestsPerSecond).toFixed(2)}`,
      `  processed behind the log (from the load's start to its last message): track ${fmt(i.track.processedPerSecond)} events/s, drained ${i.track.drainSeconds.toFixed(1)} s after the load, backlog at most ${fmt(i.track.maxBacklog)}; batch ${fmt(i.batch.processedPerSecond)} events/s, drained ${i.batch.drainSeconds.toFixed(1)} s after, backlog at most ${fmt(i.batch.maxBacklog)}`,
      ...i.batch.cpu.map(
        (c, run) =>
          `  batch run ${run + 1}, CPU per 1,000 messages: append ${fmt(c.append.gatewayMs)} ms gateway + ${fmt(c.append.postgresMs)} ms PostgreSQL; process ${fmt(c.process.gatewayMs)} ms gateway + ${fmt(c.process.postgresMs)} ms PostgreSQL; at these costs the cores allow ${fmt(c.appendCeiling)} appended events/s with nothing processed, ${fmt(c.sustainedCeiling)} appended and processed`,
      ),
      '  (goal 40,000 committed events/s of /v1/batch: 1.5 × rudder-server v1.80.2 measured on this machine, 25,415-29,715)',
      `  non-2xx or errors: track ${i.track.non2xx + i.track.errors}, batch ${i.batch.non2xx + i.batch.errors}, baseline ${i.bare.non2xx + i.bare.errors}; duplicates ${i.duplicates}; answered 200 but not appended ${i.unconfirmed}; appended but never processed ${i.unprocessed}`,
      ...(refusals.length === 0 ? [] : [`  refusals: ${refusals.join('; ')}`]),
      '',
    );
  }
  if (runs('enrichment')) {
    // Its own services: a Temporal server, a worker and a local vendor besides the gateway.
    const e = await benchEnrichment({ concurrency: enrichmentConcurrency, seconds });
    const goalMet = e.enrichment.p95Ms < 1000;
    lines.push(
      `Enrichment, enrichLead until the lead's new score reaches a leadScored subscriber (fields and company written, rescored, published), ${enrichmentConcurrency} concurrent, vendor answering in 50 ms, coordination: ${e.coordination}`,
      `  vendor alone, GET /v2/companies/find (baseline)   ${fmt(e.vendor.perSecond)} req/s   p50 ${fmt(e.vendor.p50Ms)} ms   p95 ${fmt(e.vendor.p95Ms)} ms   p99 ${fmt(e.vendor.p99Ms)} ms`,
      `  enrichLead → leadScored message                  ${fmt(e.enrichment.perSecond)} enrichments/s   p50 ${fmt(e.enrichment.p50Ms)} ms   p95 ${fmt(e.enrichment.p95Ms)} ms   p99 ${fmt(e.enrichment.p99Ms)} ms`,
      `  ratio p95 enrichment / vendor                     ${(e.enrichment.p95Ms / e.vendor.p95Ms).toFixed(2)}`,
      `  goal p95 < 1000 ms: ${goalMet ? 'met' : 'not met'}   (Clearbit's uncached lookups take 5 to 10 s)`,
      `  failures: enrichment ${e.enrichment.failures}, baseline ${e.vendor.failures}`,
      `  single-flight, ${e.sharedDomain.leads} concurrent enrichLead of leads sharing one domain: ${e.sharedDomain.vendorRequests} vendor request(s) (expect 1), all ${e.sharedDomain.failures === 0 ? 'rescored' : 'settled'} in ${fmt(e.sharedDomain.wallMs)} ms, failures ${e.sharedDomain.failures}`,
      '',
    );
  }
  const d = runs('default-enrichment')
    ? // Issue 13: a new tenant's default waterfall, its outside parties local servers with internet latency.
      await benchDefaultEnrichment({ concurrency: enrichmentConcurrency, enrichments: defaultEnrichments }).catch((error: unknown) => {
        if (!(error instanceof PrivilegedPortError)) throw error;
        lines.push(`Enrichment, default providers: skipped, ${error.message}`, '');
        return undefined;
      })
    : undefined;
  if (d !== undefined) {
    const latency = (l: { perSecond: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number }) =>
      `${fmt(l.perSecond)}/s   p50 ${fmt(l.p50Ms)} ms   p95 ${fmt(l.p95Ms)} ms   p99 ${fmt(l.p99Ms)} ms   max ${fmt(l.maxMs)} ms`;
    lines.push(
      `Enrichment, default providers (${d.waterfall.join(' → ')}), ${defaultEnrichments} enrichLead of business-email leads at distinct domains a run, ${enrichmentConcurrency} concurrent, until the new score reaches a leadScored subscriber, coordination: ${d.coordination}`,
      `  local DNS answering in ${d.latency.dnsMs} ms, local HTTPS homepages (${(d.homepageParse.bytes / 1024).toFixed(0)} KB) first byte in ${d.latency.homepageFirstByteMs[0]}–${d.latency.homepageFirstByteMs[1]} ms`,
      `  outside parties alone, in the waterfall's order (floor)   ${latency(d.outside)}`,
      `  one local vendor answering at once (platform baseline)    ${latency(d.vendor)}`,
      `  default providers: enrichLead → leadScored message        ${latency(d.enrichment)}`,
      `  ratio p95 default / floor ${(d.enrichment.p95Ms / d.outside.p95Ms).toFixed(2)}   default / platform baseline ${(d.enrichment.p95Ms / d.vendor.p95Ms).toFixed(2)}`,
      `  goal p95 < 1000 ms: ${d.enrichment.p95Ms < 1000 ? 'met' : 'not met'}`,
      // Little's law on the homepage gate: N in flight through c slots each held for t take at least N·t/c.
      `  homepage gate, every tenant: ${d.homepageGate.concurrency} at once, ${d.homepageGate.perMinute} a minute; ${enrichmentConcurrency} in flight through it take at least ${fmt((enrichmentConcurrency * ((d.outsideSteps.find((step) => step.step.startsWith('company homepage'))?.meanMs ?? 0) + d.homepageParse.p50Ms)) / d.homepageGate.concurrency)} ms each (a slot held for the fetch and the parse); past ${d.homepageGate.perMinute} leads a minute, a minute's wait`,
      `  homepage parse and technology detection in-process: p50 ${fmt(d.homepageParse.p50Ms)} ms   p95 ${fmt(d.homepageParse.p95Ms)} ms`,
      `  where the time goes (first default run, mean / p95 per enrichment):`,
      ...d.profile.map((p) => `    ${p.phase.padEnd(84)} ${fmt(p.meanMs).padStart(6)} / ${fmt(p.p95Ms).padStart(6)} ms`),
      `  the floor's steps, mean per lead: ${d.outsideSteps.map((step) => `${step.step} ${fmt(step.meanMs)} ms`).join('; ')}`,
      `  CPU per enrichment (ms), platform baseline → default: ${d.cpu.enrichment
        .map((c) => `${c.part} ${fmt(d.cpu.vendor.find((v) => v.part === c.part)?.ms ?? 0)} → ${fmt(c.ms)}`)
        .join('; ')}`,
      `  homepage requests served ${d.homepageRequests.served} (expected ${d.homepageRequests.expected}: one per lead enriched and per floor lookup)`,
      `  a lead enriched: ${d.sample.name}, mail ${d.sample.mailProvider}, ${d.sample.technologies} technologies, ${d.sample.employees} employees`,
      `  failures: default ${d.enrichment.failures}, platform baseline ${d.vendor.failures}, floor ${d.outside.failures}${[d.enrichment, d.vendor, d.outside].map((l) => l.firstError).filter((e) => e !== undefined).map((e) => ` (first: ${e})`)[0] ?? ''}`,
      '',
    );
  }
  if (runs('segments')) {
    // Its own services: a Temporal server (a windowed segment's schedule) besides the gateway.
    const s = await benchSegments({ connections: segmentsLoadConnections, seconds, batchSize, visitors, processor: segmentsProcessor });
    const m = s.membership;
    const c = s.count;
    const latency = (l: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; samples: number }) =>
      `p50 ${fmt(l.p50Ms)} ms   p95 ${fmt(l.p95Ms)} ms   p99 ${fmt(l.p99Ms)} ms   max ${fmt(l.maxMs)} ms   (${l.samples} samples)`;
    lines.push(
      `Segments, a new visitor's /pricing page view (POST /v1/page, one every 50 ms) until its segmentMembership ENTERED at a graphql-ws subscriber, coordination: ${s.coordination}`,
      `  beside the ingestion load on the same tenant: /v1/batch of ${batchSize} events, ${segmentsLoadConnections} connections, ${thousands(visitors)} returning visitors (${fmt(s.loadEventsPerSecond.baseline)} / ${fmt(s.loadEventsPerSecond.target)} events/s accepted in baseline / target runs)`,
      `  /v1/page answered 200, no subscriber (baseline)   ${latency(s.ingestOnly)}`,
      `  /v1/page answered 200, with the subscriber        ${latency(s.ingestWithSubscriber)}`,
      `  page view → segmentMembership message            ${latency(m)}, ${m.missing} missing`,
      `  ratio p95 message / baseline                     ${(m.p95Ms / s.ingestOnly.p95Ms).toFixed(2)}`,
      `  goal p95 < 250 ms: ${m.p95Ms < 250 ? 'met' : 'not met'}`,
      `  bulk lane: the load's leads all evaluated ${(s.bulkBacklogMs / 1000).toFixed(1)} s after the load stopped (longest of the runs)`,
      `  failures: page views not answered 200 ${s.failures.ingest}, subscription errors ${s.failures.subscription}${s.failures.firstSubscriptionError === undefined ? '' : ` (first: ${s.failures.firstSubscriptionError})`}`,
      '',
      `Segment count over ${thousands(c.leads)} leads (${thousands(c.companies)} companies, ${thousands(c.events)} events by SQL), median of 5`,
      `  select count(*) from leads, services.db (baseline)             ${fmt(c.baselineMs)} ms`,
      `  segment { count }, /pricing viewed within 14 days              ${fmt(c.pricing.ms)} ms   ${thousands(c.pricing.count)} leads   ratio ${(c.pricing.ms / c.baselineMs).toFixed(1)}`,
      `  segment { count }, US companies of 50 to 500 employees         ${fmt(c.firmographic.ms)} ms   ${thousands(c.firmographic.count)} leads   ratio ${(c.firmographic.ms / c.baselineMs).toFixed(1)}`,
      `  createSegment of the /pricing rule (its backfill), once        ${fmt(c.backfillMs)} ms`,
      '',
    );
  }
  if (runs('erasure')) {
    // Its own services: Temporal and a worker for the deletion workflow besides the database.
    const r = await benchErasure({ events: 10_000, sessions: 50 });
    const ms = (values: readonly number[]) => values.map((v) => fmt(v)).join(', ');
    const mean = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
    lines.push(
      `Erasure of a person with ${thousands(r.events)} events and ${r.sessions} sessions (${thousands(r.rows)} rows by its receipt), runs B-A-A-B`,
      `  one SQL statement deleting the same events, sessions, identity and lead (baseline)   ${ms(r.baselineMs)} ms`,
      `  requestDeletion → completed receipt readable                                          ${ms(r.receiptMs)} ms`,
      `    of which the workflow, receipt's startedAt → completedAt                             ${ms(r.workflowMs)} ms   (a 2 s settle between its two passes included)`,
      `  ratio receipt / baseline (means)   ${(mean(r.receiptMs) / mean(r.baselineMs)).toFixed(0)}`,
      '',
    );
  }
  if (runs('ip')) {
    const ip = await benchIpLookup({ lookups: 2_000_000 });
    lines.push(
      'IP → organisation (one core, 90% IPv4, 10% IPv6)',
      `  parse only (baseline)   ${(ip.baselinePerSecond / 1e6).toFixed(2)} M/s`,
      `  lookup                  ${(ip.lookupsPerSecond / 1e6).toFixed(2)} M/s   ratio ${ip.ratio.toFixed(2)}   (goal 1 M/s; maxmind reader: 0.215 M/s)`,
      `  dataset: loaded in ${ip.loadMs.toFixed(0)} ms, heap ${(ip.heapBytesForDataset / 2 ** 20).toFixed(1)} MiB, RSS ${(ip.rssBytesForDataset / 2 ** 20).toFixed(1)} MiB`,
      '',
    );
  }
  process.stdout.write(lines.join('\n'));
} finally {
  await bench?.close();
}
