import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import { startGateway } from '../api/server.js';
import { findFreePort } from '../platform/embedded/free-port.js';
import { findTemporalCli, startTemporalDevServer } from '../platform/embedded/temporal-dev-server.js';
import { createLogger } from '../platform/logging/logger.js';
import type { Database } from '../platform/postgres/database.js';
import { startBenchServices, type BenchServices } from './bench-services.js';
import type { IngestLoadOptions, IngestLoadReport } from './ingest-load.js';
import { COUNT_COMPANIES, COUNT_EVENTS, COUNT_LEADS, medianOf, seedCountTenant } from './segment-count.js';

const INGEST_LOAD = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));
const SAMPLE_EVERY_MS = 50;
// The load runs this much longer than the sampler, so its process's start-up never eats the sampled window.
const LOAD_SLACK_SECONDS = 5;
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
  /** The baseline: /v1/page answered 200, with no subscriber, beside the load. */
  readonly ingestOnly: LatencySummary;
  /** /v1/page answered 200 in the target runs, for comparison with the baseline. */
  readonly ingestWithSubscriber: LatencySummary;
  /** From sending the page view to its ENTERED message at the subscriber. */
  readonly membership: LatencySummary & { readonly missing: number };
  /** Page views not answered 200 (baseline and target), subscription errors. */
  readonly failures: { readonly ingest: number; readonly subscription: number; readonly firstSubscriptionError?: string };
  /** Events the background load had accepted per second, in the baseline and in the target runs. */
  readonly loadEventsPerSecond: { readonly baseline: number; readonly target: number };
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

/** A tenant made through the API, enriching only when asked, so nothing but the pipeline follows ingestion. */
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
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { samples: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? Number.NaN };
}

const loadReport = z.object({ seconds: z.number(), accepted: z.number(), refusals: z.record(z.string(), z.number()) }).loose();

/** The ingestion benchmark's load generator in its own process; `stopped` turns true the moment its load ends. */
function startLoad(options: IngestLoadOptions): { stopped: () => boolean; report: Promise<z.infer<typeof loadReport>>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', INGEST_LOAD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'close');
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stopped = false;
  const report = (async () => {
    let output = '';
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'stopped') stopped = true;
      else output = line;
    }
    await exited;
    if (child.exitCode !== 0) throw new Error(`ingest-load exited with ${child.exitCode}: ${stderr}`);
    return loadReport.parse(JSON.parse(output) as IngestLoadReport);
  })();
  // Awaited by the caller; this only keeps an early failure from being an unhandled rejection.
  report.catch(() => undefined);
  return { stopped: () => stopped, report, kill: () => void child.kill() };
}

const newestEvent = async (db: Database, schema: string): Promise<number> =>
  Number((await db.query<{ id: string }>(`select coalesce(max(id), 0)::text as id from ${schema}.events`))[0]?.id ?? 0);

/** Until the load's first rows are committed: the sampler starts beside a load already running. */
async function loadRunning(db: Database, schema: string, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await newestEvent(db, schema)) === before) {
    if (Date.now() > deadline) throw new Error('the background load committed nothing in 30 s');
    await sleep(50);
  }
}

interface Sample {
  readonly visitor: string;
  readonly sentAt: number;
  /** Until the HTTP 200; undefined when the request failed or was refused. */
  readonly answeredMs: number | undefined;
}

/** A Segment page call of /pricing from a visitor never seen before, so its lead enters the segment exactly once. */
async function pageView(url: string, publishableKey: string, visitor: string): Promise<Sample> {
  const body = JSON.stringify({
    messageId: randomUUID(),
    anonymousId: visitor,
    name: 'Pricing',
    timestamp: new Date().toISOString(),
    properties: { path: '/pricing', title: 'Pricing', url: 'https://www.example.com/pricing' },
    context: { page: { path: '/pricing', url: 'https://www.example.com/pricing', title: 'Pricing' }, library: { name: 'analytics.js', version: '5.2.0' } },
  });
  const sentAt = performance.now();
  try {
    const response = await fetch(`${url}/v1/page`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${publishableKey}:`).toString('base64')}` },
      body,
    });
    await response.arrayBuffer();
    return { visitor, sentAt, answeredMs: response.status === 200 ? performance.now() - sentAt : undefined };
  } catch {
    return { visitor, sentAt, answeredMs: undefined };
  }
}

/** A new visitor every SAMPLE_EVERY_MS for `seconds`, open loop: a slow answer delays no later sample. */
async function sampleViews(send: (visitor: string) => Promise<Sample>, prefix: string, seconds: number): Promise<Sample[]> {
  const sends: Array<Promise<Sample>> = [];
  const start = performance.now();
  for (let i = 0; performance.now() - start < seconds * 1000; i += 1) {
    sends.push(send(`${prefix}-${i}`));
    await sleep(Math.max(0, start + (i + 1) * SAMPLE_EVERY_MS - performance.now()));
  }
  return Promise.all(sends);
}

