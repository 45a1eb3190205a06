import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_LANE } from '../../modules/leads/ingest/log-entry.js';
import { codeOf, createTenant, startTestGateway, startTwoTenantGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { VISITOR_USER_AGENT } from '../support/headless-chromium.js';
import { lanesBehindOnceProcessed, postSegment } from '../integration/ingest/segment-http.js';

/**
 * Ingestion answers once its messages are appended to the tenant's log and
 * processes them behind. Three things can refuse a request, each answered 503
 * with Retry-After and each writing nothing of it: the process's append queue
 * (a tenant's appends waiting on a slow database), the statement timeout on the
 * append itself, and the backlog of appended messages not processed yet.
 */

const PER_TENANT = 20;
const EVENTS_A_REQUEST = 10;

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

const messageIdsTable = (tenant: TestTenant) => `"t_${tenant.id}".message_ids`;

/**
 * Holds a lock on the tenant's message_ids table, which every append of the
 * tenant writes first, in a transaction of its own: the tenant's appends wait
 * (a slow database, as it looks from the gateway) while its processing and
 * every other tenant go on. Resolves once the lock is held.
 */
async function stallAppends(gateway: TestGateway, tenant: TestTenant): Promise<() => Promise<void>> {
  const held = deferred();
  const release = deferred();
  const transaction = gateway.services.db.transaction(async (tx) => {
    await tx.query(`lock table ${messageIdsTable(tenant)} in share mode`);
    held.release();
    await release.promise;
  });
  await held.promise;
  let released: Promise<void> | undefined;
  // Idempotent: the test releases when it is ready, the `finally` in any case.
  return () => {
    released ??= (async () => {
      release.release();
      await transaction;
    })();
    return released;
  };
}

/** Runs `work` while the tenant's appends are stalled, released at the latest when it ends. */
async function whileStalled<T>(gateway: TestGateway, tenant: TestTenant, work: (release: () => Promise<void>) => Promise<T>): Promise<T> {
  const release = await stallAppends(gateway, tenant);
  try {
    return await work(release);
  } finally {
    await release();
  }
}

/** Resolves once an append of the tenant is waiting for the held lock: its request is in the append queue, in flight. */
async function appendWaiting(gateway: TestGateway, tenant: TestTenant): Promise<void> {
  for (;;) {
    const waiting = await gateway.services.db.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where locktype = 'relation' and not granted and relation = to_regclass($1)`,
      [messageIdsTable(tenant)],
    );
    if ((waiting[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const batchOf = (count: number, prefix = 'bp') => {
  const anonymousId = `${prefix}-${randomUUID()}`;
  return Array.from({ length: count }, (_, i) => ({ type: 'track', event: 'Clicked', anonymousId, messageId: `${anonymousId}-${i}`, properties: { i } }));
};
const idsOf = (batch: Readonly<Array<{ messageId: string }>>) => batch.map((m) => m.messageId);

const storedOf = async (gateway: TestGateway, tenant: TestTenant, ids: readonly string[]) =>
  (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".events where message_id = any($1)`, [[...ids]]))[0]?.n ?? 0;
/** Messages of these ids in the tenant's log: appended, processed or not. */
const loggedOf = async (gateway: TestGateway, tenant: TestTenant, ids: readonly string[]) =>
  (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".ingest_log where message_id = any($1)`, [[...ids]]))[0]?.n ?? 0;
/** Messages of this visitor in the tenant's log. */
const loggedOfVisitor = async (gateway: TestGateway, tenant: TestTenant, anonymousId: string) =>
  (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".ingest_log where message->>'anonymousId' = $1`, [anonymousId]))[0]?.n ?? 0;
const eventsOfVisitor = async (gateway: TestGateway, tenant: TestTenant, anonymousId: string) =>
  (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".events where anonymous_id = $1`, [anonymousId]))[0]?.n ?? 0;

/** Everything the tenant's log holds is processed: what its dataset lacks then was never accepted. */
async function caughtUp(gateway: TestGateway, tenant: TestTenant): Promise<void> {
  expect({ tenant: tenant.id, behind: await lanesBehindOnceProcessed(gateway, tenant.id) }).toEqual({ tenant: tenant.id, behind: [] });
}

const TRACK = 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }';
/** A page pixel as a browser loads it: with a browser's user agent, as crawlers' pixels are dropped (never stored) whatever the load. */
const pixel = (gateway: TestGateway, tenant: TestTenant, anonymousId: string) =>
  fetch(`${gateway.url}/p.gif?k=${tenant.publishableKey}&aid=${anonymousId}`, { headers: { 'user-agent': VISITOR_USER_AGENT } });
const isGif = async (response: Response) => Buffer.from(await response.arrayBuffer()).subarray(0, 6).toString('latin1') === 'GIF89a';

describe('bounded append queues, from the outside, with two tenants', () => {
  let gateway: TestGateway;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    gateway = await startTestGateway({
      config: testConfig({ INGEST_QUEUE_MAX_EVENTS_PER_TENANT: String(PER_TENANT), INGEST_QUEUE_MAX_EVENTS: String(PER_TENANT * 5) }),
    });
    a = await createTenant(gateway);
    b = await createTenant(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it("answers 503 with Retry-After once a tenant's queue is full, writes nothing of the refused request, and serves the other tenant meanwhile", () =>
    whileStalled(gateway, a, async (release) => {
      const batches = Array.from({ length: 3 }, () => batchOf(EVENTS_A_REQUEST));
      const sent = batches.map((batch, index) => postSegment(gateway, '/v1/batch', { batch }, { key: a.publishableKey }).then((response) => ({ index, response })));
      // While the tenant's appends wait, two requests fill its share of the queue; the first answer is the third's refusal.
      const refused = await Promise.race(sent);
      expect(refused.response.status).toBe(503);
      expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.response.body).toMatchObject({ error: 'overloaded' });

      // The other tenant is served, appended and processed, while the first one's queue is full.
      const other = batchOf(EVENTS_A_REQUEST);
      const served = await postSegment(gateway, '/v1/batch', { batch: other }, { key: b.publishableKey });
      expect(served).toMatchObject({ status: 200, body: { accepted: EVENTS_A_REQUEST, processed: true } });
      expect(await storedOf(gateway, b, idsOf(other))).toBe(EVENTS_A_REQUEST);

      // The tenant's own back end is refused too, as RATE_LIMITED with a retryAfter, and nothing of its call is written.
      // (A batch, as the requests filling the queue: a single call is a visitor's and waits in a share of its own.)
      const mutationIds = [`bp-mutation-${randomUUID()}`, `bp-mutation-${randomUUID()}`];
      const tracked = await gateway.gql(a.secretKey, TRACK, { e: mutationIds.map((id) => ({ anonymousId: id, event: 'Viewed', messageId: id })) });
      expect(codeOf(tracked)).toBe('RATE_LIMITED');
      expect(tracked.errors?.[0]?.extensions?.['retryAfter']).toBe(1);

      await release();
      const answers = await Promise.all(sent);
      const admitted = answers.filter((answer) => answer.index !== refused.index);
      expect(admitted.map((answer) => answer.response.status)).toEqual([200, 200]);
      expect(admitted.map((answer) => answer.response.body['processed'])).toEqual([true, true]);
      for (const answer of admitted) expect(await storedOf(gateway, a, idsOf(batches[answer.index]!))).toBe(EVENTS_A_REQUEST);
      // Nothing of the refused request, not one of its events: not in the log, and (all of the log processed) not in the dataset.
      const refusedIds = idsOf(batches[refused.index]!);
      await caughtUp(gateway, a);
      expect(await loggedOf(gateway, a, [...refusedIds, ...mutationIds])).toBe(0);
      expect(await storedOf(gateway, a, [...refusedIds, ...mutationIds])).toBe(0);
      // Sent again once there is room, it is written whole, and once.
      const again = await postSegment(gateway, '/v1/batch', { batch: batches[refused.index] }, { key: a.publishableKey });
      expect(again).toMatchObject({ status: 200, body: { accepted: EVENTS_A_REQUEST, duplicates: 0, processed: true } });
      expect(await storedOf(gateway, a, refusedIds)).toBe(EVENTS_A_REQUEST);
    }));

  it('answers a pixel with its GIF and records nothing while the append queue is full', async () => {
    // The process's whole queue the size of one tenant's share: one batch whose append waits fills it, so a pixel,
    // which waits in its own visitor share of the tenant, finds no room in the process.
    const full = await startTestGateway({ config: testConfig({ INGEST_QUEUE_MAX_EVENTS_PER_TENANT: String(PER_TENANT), INGEST_QUEUE_MAX_EVENTS: String(PER_TENANT) }) });
    try {
      const tenant = await createTenant(full);
      const first = batchOf(PER_TENANT);
      const visitor = `bp-pixel-${randomUUID()}`;
      const pending = await whileStalled(full, tenant, async (release) => {
        const pending = postSegment(full, '/v1/batch', { batch: first }, { key: tenant.publishableKey });
        await appendWaiting(full, tenant);
        const gif = await pixel(full, tenant, visitor);
        expect(gif.status).toBe(200);
        expect(await isGif(gif)).toBe(true);
        await release();
        return pending;
      });
      expect(pending).toMatchObject({ status: 200, body: { accepted: PER_TENANT, processed: true } });
      expect(await storedOf(full, tenant, idsOf(first))).toBe(PER_TENANT);
      await caughtUp(full, tenant);
      expect(await loggedOfVisitor(full, tenant, visitor)).toBe(0);
      expect(await eventsOfVisitor(full, tenant, visitor)).toBe(0);
      // Once there is room, the same visitor's pixel is recorded.
      expect((await pixel(full, tenant, visitor)).status).toBe(200);
      await caughtUp(full, tenant);
      expect(await eventsOfVisitor(full, tenant, visitor)).toBe(1);
    } finally {
      await full.close();
    }
  });
});

describe('a write past the statement timeout, from the outside', () => {
  let gateway: TestGateway;
  let tenant: TestTenant;

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TENANT_STATEMENT_TIMEOUT_MS: '300' }) });
    tenant = await createTenant(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 503 with Retry-After, writes nothing, and stores the same request sent again once the database keeps up', async () => {
    const anonymousId = `st-${randomUUID()}`;
    const batch = Array.from({ length: 3 }, (_, i) => ({ type: 'track', event: 'Clicked', anonymousId, messageId: `${anonymousId}-${i}` }));
    // The append waits for the held lock past the statement timeout, and is rolled back.
    const refused = await whileStalled(gateway, tenant, async () => {
      const refused = await postSegment(gateway, '/v1/batch', { batch }, { key: tenant.publishableKey });
      // A pixel is answered with its GIF all the same and records nothing.
      const gif = await pixel(gateway, tenant, `${anonymousId}-pixel`);
      expect(gif.status).toBe(200);
      expect(await isGif(gif)).toBe(true);
      return refused;
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ error: 'overloaded' });
    const logged = async () =>
      (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".ingest_log where message->>'anonymousId' like $1`, [`${anonymousId}%`]))[0]?.n;
    const stored = async () =>
      (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".events where anonymous_id like $1`, [`${anonymousId}%`]))[0]?.n;
    await caughtUp(gateway, tenant);
    expect(await logged()).toBe(0);
    expect(await stored()).toBe(0);
    // Its messageIds were not kept either: sent again, the request is new, and stored whole.
    const again = await postSegment(gateway, '/v1/batch', { batch }, { key: tenant.publishableKey });
    expect(again).toMatchObject({ status: 200, body: { accepted: 3, duplicates: 0, processed: true } });
    // And the pixel, loaded again, is recorded: what kept it out was the timeout.
    expect((await pixel(gateway, tenant, `${anonymousId}-pixel`)).status).toBe(200);
    await caughtUp(gateway, tenant);
    expect(await stored()).toBe(4);
  });
});

