import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { startGateway } from '../api/server.js';
import { findFreePort } from '../platform/embedded/free-port.js';
import { findTemporalCli, startTemporalDevServer } from '../platform/embedded/temporal-dev-server.js';
import { createLogger } from '../platform/logging/logger.js';
import type { Database } from '../platform/postgres/database.js';
import { loadUnderWay, newestEvent, startBackgroundLoad } from './background-load.js';
import { spawnWorker } from '../test/support/worker-child.js';
import { startBenchServices, type BenchServices } from './bench-services.js';
import type { IngestLoadOptions } from './ingest-load.js';
import { leadsOfVisitors, sampleEvery, sendPricingView, subscribeToMembership, type MembershipSubscriber, type PageViewSample } from './membership-probe.js';
import { COUNT_COMPANIES, COUNT_EVENTS, COUNT_LEADS, medianOf, seedCountTenant } from './segment-count.js';
import { percentile } from './latencies.js';

export type ProcessorLayout = 'in-gateway' | 'own-process';

const SAMPLE_EVERY_MS = 50;
// The load runs this much longer than the sampler, so its process's start-up never eats the sampled window.
const LOAD_SLACK_SECONDS = 5;
// After the pipeline is drained, how long a message may still take to reach the subscriber before it is missing.
const MESSAGE_GRACE_MS = 5_000;
const PRICING_RULE = { event: 'page_view', where: { path: '/pricing' }, count: { gte: 1 }, within: 'P14D' };
const FIRMOGRAPHIC_RULE = {
  all: [
    { field: 'company.country', op: 'eq', value: 'US' },
    { field: 'company.employees', op: 'between', value: [50, 500] },
  ],
};

