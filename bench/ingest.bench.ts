import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { startGateway } from '../api/server.js';
import { createLogger } from '../platform/logging/logger.js';
import { createDatabase, type Database } from '../platform/postgres/database.js';
import type { BenchServices } from './bench-services.js';
import { cpuSnapshot } from './cpu-usage.js';
import { ingestCpuSplit, type IngestCpuSplit } from './ingest-cpu.js';
import type { IngestLoadOptions, IngestLoadReport } from './ingest-load.js';
import { meanOf, type LoadResult } from './load.js';

const INGEST_LOAD = fileURLToPath(new URL('./ingest-load.ts', import.meta.url));

const ingestLoadReport: z.ZodType<IngestLoadReport> = z.object({
  load: z.object({ requestsPerSecond: z.number(), p50Ms: z.number(), p99Ms: z.number(), non2xx: z.number(), errors: z.number() }),
  seconds: z.number(),
  responses2xx: z.number(),
  accepted: z.number(),
  duplicates: z.number(),
  refusals: z.record(z.string(), z.number()),
});

export interface IngestTargetResult extends LoadResult {
  /** Messages the run appended to the tenant's log (durable, acknowledged), per second autocannon ran. */
  readonly committedPerSecond: number;
  /** Messages processed (model, scores, segments) from the run's start until its backlog was gone, per second of that span. */
  readonly processedPerSecond: number;
  /** The most messages that waited to be processed at any sample of the run. */
  readonly maxBacklog: number;
  /** Seconds from the end of the load until its last message was processed. */
  readonly drainSeconds: number;
  /** The CPU a message costs to append and to process, of each run, and what the cores allow at those costs. */
  readonly cpu: readonly IngestCpuSplit[];
}

export interface IngestBenchResult {
  readonly bare: LoadResult;
  readonly track: IngestTargetResult;
  readonly batch: IngestTargetResult;
  /** Events that 2xx bodies reported accepted beyond the rows found: must be 0, a 200 means appended. */
  readonly unconfirmed: number;
  /** Appended messages not in the events table once processing settled: must be 0, nothing is lost behind the log. */
  readonly unprocessed: number;
  readonly duplicates: number;
  /** Non-2xx answers of the measured runs, by status and reason. */
  readonly refusals: Record<string, number>;
}

/**
 * The load generator in its own process (with tsx, as it is TypeScript), so it
 * does not share the server's event loop; `atStop` runs the moment the load ends.
 */
async function generate<T>(options: IngestLoadOptions, atStop: () => Promise<T>): Promise<{ report: IngestLoadReport; stopped: T }> {
  const child = spawn(process.execPath, ['--import', 'tsx', INGEST_LOAD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'close');
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let stopped: { value: T } | undefined;
  let output = '';
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'stopped' && stopped === undefined) stopped = { value: await atStop() };
    else output = line;
  }
  await exited;
  if (child.exitCode !== 0 || stopped === undefined) throw new Error(`ingest-load exited with ${child.exitCode}: ${stderr}`);
  return { report: ingestLoadReport.parse(JSON.parse(output)), stopped: stopped.value };
}

const nothing = async (): Promise<void> => undefined;

interface Counts {
  /** Rows in the tenant's log: every message ever appended. */
  readonly logged: number;
  /** The cursors' sum: messages processed. */
  readonly processed: number;
}

async function countsOf(db: Database, tenantId: string, schema: string): Promise<Counts> {
  const rows = await db.query<{ logged: number; processed: number }>(
    `select (select count(*)::int from "${schema}".ingest_log) as logged,
            (select coalesce(sum(processed), 0)::int from control.ingest_cursors where tenant_id = $1) as processed`,
    [tenantId],
  );
  return { logged: rows[0]?.logged ?? 0, processed: rows[0]?.processed ?? 0 };
}

