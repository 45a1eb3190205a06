import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { workerDeps } from '../composition/worker-process.js';
import { createLogger } from '../platform/logging/logger.js';
import type { TenantDb } from '../tenants/tenant-db.js';
import { connectTemporalWorker } from '../workflows/temporal-endpoint.js';
import { startWorker } from '../workflows/worker.js';
import { startBenchServices, type BenchServices } from './bench-services.js';

export interface ErasureBench {
  readonly events: number;
  readonly sessions: number;
  /** Rows the person held (events, sessions, identities, the lead, log rows), as the receipt counted them. */
  readonly rows: number;
  /** requestDeletion → its receipt readable (COMPLETED), each run. */
  readonly receiptMs: number[];
  /** The receipt's own startedAt → completedAt, each run. */
  readonly workflowMs: number[];
  /** The same person's rows deleted by one plain SQL statement, each run (the baseline). */
  readonly baselineMs: number[];
}

const POLL_MS = 10;

/**
 * A known person with `events` events over `sessions` sessions, made as the
 * erasure test makes one: an identify through ingestion (lead, identity,
 * session, log row), then the rest in bulk by SQL.
 */
async function seedPerson(bench: BenchServices, tenant: TenantDb, events: number, sessions: number): Promise<{ leadId: string }> {
  const tag = randomBytes(4).toString('hex');
  const anonymousId = `bench-device-${tag}`;
  // No email: nothing sets off an enrichment, whose rows the baseline's statement would not know of.
  const written = await bench.services.events.write(
    tenant,
    [{ messageId: `id-${tag}`, type: 'identify', name: 'identify', anonymousId, userId: `bench-${tag}`, traits: {}, properties: {}, context: {}, at: new Date() }],
    { source: 'tenant' },
  );
  if (written.position === undefined || !(await bench.services.events.processed(tenant, written.position, 30_000))) throw new Error('the identify was not processed');
  const [lead] = await tenant.query<{ lead_id: string }>('select lead_id from {t}.identities where anonymous_id = $1', [anonymousId]);
  if (lead === undefined) throw new Error('the identify made no lead');
  // An identify opens no session (it is not a visit) and is one event: the rest are made here.
  const [held] = await tenant.query<{ sessions: number; events: number }>(
    'select (select count(*)::int from {t}.sessions where lead_id = $1) as sessions, (select count(*)::int from {t}.events where lead_id = $1) as events',
    [lead.lead_id],
  );
  await tenant.query(
    `insert into {t}.sessions (id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count)
     select 'ses_${tag}_' || g, $1, $2, now() - g * interval '1 hour', now() - g * interval '1 hour' + interval '10 minutes', 3, $3::int / $4::int
       from generate_series(1, $4::int) g`,
    [lead.lead_id, anonymousId, events, sessions - (held?.sessions ?? 0)],
  );
  await tenant.query(
    `insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, at, properties)
     select 'bench-${tag}-' || g, 'track', 'Viewed Page', $1, 'ses_${tag}_' || (1 + g % $3::int), $2, now() - g * interval '1 second', jsonb_build_object('n', g)
       from generate_series(1, $4::int) g`,
    [lead.lead_id, anonymousId, sessions - (held?.sessions ?? 0), events - (held?.events ?? 0)],
  );
  return { leadId: lead.lead_id };
}

async function eraseToReceipt(bench: BenchServices, tenant: TenantDb, leadId: string): Promise<{ ms: number; workflowMs: number; rows: number }> {
  const started = performance.now();
  const asked = await bench.services.privacy.requestDeletion(tenant, { leadId });
  if (!asked.ok) throw new Error(`requestDeletion refused: ${JSON.stringify(asked.problem)}`);
  for (;;) {
    const request = await bench.services.privacy.deletionRequest(tenant, asked.value.id);
    if (request?.status === 'FAILED') throw new Error(`the erasure failed: ${request.error ?? ''}`);
    const receipt = request?.receipt;
    if (receipt !== null && receipt !== undefined) {
      const ms = performance.now() - started;
      const rows = receipt.tables.reduce((sum, line) => sum + line.rows, 0);
      return { ms, workflowMs: receipt.completedAt.getTime() - (receipt.startedAt ?? receipt.completedAt).getTime(), rows };
    }
    await sleep(POLL_MS);
  }
}

/** The baseline: the same rows gone in one statement, nothing else done (no suppression, no log, no caches, no webhooks, no receipt). */
async function deleteByOneStatement(tenant: TenantDb, leadId: string): Promise<number> {
  const started = performance.now();
  await tenant.query(
    `with e as (delete from {t}.events where lead_id = $1), s as (delete from {t}.sessions where lead_id = $1), i as (delete from {t}.identities where lead_id = $1)
     delete from {t}.leads where id = $1`,
    [leadId],
  );
  return performance.now() - started;
}

/**
 * Erasure of a person with `events` events and `sessions` sessions, timed
 * from requestDeletion to the completed receipt, against the same rows
 * deleted by one SQL statement; runs alternate baseline, erasure, erasure,
 * baseline. Its own services: the bench database, Temporal (TEMPORAL_ADDRESS)
 * and a worker in this process on a task queue of its own.
 */
export async function benchErasure(opts: { events: number; sessions: number }): Promise<ErasureBench> {
  const bench = await startBenchServices({ TEMPORAL_TASK_QUEUE: `erasure-bench-${randomBytes(4).toString('hex')}` });
  const stops: Array<() => Promise<void>> = [() => bench.close()];
  try {
    const { config, services } = bench;
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const connection = await connectTemporalWorker({ address: config.TEMPORAL_ADDRESS ?? '', namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, tls: false });
    stops.push(() => connection.close());
    const worker = await startWorker(
      workerDeps({ connection, endpoint: { namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE }, config, services, log: createLogger({ level: 'error' }) }),
    );
    stops.push(() => worker.shutdown());

    const created = await services.provisioning.createTenant({ name: 'Erasure bench' });
    if (!created.ok) throw new Error(`createTenant failed: ${JSON.stringify(created.problem)}`);
    const tenant = services.tenantDbs.ofResolved(created.value);
    const result: ErasureBench = { events: opts.events, sessions: opts.sessions, rows: 0, receiptMs: [], workflowMs: [], baselineMs: [] };
    let rows = 0;
    for (const kind of ['baseline', 'erasure', 'erasure', 'baseline'] as const) {
      const person = await seedPerson(bench, tenant, opts.events, opts.sessions);
      if (kind === 'baseline') {
        result.baselineMs.push(await deleteByOneStatement(tenant, person.leadId));
      } else {
        const erased = await eraseToReceipt(bench, tenant, person.leadId);
        result.receiptMs.push(erased.ms);
        result.workflowMs.push(erased.workflowMs);
        rows = erased.rows;
      }
    }
    return { ...result, rows };
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}