describe('a bounded backlog, from the outside, with two tenants', () => {
  // Nothing processes on this gateway (INGEST_PROCESSOR_CONCURRENCY=0): what it appends waits until a processor takes it up.
  const BACKLOG = 5;
  const URGENT_BACKLOG = 3;
  const masterKey = randomBytes(32).toString('base64');
  let gateway: TestGateway;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    ({ gateway, a, b } = await startTwoTenantGateway({
      SECRETS_MASTER_KEY: masterKey,
      INGEST_PROCESSOR_CONCURRENCY: '0',
      INGEST_MAX_BACKLOG_PER_TENANT: String(BACKLOG),
      INGEST_MAX_URGENT_BACKLOG_PER_TENANT: String(URGENT_BACKLOG),
    }));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it("refuses a tenant's bulk past its backlog bound with 503 and Retry-After, writes none of it, serves the other tenant and the tenant's visitors, and stores the same request once when sent again", async () => {
    const filling = batchOf(BACKLOG + 3, 'bl');
    expect(await postSegment(gateway, '/v1/batch', { batch: filling }, { key: a.publishableKey, ackOnly: true })).toMatchObject({ status: 200, body: { accepted: BACKLOG + 3 } });
    await gateway.services.ingestion.backlog.refresh();

    const over = batchOf(2, 'bl-over');
    const refused = await postSegment(gateway, '/v1/batch', { batch: over }, { key: a.publishableKey, ackOnly: true });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body).toMatchObject({ error: 'overloaded' });
    // The tenant's own back end's batch is refused the same way.
    const mutationIds = [`bl-mutation-${randomUUID()}`, `bl-mutation-${randomUUID()}`];
    const tracked = await gateway.gql(a.secretKey, TRACK, { e: mutationIds.map((id) => ({ anonymousId: id, event: 'Viewed', messageId: id })) });
    expect(codeOf(tracked)).toBe('RATE_LIMITED');
    expect(Number(tracked.errors?.[0]?.extensions?.['retryAfter'])).toBeGreaterThanOrEqual(1);

    // The other tenant's bulk has a bound of its own; the tenant's visitors' own calls have theirs.
    const others = batchOf(BACKLOG + 3, 'bl-other');
    expect(await postSegment(gateway, '/v1/batch', { batch: others }, { key: b.publishableKey, ackOnly: true })).toMatchObject({ status: 200, body: { accepted: BACKLOG + 3 } });
    const visitorCall = { type: 'track', event: 'Clicked', anonymousId: `bl-visitor-${randomUUID()}`, messageId: randomUUID() };
    expect(await postSegment(gateway, '/v1/track', visitorCall, { key: a.publishableKey, ackOnly: true })).toMatchObject({ status: 200, body: { accepted: 1 } });
    const pixelVisitor = `bl-pixel-${randomUUID()}`;
    expect((await pixel(gateway, a, pixelVisitor)).status).toBe(200);

    // Answered means appended (committed before the answer): the log holds what was accepted and nothing of what was refused.
    expect(await loggedOf(gateway, a, idsOf(filling))).toBe(BACKLOG + 3);
    expect(await loggedOf(gateway, a, [visitorCall.messageId])).toBe(1);
    expect(await loggedOfVisitor(gateway, a, pixelVisitor)).toBe(1);
    expect(await loggedOf(gateway, a, [...idsOf(over), ...mutationIds])).toBe(0);
    expect(await loggedOf(gateway, b, idsOf(others))).toBe(BACKLOG + 3);

    // A processor drains the tenant's bulk; the same request, sent again, is accepted whole and stored once. (Its own
    // Redis prefix: the appends here do not wake it, so what it processes is what processAll says.)
    const processing = await startTestGateway({ config: testConfig({ SECRETS_MASTER_KEY: masterKey }) });
    try {
      const tenantDb = processing.services.tenantDbs.ofResolved({ tenantId: a.id, schema: `t_${a.id}` });
      const processor = processing.services.ingestion.processor;
      if (processor === undefined) throw new Error('the processing gateway has no processor');
      expect(await processor.processAll(tenantDb, BULK_LANE)).toBe(BACKLOG + 3);
      await gateway.services.ingestion.backlog.refresh();
      const again = await postSegment(gateway, '/v1/batch', { batch: over }, { key: a.publishableKey, ackOnly: true });
      expect(again).toMatchObject({ status: 200, body: { accepted: 2, duplicates: 0 } });
      expect(await processor.processAll(tenantDb, BULK_LANE)).toBe(2);
      expect(await storedOf(gateway, a, idsOf(over))).toBe(2);
      expect(await storedOf(gateway, a, idsOf(filling))).toBe(BACKLOG + 3);
      // Once more: a duplicate, not a second copy.
      expect(await postSegment(gateway, '/v1/batch', { batch: over }, { key: a.publishableKey, ackOnly: true })).toMatchObject({ status: 200, body: { accepted: 0, duplicates: 2 } });
      expect(await loggedOf(gateway, a, idsOf(over))).toBe(2);
    } finally {
      await processing.close();
    }
  });

  it("answers a pixel with its GIF and logs nothing once the tenant's visitor backlog is past its bound, and refuses its visitor calls with 503", async () => {
    const tenant = await createTenant(gateway);
    for (let i = 0; i <= URGENT_BACKLOG; i += 1) {
      const call = { type: 'track', event: 'Clicked', anonymousId: `bl-u-${randomUUID()}`, messageId: randomUUID() };
      expect((await postSegment(gateway, '/v1/track', call, { key: tenant.publishableKey, ackOnly: true })).status).toBe(200);
    }
    await gateway.services.ingestion.backlog.refresh();

    const refusedCall = { type: 'track', event: 'Clicked', anonymousId: `bl-u-${randomUUID()}`, messageId: randomUUID() };
    const refused = await postSegment(gateway, '/v1/track', refusedCall, { key: tenant.publishableKey, ackOnly: true });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const visitor = `bl-pixel-${randomUUID()}`;
    const gif = await pixel(gateway, tenant, visitor);
    expect(gif.status).toBe(200);
    expect(await isGif(gif)).toBe(true);
    expect(await loggedOfVisitor(gateway, tenant, visitor)).toBe(0);
    expect(await loggedOf(gateway, tenant, [refusedCall.messageId])).toBe(0);
    // Another tenant's visitor is served meanwhile.
    const elsewhere = `bl-pixel-${randomUUID()}`;
    expect((await pixel(gateway, b, elsewhere)).status).toBe(200);
    expect(await loggedOfVisitor(gateway, b, elsewhere)).toBe(1);
  });
});