const membershipMessage = z.object({
  data: z.object({ segmentMembership: z.object({ change: z.enum(['ENTERED', 'EXITED']), lead: z.object({ id: z.string() }) }) }).nullish(),
  errors: z.array(z.unknown()).optional(),
});

interface Subscriber {
  /** When each lead's first ENTERED message arrived (performance.now()). */
  readonly enteredAt: Map<string, number>;
  readonly errors: string[];
  close(): Promise<void>;
}

function subscribe(url: string, token: string, segmentId: string): Subscriber {
  const client = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
  });
  const enteredAt = new Map<string, number>();
  const errors: string[] = [];
  client.subscribe(
    { query: 'subscription ($id: ID!) { segmentMembership(segmentId: $id) { segmentId change lead { id } at } }', variables: { id: segmentId } },
    {
      next: (message) => {
        const arrived = performance.now();
        const parsed = membershipMessage.safeParse(message);
        const change = parsed.data?.data?.segmentMembership;
        if (!parsed.success || parsed.data.errors !== undefined || change === undefined) errors.push(JSON.stringify(message).slice(0, 300));
        else if (change.change === 'ENTERED' && !enteredAt.has(change.lead.id)) enteredAt.set(change.lead.id, arrived);
      },
      error: (error) => errors.push(JSON.stringify(error instanceof Error ? error.message : error).slice(0, 300)),
      complete: () => undefined,
    },
  );
  return { enteredAt, errors, close: async () => await client.dispose() };
}

async function leadsOf(db: Database, schema: string, visitors: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ visitor: string; leadId: string }>(
    `select anonymous_id as visitor, lead_id as "leadId" from ${schema}.identities where anonymous_id = any($1)`,
    [[...visitors]],
  );
  return new Map(rows.map((row) => [row.visitor, row.leadId]));
}

/** Until every lead has its message, or `timeoutMs`. */
async function messagesFor(subscriber: Subscriber, leadIds: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (leadIds.some((id) => !subscriber.enteredAt.has(id)) && performance.now() < deadline) await sleep(20);
}

/** Ingestion and the lead-change pipeline at rest, so no run inherits the last one's backlog. */
async function settle(bench: BenchServices): Promise<void> {
  for (let i = 0; i < 2; i += 1) {
    await bench.services.events.drain();
    await bench.services.leadChanges.drain();
    await sleep(250);
  }
}

interface RunResult {
  readonly samples: Sample[];
  readonly latencies: number[];
  readonly missing: number;
  readonly loadEventsPerSecond: number;
}

/**
 * Issue 5's benchmark: an ingested /pricing page view to its segmentMembership
 * message at a graphql-ws subscriber, beside the ingestion benchmark's load on
 * the same tenant (so the pipeline evaluates the sampled leads together with
 * the load's), against the same page views' HTTP answers with no subscriber;
 * then segment counts over 100,000 leads against a plain count(*).
 */
