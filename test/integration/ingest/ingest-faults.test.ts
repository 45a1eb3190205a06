import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../../platform/config/config.js';
import { startEmbeddedPostgres } from '../../../platform/embedded/embedded-postgres.js';
import { findFreePort } from '../../../platform/embedded/free-port.js';
import { createDatabase, type Sql } from '../../../platform/postgres/database.js';
import { controlMigrations } from '../../../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../../../schema/migrator.js';
import { eventually } from '../../support/eventually.js';
import { createScratchDatabase } from '../../support/scratch-postgres.js';
import { spawnGateway, type GatewayChild } from '../../support/gateway-child.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { startTestWorker } from '../../support/test-worker.js';
import { startVendorServer, vendorConfig } from '../../support/vendor-server.js';
import { verifiedPayload } from '../../support/webhook-receiver.js';
import { track } from './segment-http.js';

/**
 * The faults issue 15 promises ingestion survives, each ending with nothing
 * lost and nothing done twice: a gateway killed under load, a processor
 * killed in the middle of a lane, and a PostgreSQL restart under load. Every
 * process here is a real one of a deployment (its own Redis namespace, master
 * key and Temporal queue); the killed ones are children, SIGKILLed.
 */

/** A deployment of its own; the limits meant for the internet lifted, since the load here comes from one address. */
function deploymentConfig(overrides: Record<string, string> = {}): Config {
  return testConfig({
    TEMPORAL_TASK_QUEUE: `ingest-faults-${randomBytes(4).toString('hex')}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    INGEST_RATE_LIMIT_PER_MINUTE: '1000000',
    INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE: '1000000',
    INGEST_VISITOR_RATE_LIMIT_PER_MINUTE: '1000000',
    ...overrides,
  });
}

/** Another process of the deployment of `config`: the same database, Redis namespace, master key and queue; `overrides` on top. */
function sameDeployment(config: Config, overrides: Record<string, string>): Config {
  return deploymentConfig({
    DATABASE_URL: config.DATABASE_URL ?? '',
    REDIS_KEY_PREFIX: config.REDIS_KEY_PREFIX,
    SECRETS_MASTER_KEY: config.SECRETS_MASTER_KEY ?? '',
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    ...overrides,
  });
}

const hex = () => randomBytes(4).toString('hex');

async function rows<T extends object>(db: Sql, text: string, values: unknown[] = []): Promise<T[]> {
  return db.query<T>(text, values as never[]);
}

interface LaneState {
  readonly lane: number;
  readonly appended: number;
  readonly processed: number;
}

async function lanesOf(db: Sql, tenantId: string): Promise<LaneState[]> {
  return rows<LaneState>(
    db,
    `select h.lane, h.appended::int, coalesce(c.processed, 0)::int as processed
       from control.ingest_heads h left join control.ingest_cursors c on c.tenant_id = h.tenant_id and c.lane = h.lane
      where h.tenant_id = $1 order by h.lane`,
    [tenantId],
  );
}

const caughtUp = (lanes: readonly LaneState[]) => lanes.length > 0 && lanes.every((lane) => lane.processed === lane.appended);

const count = async (db: Sql, text: string, values: unknown[] = []) => (await rows<{ n: number }>(db, text, values))[0]?.n ?? 0;

/**
 * Nothing lost, nothing twice: every acknowledged messageId is an event once
 * (and known in message_ids), every message the log holds (acknowledged or
 * not: an append can commit and its answer die with the process) is an event
 * once, no message was set aside, and the cursor is at the head of every lane.
 */
async function expectProcessedOnce(db: Sql, tenantId: string, acknowledged: ReadonlySet<string>): Promise<void> {
  const t = `"t_${tenantId}"`;
  const ids = [...acknowledged];
  expect(await count(db, `select count(*)::int as n from ${t}.events where message_id = any($1)`, [ids])).toBe(ids.length);
  expect(await count(db, `select count(*)::int as n from ${t}.message_ids where message_id = any($1)`, [ids])).toBe(ids.length);
  expect(await rows(db, `select message_id from ${t}.events group by message_id having count(*) > 1`)).toEqual([]);
  const logged = await count(db, `select count(*)::int as n from ${t}.ingest_log`);
  expect(await count(db, `select count(*)::int as n from ${t}.events`)).toBe(logged);
  expect(await count(db, `select count(*)::int as n from ${t}.ingest_dead_letters`)).toBe(0);
  const lanes = await lanesOf(db, tenantId);
  expect(caughtUp(lanes)).toBe(true);
  expect(lanes.reduce((sum, lane) => sum + lane.appended, 0)).toBe(logged);
}

interface Load {
  /** The messageIds of the requests answered 200. */
  readonly acknowledged: Set<string>;
  /** Requests that got no answer and had been sent before `markKill` (in flight when the process died). */
  readonly lostInFlight: () => number;
  /** Requests answered other than 200, or not at all. */
  readonly refused: () => number;
  /** The statuses of the requests answered other than 200, each once. */
  readonly refusedWith: Set<number>;
  markKill(): void;
  stop(): Promise<void>;
}

/**
 * `senders` SDKs posting /v1/batch without pause, ack-only, each message
 * with a messageId of its own, over `visitors` visitors. `keepGoing`: a
 * refusal or a dead connection is waited out (an SDK retrying later) instead
 * of ending the sender.
 */
function startLoad(opts: { url: () => string; key: string; senders: number; batch: number; visitors: number; keepGoing: boolean }): Load {
  const tag = hex();
  const acknowledged = new Set<string>();
  let stopped = false;
  let killedAt: number | undefined;
  let lostInFlight = 0;
  let refused = 0;
  const refusedWith = new Set<number>();
  const authorization = `Basic ${Buffer.from(`${opts.key}:`).toString('base64')}`;
  const sender = async (s: number) => {
    for (let n = 0; !stopped; n += 1) {
      const messageIds = Array.from({ length: opts.batch }, (_, k) => `${tag}-${s}-${n}-${k}`);
      const batch = messageIds.map((messageId, k) => track(`visitor-${tag}-${(s + n * opts.batch + k) % opts.visitors}`, { messageId }));
      const sentAt = performance.now();
      let acked = false;
      try {
        const response = await fetch(`${opts.url()}/v1/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ batch }),
        });
        await response.arrayBuffer();
        acked = response.status === 200;
        if (acked) for (const id of messageIds) acknowledged.add(id);
        else {
          refused += 1;
          refusedWith.add(response.status);
        }
      } catch {
        refused += 1;
        if (killedAt !== undefined && sentAt < killedAt) lostInFlight += 1;
        if (!opts.keepGoing) return;
      }
      // An SDK backs off before it sends again.
      if (!acked) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const running = Promise.all(Array.from({ length: opts.senders }, (_, s) => sender(s)));
  return {
    acknowledged,
    lostInFlight: () => lostInFlight,
    refused: () => refused,
    refusedWith,
    markKill() {
      killedAt = performance.now();
    },
    async stop() {
      stopped = true;
      await running;
    },
  };
}

interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A customer's webhook endpoint: answers 200 and keeps every request, to be verified with the secret it is given later. */
async function startWebhookEndpoint(): Promise<{ url: string; received: ReceivedWebhook[]; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What each test brought up, stopped after it whatever happened (a child killed, if the test did not get to it). */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}, 60_000);

const keep = <T extends { close(): Promise<unknown> } | GatewayChild>(thing: T): T => {
  cleanups.push(() => ('kill' in thing ? thing.kill() : thing.close()));
  return thing;
};

/**
 * A database of the deployment's own on the suite's server, migrated, dropped
 * after the test: its processes recover stalled lanes within a second, and
 * must find only their own (test files are separate deployments, and another
 * file's lane under load may stall that long).
 */
async function ownDatabase(): Promise<string> {
  const database = await createScratchDatabase(inject('databaseUrl'), 'lg_faults');
  const db = createDatabase({ url: database.url, poolSize: 1, applicationName: 'leadgraph-test-faults' });
  try {
    await migrateControl(db, controlMigrations);
  } finally {
    await db.close();
  }
  // Dropped last: cleanups run in reverse, after every process on it has stopped.
  cleanups.unshift(() => database.drop());
  return database.url;
}

/** A lead's messages in the processor-kill tests: in chunks of 25, a lead's messages span two or three chunks. */
const LEADS = 20;
const CLICKS = 40;
const KILL_CHUNK = 25;