export interface LatencySummary {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface SegmentsBenchResult {
  readonly coordination: string;
  /** The baseline: the page views answered 200 with no subscriber, beside the load. */
  readonly ingestOnly: LatencySummary;
  /** The same, in the target runs. */
  readonly ingestWithSubscriber: LatencySummary;
  /** From sending a page view to its ENTERED message at the subscriber; missing: answered 200, never told. */
  readonly membership: LatencySummary & { readonly missing: number };
  /** Page views not answered 200 (all runs), subscription errors (warm-up included). */
  readonly failures: { readonly ingest: number; readonly subscription: number; readonly firstSubscriptionError: string | undefined };
  /** Events the background load had accepted per second, in the baseline and in the target runs. */
  readonly loadEventsPerSecond: { readonly baseline: number; readonly target: number };
  /** The longest wait, after a run's load ended, for the pipeline to finish the load's leads (bulk lane lag). */
  readonly bulkBacklogMs: number;
  readonly count: {
    readonly leads: number;
    readonly companies: number;
    readonly events: number;
    readonly baselineMs: number;
    readonly backfillMs: number;
    readonly pricing: { readonly ms: number; readonly count: number };
    readonly firmographic: { readonly ms: number; readonly count: number };
  };
}

const envelope = z.object({ data: z.unknown().optional(), errors: z.array(z.object({ message: z.string() }).loose()).optional() });

async function gql<T>(url: string, token: string, query: string, variables: Record<string, unknown>, shape: z.ZodType<T>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = envelope.parse(await response.json());
  if (body.errors !== undefined) throw new Error(`${query.split('(')[0]}: ${JSON.stringify(body.errors)}`);
  return shape.parse(body.data);
}

interface BenchTenant {
  readonly schema: string;
  readonly secretKey: string;
  readonly publishableKey: string;
}

/** A tenant made through the API, enriching only when asked, so nothing but the lead-change pipeline follows ingestion. */
async function createBenchTenant(url: string, adminToken: string, name: string): Promise<BenchTenant> {
  const created = await gql(
    url,
    adminToken,
    'mutation ($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } secretKey publishableKey } }',
    { input: { name } },
    z.object({ createTenant: z.object({ tenant: z.object({ id: z.string() }), secretKey: z.string(), publishableKey: z.string() }) }),
  );
  const { tenant, secretKey, publishableKey } = created.createTenant;
  await gql(url, secretKey, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }', {}, z.unknown());
  return { schema: `t_${tenant.id}`, secretKey, publishableKey };
}

const createSegment = async (url: string, tenant: BenchTenant, name: string, rule: unknown): Promise<string> =>
  (await gql(url, tenant.secretKey, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', { i: { name, rule } }, z.object({ createSegment: z.object({ id: z.string() }) })))
    .createSegment.id;

function summarise(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => percentile(sorted, q);
  return { samples: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? Number.NaN };
}

const SETTLE_ROUNDS = 2;
const SETTLE_PAUSE_MS = 250;
/** What settle() spends waiting on purpose, beyond the drains. */
const SETTLE_PAUSES_MS = SETTLE_ROUNDS * SETTLE_PAUSE_MS;

/** Ingestion's log processed to its head, and the lead-change pipeline at rest, so no run inherits the last one's backlog. */
async function settle(bench: BenchServices): Promise<void> {
  for (let i = 0; i < SETTLE_ROUNDS; i += 1) {
    await bench.services.events.drain();
    for (;;) {
      await bench.services.ingestion.backlog.refresh();
      const { waiting } = bench.services.ingestion.backlog.reading();
      if (waiting[0] + waiting[1] === 0) break;
      await sleep(50);
    }
    await bench.services.leadChanges.drain();
    await sleep(SETTLE_PAUSE_MS);
  }
}

interface Rig {
  readonly bench: BenchServices;
  readonly url: string;
  readonly tenant: BenchTenant;
  readonly segmentId: string;
  /** The ingestion benchmark's load on the sampled tenant, for `seconds`. */
  readonly load: (seconds: number) => IngestLoadOptions;
  readonly subscriptionErrors: string[];
}

interface RunResult {
  readonly samples: PageViewSample[];
  /** Page view sent → its message received, for the samples answered 200 whose message came. */
  readonly latencies: number[];
  readonly missing: number;
  readonly loadEventsPerSecond: number;
  /** From the load's end until the pipeline had evaluated every lead it wrote: how far bulk evaluation lagged. */
  readonly backlogMs: number;
}

/** Pub/sub keeps nothing for a subscriber not yet listening: probe page views until one's message arrives. */
async function untilListening(subscriber: MembershipSubscriber, db: Database, schema: string, probe: () => Promise<PageViewSample>): Promise<void> {
  for (let attempt = 1; attempt <= 30; attempt += 1) {
    const { visitor } = await probe();
    // The answer means appended: the lead is there once the processor took the view.
    let leadId: string | undefined;
    for (let wait = 0; wait < 60 && leadId === undefined; wait += 1) {
      leadId = (await leadsOfVisitors(db, schema, [visitor])).get(visitor);
      if (leadId === undefined) await sleep(50);
    }
    if (leadId === undefined) continue;
    await subscriber.waitFor([leadId], 1_000);
    if (subscriber.enteredAt.has(leadId)) return;
  }
  throw new Error(`the subscriber got no probe's message in 30 attempts; errors ${JSON.stringify(subscriber.errors)}`);
}

/** A fresh visitor's page view every 50 ms beside the load, with or without a subscriber to the segment. */
async function measureRun(rig: Rig, prefix: string, seconds: number, withSubscriber: boolean): Promise<RunResult> {
  const { bench, tenant, url } = rig;
  const db = bench.services.db;
  const send = (visitor: string) => sendPricingView(url, tenant.publishableKey, visitor);
  const subscriber = withSubscriber ? subscribeToMembership(url, tenant.secretKey, rig.segmentId) : undefined;
  try {
    if (subscriber !== undefined) await untilListening(subscriber, db, tenant.schema, () => send(`${prefix}-probe-${randomBytes(3).toString('hex')}`));
    const before = await newestEvent(db, tenant.schema);
    const load = startBackgroundLoad(rig.load(seconds + LOAD_SLACK_SECONDS));
    let samples: PageViewSample[];
    let loadEventsPerSecond: number;
    try {
      await loadUnderWay(db, tenant.schema, before);
      samples = await sampleEvery(SAMPLE_EVERY_MS, seconds, prefix, send);
      if (load.stopped()) throw new Error(`the load ended before the sampler; raise LOAD_SLACK_SECONDS (${LOAD_SLACK_SECONDS})`);
      const report = await load.report;
      loadEventsPerSecond = report.accepted / report.seconds;
    } finally {
      load.kill();
    }
    const loadEnded = performance.now();
    await settle(bench);
    const backlogMs = performance.now() - loadEnded - SETTLE_PAUSES_MS;
    if (subscriber === undefined) return { samples, latencies: [], missing: 0, loadEventsPerSecond, backlogMs };

    const answered = samples.filter((s) => s.answeredMs !== undefined);
    const leads = await leadsOfVisitors(db, tenant.schema, answered.map((s) => s.visitor));
    await subscriber.waitFor([...leads.values()], MESSAGE_GRACE_MS);
    const latencies: number[] = [];
    for (const sample of answered) {
      const leadId = leads.get(sample.visitor);
      const arrived = leadId === undefined ? undefined : subscriber.enteredAt.get(leadId);
      if (arrived !== undefined) latencies.push(arrived - sample.sentAt);
    }
    return { samples, latencies, missing: answered.length - latencies.length, loadEventsPerSecond, backlogMs };
  } finally {
    if (subscriber !== undefined) {
      rig.subscriptionErrors.push(...subscriber.errors);
      await subscriber.close();
    }
  }
}

/**
 * Issue 5's benchmark: an ingested /pricing page view until its
 * segmentMembership message at a graphql-ws subscriber, beside the ingestion
 * benchmark's load on the same tenant (so the pipeline evaluates the sampled
 * leads together with the load's), against the same page views' HTTP answers
 * with no subscriber; then segment counts over 100,000 leads against count(*).
 */
export async function benchSegments(opts: {
  seconds: number;
  connections: number;
  batchSize: number;
  visitors: number;
  /** Where the ingestion log is processed: in the gateway's process, or in a worker process of its own (the gateway only appends). */
  processor: ProcessorLayout;
}): Promise<SegmentsBenchResult> {
  const stops: Array<() => Promise<void>> = [];
  try {
    // A windowed segment awaits its sweep's Temporal schedule, so a server must answer (no worker is needed).
    let temporalAddress = process.env['TEMPORAL_ADDRESS'];
    if (!temporalAddress) {
      const binary = findTemporalCli(process.env['TEMPORAL_CLI']);
      const temporal = await startTemporalDevServer({ binary, port: await findFreePort(), namespace: 'default', log: () => undefined });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
    }
    const bench = await startBenchServices({
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `segments-bench-${randomBytes(4).toString('hex')}`,
      // Ingestion's own rate limit would otherwise refuse the load.
      INGEST_RATE_LIMIT_PER_MINUTE: '100000000',
      ...(opts.processor === 'own-process' ? { INGEST_PROCESSOR_CONCURRENCY: '0' } : {}),
    });
    stops.push(() => bench.close());
    if (opts.processor === 'own-process') {
      const worker = await spawnWorker(bench, { DATABASE_POOL_SIZE: '10' });
      stops.push(async () => {
        const exited = once(worker, 'exit');
        worker.kill('SIGTERM');
        await exited;
      });
    }
    const { config, services } = bench;
    const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
    const gateway = await startGateway({ config, adminToken, log: createLogger({ level: 'error' }), ...services }, { host: '127.0.0.1', port: 0 });
    stops.push(() => gateway.close());
    const { url } = gateway;

    const tenant = await createBenchTenant(url, adminToken, 'Segments bench');
    const rig: Rig = {
      bench,
      url,
      tenant,
      segmentId: await createSegment(url, tenant, 'Viewed pricing in 14 days', PRICING_RULE),
      load: (seconds) => ({
        url,
        path: '/v1/batch',
        publishableKey: tenant.publishableKey,
        shape: 'batch',
        eventsPerRequest: opts.batchSize,
        connections: opts.connections,
        seconds,
        visitors: opts.visitors,
        seed: false,
      }),
      subscriptionErrors: [],
    };

    // Every returning visitor once, as the ingestion benchmark does.
    const seeded = await startBackgroundLoad({ ...rig.load(opts.seconds), seed: true }).report;
    if (seeded.accepted === 0) throw new Error(`seeding ${opts.visitors} visitors: nothing accepted, refusals ${JSON.stringify(seeded.refusals)}`);
    await settle(bench);

    const run = randomBytes(3).toString('hex');
    let runs = 0;
    const measure = (seconds: number, withSubscriber: boolean) => measureRun(rig, `seg-${run}-${(runs += 1)}`, seconds, withSubscriber);
    // Warm (JIT, pools, the pipeline's queries), then A-B-B-A so neither side gains from running later.
    await measure(2, true);
    const baselines = [await measure(opts.seconds, false)];
    const targets = [await measure(opts.seconds, true), await measure(opts.seconds, true)];
    baselines.push(await measure(opts.seconds, false));

    const answeredMs = (results: RunResult[]) => results.flatMap((r) => r.samples.flatMap((s) => (s.answeredMs === undefined ? [] : [s.answeredMs])));
    const unanswered = [...baselines, ...targets].reduce((n, r) => n + r.samples.filter((s) => s.answeredMs === undefined).length, 0);
    const meanLoad = (results: RunResult[]) => results.reduce((sum, r) => sum + r.loadEventsPerSecond, 0) / results.length;
    return {
      coordination: services.coordination.kind,
      ingestOnly: summarise(answeredMs(baselines)),
      ingestWithSubscriber: summarise(answeredMs(targets)),
      membership: { ...summarise(targets.flatMap((r) => r.latencies)), missing: targets.reduce((n, r) => n + r.missing, 0) },
      failures: { ingest: unanswered, subscription: rig.subscriptionErrors.length, firstSubscriptionError: rig.subscriptionErrors[0] },
      loadEventsPerSecond: { baseline: meanLoad(baselines), target: meanLoad(targets) },
      bulkBacklogMs: Math.max(...[...baselines, ...targets].map((r) => r.backlogMs)),
      count: await countOverLeads(bench, url, adminToken),
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** `segment { count }` through the API, for an event rule and a firmographic one, against count(*) over the same leads table. */
async function countOverLeads(bench: BenchServices, url: string, adminToken: string): Promise<SegmentsBenchResult['count']> {
  const db = bench.services.db;
  const tenant = await createBenchTenant(url, adminToken, 'Segment count bench');
  await seedCountTenant(db, tenant.schema);
  const baseline = await medianOf(async () => (await db.query<{ n: number }>(`select count(*)::int as n from ${tenant.schema}.leads`))[0]?.n ?? 0);
  if (baseline.value !== COUNT_LEADS) throw new Error(`the count tenant holds ${baseline.value} leads, not ${COUNT_LEADS}`);
  const started = performance.now();
  const pricingId = await createSegment(url, tenant, 'Viewed pricing in 14 days', PRICING_RULE);
  const backfillMs = performance.now() - started;
  const firmographicId = await createSegment(url, tenant, 'US, 50 to 500 employees', FIRMOGRAPHIC_RULE);
  const countOf = (id: string) => async () =>
    (await gql(url, tenant.secretKey, 'query ($id: ID!) { segment(id: $id) { count } }', { id }, z.object({ segment: z.object({ count: z.number() }) }))).segment.count;
  const pricing = await medianOf(countOf(pricingId));
  const firmographic = await medianOf(countOf(firmographicId));
  return {
    leads: COUNT_LEADS,
    companies: COUNT_COMPANIES,
    events: COUNT_EVENTS,
    baselineMs: baseline.ms,
    backfillMs,
    pricing: { ms: pricing.ms, count: pricing.value },
    firmographic: { ms: firmographic.ms, count: firmographic.value },
  };
}