export async function benchSegments(opts: { seconds: number; connections: number; batchSize: number; visitors: number }): Promise<SegmentsBenchResult> {
  const stops: Array<() => Promise<void>> = [];
  try {
    // A windowed segment awaits its sweep's Temporal schedule, so a server must answer (no worker is needed).
    let temporalAddress = process.env['TEMPORAL_ADDRESS'];
    if (!temporalAddress) {
      const temporal = await startTemporalDevServer({ binary: findTemporalCli(process.env['TEMPORAL_CLI']), port: await findFreePort(), namespace: 'default', log: () => undefined });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
    }
    const bench = await startBenchServices({
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: `segments-bench-${randomBytes(4).toString('hex')}`,
      INGEST_RATE_LIMIT_PER_MINUTE: '100000000',
    });
    stops.push(() => bench.close());
    const { config, services } = bench;
    const adminToken = `adm_${randomBytes(24).toString('base64url')}`;
    const gateway = await startGateway({ config, adminToken, log: createLogger({ level: 'error' }), ...services }, { host: '127.0.0.1', port: 0 });
    stops.push(() => gateway.close());
    const { url } = gateway;
    const db = services.db;

    const tenant = await createBenchTenant(url, adminToken, 'Segments bench');
    const segmentId = await createSegment(url, tenant, 'Viewed pricing in 14 days', PRICING_RULE);
    const send = (visitor: string) => pageView(url, tenant.publishableKey, visitor);
    const run = randomBytes(3).toString('hex');
    const load = (seconds: number, seed = false): IngestLoadOptions => ({
      url,
      path: '/v1/batch',
      publishableKey: tenant.publishableKey,
      shape: 'batch',
      eventsPerRequest: opts.batchSize,
      connections: opts.connections,
      seconds,
      visitors: opts.visitors,
      seed,
    });

    // Every returning visitor once, as the ingestion benchmark does.
    const seeded = await startLoad(load(opts.seconds, true)).report;
    if (seeded.accepted === 0) throw new Error(`seeding ${opts.visitors} visitors: nothing accepted, refusals ${JSON.stringify(seeded.refusals)}`);
    await settle(bench);

    let runs = 0;
    const subscriptionErrors: string[] = [];
    const measure = async (seconds: number, withSubscriber: boolean): Promise<RunResult> => {
      const prefix = `seg-${run}-${(runs += 1)}`;
      const subscriber = withSubscriber ? subscribe(url, tenant.secretKey, segmentId) : undefined;
      try {
        if (subscriber !== undefined) {
          // A probe's message proves the subscription is live before anything is timed.
          const probe = await send(`${prefix}-probe`);
          const probeLead = (await leadsOf(db, tenant.schema, [probe.visitor])).get(probe.visitor);
          if (probeLead === undefined) throw new Error('the probe page view made no lead');
          await messagesFor(subscriber, [probeLead], 30_000);
          if (!subscriber.enteredAt.has(probeLead)) throw new Error(`the subscriber got no probe message in 30 s; errors ${JSON.stringify(subscriber.errors)}`);
        }
        const before = await newestEvent(db, tenant.schema);
        const background = startLoad(load(seconds + LOAD_SLACK_SECONDS));
        try {
          await loadRunning(db, tenant.schema, before);
          const samples = await sampleViews(send, prefix, seconds);
          if (background.stopped()) throw new Error(`the load stopped before the sampler; raise LOAD_SLACK_SECONDS (${LOAD_SLACK_SECONDS})`);
          const report = await background.report;
          await settle(bench);
          if (subscriber === undefined) return { samples, latencies: [], missing: 0, loadEventsPerSecond: report.accepted / report.seconds };
          const leads = await leadsOf(db, tenant.schema, samples.filter((s) => s.answeredMs !== undefined).map((s) => s.visitor));
          await messagesFor(subscriber, [...leads.values()], MESSAGE_GRACE_MS);
          const latencies: number[] = [];
          let missing = 0;
          for (const sample of samples) {
            const leadId = leads.get(sample.visitor);
            const arrived = leadId === undefined ? undefined : subscriber.enteredAt.get(leadId);
            if (sample.answeredMs === undefined) continue;
            if (arrived === undefined) missing += 1;
            else latencies.push(arrived - sample.sentAt);
          }
          return { samples, latencies, missing, loadEventsPerSecond: report.accepted / report.seconds };
        } finally {
          background.kill();
        }
      } finally {
        if (subscriber !== undefined) {
          subscriptionErrors.push(...subscriber.errors);
          await subscriber.close();
        }
      }
    };

    // Warm (JIT, pools, the pipeline's queries), then A-B-B-A so neither side gains from running later.
    await measure(2, true);
    const baseline1 = await measure(opts.seconds, false);
    const target1 = await measure(opts.seconds, true);
    const target2 = await measure(opts.seconds, true);
    const baseline2 = await measure(opts.seconds, false);
    const baselines = [baseline1, baseline2];
    const targets = [target1, target2];
    const answered = (results: RunResult[]) => results.flatMap((r) => r.samples.flatMap((s) => (s.answeredMs === undefined ? [] : [s.answeredMs])));
    const unanswered = [...baselines, ...targets].reduce((n, r) => n + r.samples.filter((s) => s.answeredMs === undefined).length, 0);
    const meanLoad = (results: RunResult[]) => results.reduce((sum, r) => sum + r.loadEventsPerSecond, 0) / results.length;

    const count = await countOverLeads(url, adminToken, db);
    return {
      coordination: services.coordination.kind,
      ingestOnly: summarise(answered(baselines)),
      ingestWithSubscriber: summarise(answered(targets)),
      membership: { ...summarise(targets.flatMap((r) => r.latencies)), missing: targets.reduce((n, r) => n + r.missing, 0) },
      failures: { ingest: unanswered, subscription: subscriptionErrors.length, firstSubscriptionError: subscriptionErrors[0] },
      loadEventsPerSecond: { baseline: meanLoad(baselines), target: meanLoad(targets) },
      count,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

/** `segment { count }` through the API for an event rule and a firmographic one, against count(*) over the same leads table. */
async function countOverLeads(url: string, adminToken: string, db: Database): Promise<SegmentsBenchResult['count']> {
  const tenant = await createBenchTenant(url, adminToken, 'Segment count bench');
  await seedCountTenant(db, tenant.schema);
  const baseline = await medianOf(async () => (await db.query<{ n: number }>(`select count(*)::int as n from ${tenant.schema}.leads`))[0]?.n ?? 0);
  const started = performance.now();
  const pricingId = await createSegment(url, tenant, 'Viewed pricing in 14 days', PRICING_RULE);
  const backfillMs = performance.now() - started;
  const firmographicId = await createSegment(url, tenant, 'US, 50 to 500 employees', FIRMOGRAPHIC_RULE);
  const countOf = (id: string) => () =>
    gql(url, tenant.secretKey, 'query ($id: ID!) { segment(id: $id) { count } }', { id }, z.object({ segment: z.object({ count: z.number() }) })).then((r) => r.segment.count);
  const pricing = await medianOf(countOf(pricingId));
  const firmographic = await medianOf(countOf(firmographicId));
  if (baseline.value !== COUNT_LEADS) throw new Error(`the count tenant holds ${baseline.value} leads, not ${COUNT_LEADS}`);
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