/**
 * A deployment for the processor-kill tests on a database of its own: a
 * gateway that appends only (the backlog waits for a processor), and a worker
 * that runs the effects' workflows whichever process tells them. The worker is
 * never killed, so what it sends it sends once.
 */
async function processorDeployment(): Promise<{ appender: TestGateway; db: Sql }> {
  const appender = keep(await startTestGateway({ config: deploymentConfig({ DATABASE_URL: await ownDatabase(), INGEST_PROCESSOR_CONCURRENCY: '0' }) }));
  keep(await startTestWorker(appender));
  return { appender, db: appender.services.db };
}

/**
 * Appends one /v1/batch a lead (with the publishable key, as browsers send),
 * lets a processor child take up the lane and kills it -9 short of the head:
 * `after-first-chunk`, from outside once its first chunk committed;
 * `after-first-tell`, itself (`INGEST_FAULT`), the moment it told its first
 * chunk's effects and before it cleared their outbox row. `beforeRecovery`
 * runs with the child dead; then the deployment's next process starts, which
 * recovers the lane and tells what the dead one left in the outbox.
 */
async function killProcessorMidLane(
  appender: TestGateway,
  tenant: TestTenant,
  batches: ReadonlyArray<readonly object[]>,
  opts: { at: 'after-first-chunk' | 'after-first-tell'; beforeRecovery?: () => Promise<void> },
): Promise<void> {
  const db = appender.services.db;
  const append = async (batch: readonly object[]) => {
    const response = await fetch(`${appender.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${tenant.publishableKey}:`).toString('base64')}` },
      body: JSON.stringify({ batch }),
    });
    expect(response.status).toBe(200);
  };
  for (const batch of batches.slice(0, -1)) await append(batch);
  const fault: Record<string, string> = opts.at === 'after-first-tell' ? { INGEST_FAULT: 'kill-after-tell' } : {};
  const child = keep(await spawnGateway(appender, { INGEST_PROCESSOR_CONCURRENCY: '1', INGEST_CHUNK_EVENTS: String(KILL_CHUNK), ...fault }));
  // The last append wakes the child's processor (over Redis), which takes the lane from its cursor.
  await append(batches.at(-1) ?? []);
  const head = batches.reduce((sum, batch) => sum + batch.length, 0);
  if (opts.at === 'after-first-tell') {
    if (child.process.exitCode === null && child.process.signalCode === null) await once(child.process, 'exit');
    expect(child.process.signalCode).toBe('SIGKILL');
  } else {
    const moving = await eventually(() => lanesOf(db, tenant.id), (lanes) => (lanes[0]?.processed ?? 0) >= KILL_CHUNK);
    expect(moving[0]?.appended).toBe(head);
    await child.kill();
  }
  // Dead now: the cursor stays where the last committed chunk left it, past a chunk and short of the head.
  const [left] = await lanesOf(db, tenant.id);
  expect(left?.processed).toBeGreaterThanOrEqual(KILL_CHUNK);
  expect(left?.processed).toBeLessThan(head);
  await opts.beforeRecovery?.();
  keep(await startTestGateway({ config: sameDeployment(appender.config, { INGEST_RECOVER_AFTER_SECONDS: '1', INGEST_CHUNK_EVENTS: String(KILL_CHUNK) }) }));
}

describe('ingestion faults: nothing lost, nothing twice', () => {
  it('kill -9 of a gateway under load loses no acknowledged event: another process of the deployment takes up its lanes', async () => {
    const config = deploymentConfig({ DATABASE_URL: await ownDatabase(), INGEST_PROCESSOR_CONCURRENCY: '0' });
    // Makes the tenant and reads; it neither appends nor processes.
    const observer = keep(await startTestGateway({ config }));
    const db = observer.services.db;
    const tenant = await createTenant(observer);
    // A gateway as deployed: it appends and, with its processor, processes as the load comes in.
    const child = keep(await spawnGateway(observer, { INGEST_PROCESSOR_CONCURRENCY: '2', INGEST_CHUNK_EVENTS: '50' }));

    const load = startLoad({ url: () => child.url, key: tenant.publishableKey, senders: 6, batch: 10, visitors: 7, keepGoing: false });
    // Under load: acknowledged appends, and the child's processor already behind them.
    await eventually(
      async () => ({ acknowledged: load.acknowledged.size, lanes: await lanesOf(db, tenant.id) }),
      (state) => state.acknowledged >= 600 && state.lanes.some((lane) => lane.processed > 0),
    );
    load.markKill();
    await child.kill();
    await load.stop();
    expect(load.acknowledged.size).toBeGreaterThanOrEqual(600);
    // The kill cut requests short: they were not acknowledged, and whatever of them committed is processed like the rest.
    expect(load.lostInFlight()).toBeGreaterThan(0);

    // The deployment's next process: its sweep finds the dead process's lanes unmoved past the recovery delay.
    const successor = keep(await startTestGateway({ config: sameDeployment(config, { INGEST_RECOVER_AFTER_SECONDS: '1' }) }));
    expect(successor.config.REDIS_KEY_PREFIX).toBe(config.REDIS_KEY_PREFIX);
    const lanes = await eventually(() => lanesOf(db, tenant.id), caughtUp, 45_000);
    expect(caughtUp(lanes)).toBe(true);
    await expectProcessedOnce(db, tenant.id, load.acknowledged);
  }, 90_000);

  it('kill -9 of a processor mid-lane neither loses nor doubles an effect: each change is delivered once', async () => {
    const { appender, db } = await processorDeployment();
    const endpoint = keep(await startWebhookEndpoint());
    const tenant = await createTenant(appender);
    const gql = <T>(query: string, variables?: Record<string, unknown>) => appender.data<T>(tenant.secretKey, query, variables);
    // Scores come from the clicks alone: a point each, so a lead's score is its number of events.
    await gql('mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    await gql('mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', {
      i: { rules: [{ name: 'Clicks', kind: 'BOOST', event: 'Clicked', window: 'P14D', pointsPerEvent: 1, maxPoints: 100 }] },
    });
    const segment = (
      await gql<{ createSegment: { id: string } }>('mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
        i: { name: 'Clicked twenty times', rule: { event: 'Clicked', count: { gte: 20 } } },
      })
    ).createSegment;
    const { secret } = (
      await gql<{ createWebhook: { secret: string } }>('mutation ($i: WebhookInput!) { createWebhook(input: $i) { secret } }', {
        i: { url: endpoint.url, events: ['LEAD_SCORED', 'SEGMENT_ENTERED'] },
      })
    ).createWebhook;

    const tag = hex();
    const visitorBatch = (v: number) => Array.from({ length: CLICKS }, (_, k) => track(`lead-${tag}-${v}`, { messageId: `${tag}-${v}-${k}` }));
    await killProcessorMidLane(appender, tenant, Array.from({ length: LEADS }, (_, v) => visitorBatch(v)), { at: 'after-first-chunk' });
    const t = `"t_${tenant.id}"`;
    const settled = await eventually(
      async () => ({
        lanes: await lanesOf(db, tenant.id),
        untold: await count(db, `select count(*)::int as n from ${t}.ingest_effects`),
        pending: await count(db, `select count(*)::int as n from ${t}.webhook_deliveries where status <> 'DELIVERED'`),
        deliveries: await count(db, `select count(*)::int as n from ${t}.webhook_deliveries`),
        received: endpoint.received.length,
      }),
      (s) => caughtUp(s.lanes) && s.untold === 0 && s.pending === 0 && s.received >= s.deliveries,
      // Usually seconds. Under a loaded Temporal dev server an activity task is now and then handed to a poll that has
      // gone; the server tries it again only after its start-to-close timeout (30 s) and the first retry interval (30 s).
      120_000,
    );
    expect(settled).toMatchObject({ untold: 0, pending: 0 });
    expect(caughtUp(settled.lanes)).toBe(true);
    expect(await count(db, `select count(*)::int as n from ${t}.events`)).toBe(LEADS * CLICKS);

    const deliveries = await rows<{ id: string; event_type: string; status: string; payload: { data: Record<string, unknown> } }>(
      db,
      `select id, event_type, status, payload from ${t}.webhook_deliveries order by created_at, id`,
    );
    expect(deliveries.every((d) => d.status === 'DELIVERED')).toBe(true);
    // No change twice: the same type, lead and score move (or segment change) in two deliveries would be an effect told twice.
    const changeOf = (d: (typeof deliveries)[number]) => {
      const { at: _at, ...change } = d.payload.data;
      return JSON.stringify({ type: d.event_type, ...change });
    };
    expect(new Set(deliveries.map(changeOf)).size).toBe(deliveries.length);

    // The receiver got each delivery, signed, once: webhook-id is the delivery's id.
    const receivedIds = endpoint.received.map((r) => r.headers['webhook-id']);
    expect(receivedIds).toHaveLength(deliveries.length);
    expect(new Set(receivedIds)).toEqual(new Set(deliveries.map((d) => d.id)));
    for (const request of endpoint.received) expect(verifiedPayload(secret, request.body, request.headers)).toMatchObject({ type: expect.stringMatching(/^(lead\.scored|segment\.entered)$/) });

    // Every score change delivered once and none missing: per lead, the lead.scored deliveries chain from 0 to its score,
    // each starting where the one before ended; the score is its 40 clicks.
    const leads = await rows<{ id: string; score: number }>(db, `select id, score from ${t}.leads where merged_into is null order by id`);
    expect(leads).toHaveLength(LEADS);
    const scored = deliveries.filter((d) => d.event_type === 'lead.scored').map((d) => d.payload.data as { leadId: string; score: number; previousScore: number });
    for (const lead of leads) {
      expect(lead.score).toBe(CLICKS);
      const chain = scored.filter((d) => d.leadId === lead.id).sort((a, b) => a.previousScore - b.previousScore);
      expect(chain.length).toBeGreaterThan(0);
      expect(chain[0]?.previousScore).toBe(0);
      chain.forEach((link, i) => {
        expect(link.score).toBeGreaterThan(link.previousScore);
        if (i > 0) expect(link.previousScore).toBe(chain[i - 1]?.score);
      });
      expect(chain.at(-1)?.score).toBe(lead.score);
    }
    // Each lead entered the segment once.
    const entered = deliveries.filter((d) => d.event_type === 'segment.entered').map((d) => d.payload.data as { leadId: string; segmentId: string });
    expect(entered.map((d) => d.leadId).sort()).toEqual(leads.map((l) => l.id).sort());
    expect(new Set(entered.map((d) => d.segmentId))).toEqual(new Set([segment.id]));
  }, 200_000);

  it('kill -9 of a processor mid-lane charges each automatic enrichment once', async () => {
    const { appender, db } = await processorDeployment();
    const vendor = keep(await startVendorServer({ key: `sk_live_${hex()}` }));
    const CREDITS = 1_000;
    const tenant = await createTenant(appender, { credits: CREDITS });
    const gql = <T>(query: string, variables?: Record<string, unknown>) => appender.data<T>(tenant.secretKey, query, variables);
    await gql('mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor), apiKey: vendor.key },
    });
    // Every identified lead is enriched by the vendor alone; the day's cap is lifted so that no lead is skipped for it.
    await gql('mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { autoEnrich } }', {
      input: { waterfall: ['vendor:clearbit-like'], autoEnrich: true, automatic: { dailyCreditCap: CREDITS } },
    });

    // Each lead is identified by a business address of its own, first in its batch, then clicks: an identify is told
    // by whichever process committed its chunk, and the dead one may have committed chunks it never told, or told
    // ones whose outbox rows it never cleared.
    const tag = hex();
    const domainOf = (v: number) => `corp-${tag}-${v}.test`;
    const batchOf = (v: number) => [
      { type: 'identify', anonymousId: `lead-${tag}-${v}`, messageId: `${tag}-${v}-id`, traits: { email: `ann@${domainOf(v)}` } },
      ...Array.from({ length: CLICKS - 1 }, (_, k) => track(`lead-${tag}-${v}`, { messageId: `${tag}-${v}-${k}` })),
    ];
    const t = `"t_${tenant.id}"`;
    await killProcessorMidLane(appender, tenant, Array.from({ length: LEADS }, (_, v) => batchOf(v)), {
      at: 'after-first-tell',
      // The dead process told the first lead's identify (its job started) and left the row in the outbox: the next
      // process tells it again. Once the job has charged and finished, that second telling is the one that could charge twice.
      async beforeRecovery() {
        expect(await count(db, `select count(*)::int as n from ${t}.ingest_effects`)).toBeGreaterThan(0);
        const firstLead = `select j.status from ${t}.enrichment_jobs j join ${t}.identities i on i.lead_id = j.lead_id where i.anonymous_id = $1`;
        const jobs = await eventually(() => rows<{ status: string }>(db, firstLead, [`lead-${tag}-0`]), (found) => found.some((job) => job.status === 'COMPLETED'));
        expect(jobs).toEqual([{ status: 'COMPLETED' }]);
      },
    });

    const settled = await eventually(
      async () => ({
        lanes: await lanesOf(db, tenant.id),
        untold: await count(db, `select count(*)::int as n from ${t}.ingest_effects`),
        enriched: await count(db, `select count(distinct lead_id)::int as n from ${t}.enrichment_jobs where status in ('COMPLETED', 'FAILED', 'SKIPPED')`),
        active: await count(db, `select count(*)::int as n from ${t}.enrichment_jobs where status in ('QUEUED', 'RUNNING')`),
      }),
      (s) => caughtUp(s.lanes) && s.untold === 0 && s.enriched === LEADS && s.active === 0,
      120_000,
    );
    expect(settled).toMatchObject({ untold: 0, enriched: LEADS, active: 0 });

    // One job a lead, completed; the vendor asked once a company.
    const jobs = await rows<{ lead_id: string; status: string; credits_charged: number }>(db, `select lead_id, status, credits_charged from ${t}.enrichment_jobs`);
    expect(jobs).toHaveLength(LEADS);
    expect(new Set(jobs.map((job) => job.lead_id)).size).toBe(LEADS);
    expect(jobs.every((job) => job.status === 'COMPLETED')).toBe(true);
    for (let v = 0; v < LEADS; v += 1) expect(vendor.requests(domainOf(v))).toBe(1);

    // Credits once: the vendor's price a lead, in the ledger and the balance alike.
    const price = vendorConfig(vendor)['priceCredits'] as number;
    const ledger = await rows<{ kind: string; n: number; credits: number }>(
      db,
      `select kind, count(*)::int as n, -sum(amount)::int as credits from control.credit_ledger where tenant_id = $1 and kind <> 'grant' group by kind order by kind`,
      [tenant.id],
    );
    const spent = ledger.reduce((sum, line) => sum + line.credits, 0);
    expect(spent).toBe(LEADS * price);
    expect(ledger.find((line) => line.kind === 'charge')?.n).toBe(LEADS);
    expect(jobs.reduce((sum, job) => sum + job.credits_charged, 0)).toBe(LEADS * price);
    const [balance] = await rows<{ balance: number }>(db, 'select balance::int as balance from control.credit_balances where tenant_id = $1', [tenant.id]);
    expect(balance?.balance).toBe(CREDITS - LEADS * price);
  }, 200_000);

  it('a PostgreSQL restart under load makes /readyz fail and recover, and loses nothing acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leadgraph-faults-pg-'));
    // As root, PostgreSQL runs as the postgres OS user, which must be able to enter the folder.
    await chmod(dir, 0o755);
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await findFreePort();
    // The same folder and port each time: a restart, not a new server. Its log is not wanted here.
    const startPostgres = async () => {
      const started = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port, log: () => undefined });
      cleanups.push(() => started.stop());
      return started;
    };
    const postgres = await startPostgres();
    const setup = createDatabase({ url: postgres.url, poolSize: 1, applicationName: 'leadgraph-faults-setup' });
    try {
      await migrateControl(setup, controlMigrations);
    } finally {
      await setup.close();
    }
    // A gateway as deployed on a database of its own: it appends and processes.
    const gateway = keep(await startTestGateway({ config: deploymentConfig({ DATABASE_URL: postgres.url }) }));
    const db = gateway.services.db;
    const tenant = await createTenant(gateway);
    const readiness = async () => (await fetch(`${gateway.url}/readyz`)).status;
    expect(await readiness()).toBe(200);
    // The back end's own events, through GraphQL with the secret key (resolved now, and then from the key cache).
    const trackFromBackEnd = () =>
      gateway.gql(tenant.secretKey, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', { e: [{ anonymousId: `backend-${hex()}`, event: 'Invoiced' }] });
    expect((await trackFromBackEnd()).data).toEqual({ track: { accepted: 1 } });

    const load = startLoad({ url: () => gateway.url, key: tenant.publishableKey, senders: 4, batch: 10, visitors: 7, keepGoing: true });
    await eventually(async () => load.acknowledged.size, (n) => n >= 300);
    const refusedBefore = load.refused();
    await postgres.stop();
    expect(await eventually(readiness, (status) => status !== 200)).toBe(503);
    // While it is down requests are refused (not acknowledged): the SDK's to send again.
    expect(await eventually(async () => load.refused(), (n) => n > refusedBefore)).toBeGreaterThan(refusedBefore);
    // GraphQL says the same in its own terms: a retry, not an internal error.
    const refusedCall = await trackFromBackEnd();
    expect(refusedCall.data).toBeNull();
    expect(refusedCall.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 1, reason: 'UNAVAILABLE' });

    await startPostgres();
    expect(await eventually(readiness, (status) => status === 200)).toBe(200);
    // Writes are taken again after the restart, and processed.
    const before = load.acknowledged.size;
    await eventually(async () => load.acknowledged.size, (n) => n >= before + 300);
    await load.stop();
    expect(load.acknowledged.size).toBeGreaterThanOrEqual(before + 300);
    // Those answered while it was down were told to come back (503 with Retry-After), never a server error.
    expect([...load.refusedWith]).toEqual([503]);

    const lanes = await eventually(() => lanesOf(db, tenant.id), caughtUp, 45_000);
    expect(caughtUp(lanes)).toBe(true);
    await expectProcessedOnce(db, tenant.id, load.acknowledged);
  }, 90_000);
});