/** Adds the PostgreSQL processes of this database and of the server itself to `pids`. */
async function ourPostgres(db: Database, pids: Set<number>): Promise<void> {
  const rows = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() or backend_type <> 'client backend'`);
  for (const { pid } of rows) pids.add(pid);
}

async function countEvents(db: Database, schema: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`select count(*)::int as n from "${schema}".events`);
  return rows[0]?.n ?? 0;
}

/**
 * Waits until everything appended is processed (autocannon drops the requests
 * in flight when its time is up, but the server still appends and processes
 * them, and they must not count for the next run); the counts then, and how
 * long it took.
 */
async function settled(db: Database, tenantId: string, schema: string): Promise<{ counts: Counts; seconds: number }> {
  const started = performance.now();
  const deadline = Date.now() + 300_000;
  let last: Counts | undefined;
  for (let quiet = 0; quiet < 3; ) {
    if (Date.now() > deadline) throw new Error('ingestion still busy 300 s after the load stopped');
    await sleep(100);
    const counts = await countsOf(db, tenantId, schema);
    quiet = counts.processed === counts.logged && counts.logged === last?.logged ? quiet + 1 : 0;
    last = counts;
  }
  return { counts: last as Counts, seconds: (performance.now() - started) / 1000 };
}

interface IngestRun {
  readonly load: LoadResult;
  readonly committedPerSecond: number;
  readonly processedPerSecond: number;
  readonly maxBacklog: number;
  readonly drainSeconds: number;
  readonly cpu: IngestCpuSplit;
  readonly unconfirmed: number;
  readonly duplicates: number;
  readonly refusals: Record<string, number>;
}

function meanOfRuns(a: IngestRun, b: IngestRun): IngestTargetResult {
  return {
    ...meanOf(a.load, b.load),
    committedPerSecond: (a.committedPerSecond + b.committedPerSecond) / 2,
    processedPerSecond: (a.processedPerSecond + b.processedPerSecond) / 2,
    maxBacklog: Math.max(a.maxBacklog, b.maxBacklog),
    drainSeconds: (a.drainSeconds + b.drainSeconds) / 2,
    cpu: [a.cpu, b.cpu],
  };
}

function mergeCounts(...counts: Record<string, number>[]): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const entry of counts) for (const [key, n] of Object.entries(entry)) merged[key] = (merged[key] ?? 0) + n;
  return merged;
}

/**
 * Segment HTTP ingestion through the whole gateway (publishable-key auth, rate
 * limit, parsing, the event store's transaction) against a bare node:http
 * server that only reads the body, in one run on one machine. Throughput is
 * counted in the tenant's events table, not in responses.
 */
export async function benchIngest(
  bench: BenchServices,
  opts: { connections: number; seconds: number; batchSize: number; visitors: number },
): Promise<IngestBenchResult> {
  const { services, config } = bench;
  const created = await services.provisioning.createTenant({ name: 'Ingest bench' });
  if (!created.ok) throw new Error(JSON.stringify(created.problem));
  const tenant = created.value;
  // Ingestion is what is measured: no enrichment jobs for the visitors it identifies (no Temporal server runs here).
  // Scoring and segment evaluation after each commit do run, as in production.
  await services.tenantDbs.ofResolved(tenant).kysely.updateTable('enrichment_settings').set({ auto_enrich: false }).execute();
  if (config.DATABASE_URL === undefined) throw new Error('the bench services have no DATABASE_URL');
  const counter = createDatabase({ url: config.DATABASE_URL, poolSize: 1, applicationName: 'leadgraph-bench-counter' });

  const gateway = await startGateway(
    { config, adminToken: 'adm_bench_token_not_used_by_anyone', log: createLogger({ level: 'error' }), ...services },
    { host: '127.0.0.1', port: 0 },
  );
  const bare = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"success":true}');
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

  try {
    const common = { publishableKey: tenant.publishableKey, connections: opts.connections, visitors: opts.visitors, seed: false };
    const track = { ...common, url: gateway.url, path: '/v1/track', shape: 'single', eventsPerRequest: 1 } as const;
    const batch = { ...common, url: gateway.url, path: '/v1/batch', shape: 'batch', eventsPerRequest: opts.batchSize } as const;
    const baseline = { ...track, url: bareUrl };

    // Every visitor once, so that every measured run sees the same returning-visitor pool.
    const { report: seeded } = await generate({ ...batch, seconds: opts.seconds, seed: true }, nothing);
    const stored = (await settled(counter, tenant.tenantId, tenant.schema)).counts.logged;
    if (seeded.responses2xx === 0 || stored !== seeded.accepted) {
      throw new Error(`seeding ${opts.visitors} visitors: ${seeded.accepted} accepted, ${stored} stored, refusals ${JSON.stringify(seeded.refusals)}`);
    }
    // Warm all three (JIT, pools, key cache), then measure each in turn.
    for (const target of [baseline, track, batch]) await generate({ ...target, seconds: 2 }, nothing);
    await settled(counter, tenant.tenantId, tenant.schema);

    // Messages appended while the load ran: counted the moment it stops, as the server still
    // appends what was in flight then. Processing goes on; the backlog is sampled meanwhile and
    // its drain timed, so the processed rate covers the whole span from the start to the last message.
    const measure = async (target: IngestLoadOptions): Promise<IngestRun> => {
      const before = (await settled(counter, tenant.tenantId, tenant.schema)).counts;
      let maxBacklog = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const counts = await countsOf(counter, tenant.tenantId, tenant.schema);
          maxBacklog = Math.max(maxBacklog, counts.logged - counts.processed);
          await sleep(250);
        }
      })();
      const postgresPids = new Set<number>();
      const atStart = cpuSnapshot();
      await ourPostgres(counter, postgresPids);
      const { report, stopped } = await generate(target, async () => ({ counts: await countsOf(counter, tenant.tenantId, tenant.schema), cpu: cpuSnapshot() }));
      const drained = await settled(counter, tenant.tenantId, tenant.schema);
      const atEnd = cpuSnapshot();
      await ourPostgres(counter, postgresPids);
      sampling = false;
      await sampler;
      const appended = stopped.counts.logged - before.logged;
      const cpu = ingestCpuSplit({
        atStart,
        atStop: stopped.cpu,
        atEnd,
        appended,
        processedDuringLoad: stopped.counts.processed - before.processed,
        processedInDrain: drained.counts.processed - stopped.counts.processed,
        postgresPids,
      });
      return {
        load: report.load,
        committedPerSecond: appended / report.seconds,
        processedPerSecond: (drained.counts.processed - before.processed) / (report.seconds + drained.seconds),
        maxBacklog,
        drainSeconds: drained.seconds,
        cpu,
        unconfirmed: Math.max(0, report.accepted - appended),
        duplicates: report.duplicates,
        refusals: report.refusals,
      };
    };
    const runBare = async () => (await generate({ ...baseline, seconds: opts.seconds }, nothing)).report;
    const runTrack = () => measure({ ...track, seconds: opts.seconds });
    const runBatch = () => measure({ ...batch, seconds: opts.seconds });
    // A-B-C-C-B-A, averaged, so no target gains from running later on a warmer machine (or a fuller table).
    const bare1 = await runBare();
    const track1 = await runTrack();
    const batch1 = await runBatch();
    const batch2 = await runBatch();
    const track2 = await runTrack();
    const bare2 = await runBare();
    const ingestRuns = [track1, batch1, batch2, track2];
    const { counts } = await settled(counter, tenant.tenantId, tenant.schema);
    return {
      bare: meanOf(bare1.load, bare2.load),
      track: meanOfRuns(track1, track2),
      batch: meanOfRuns(batch1, batch2),
      unconfirmed: ingestRuns.reduce((sum, r) => sum + r.unconfirmed, 0),
      unprocessed: counts.logged - (await countEvents(counter, tenant.schema)),
      duplicates: ingestRuns.reduce((sum, r) => sum + r.duplicates, 0),
      refusals: mergeCounts(...ingestRuns.map((r) => r.refusals)),
    };
  } finally {
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    await gateway.close();
    await counter.close();
  }
}
