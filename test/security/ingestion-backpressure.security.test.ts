import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { postSegment } from '../integration/ingest/segment-http.js';

const PER_TENANT = 20;
const EVENTS_A_REQUEST = 10;

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** The advisory lock buckets ingestion takes per tenant schema (event-store's LOCK_BUCKETS): all of them block every commit of the tenant. */
const allIdentityBuckets = (schema: string) => Array.from({ length: 64 }, (_, n) => `${schema}:b:${n}`);

/**
 * Holds every identity lock of the tenant's schema in a transaction of its
 * own, so the tenant's commits wait (a slow database, as it looks from the
 * gateway); resolves once the locks are held.
 */
async function stallCommits(gateway: TestGateway, tenant: TestTenant): Promise<() => Promise<void>> {
  const held = deferred();
  const release = deferred();
  const transaction = gateway.services.db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest($1::text[]) as k order by k', [allIdentityBuckets(`t_${tenant.id}`)]);
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

describe('bounded ingestion queues, from the outside, with two tenants', () => {
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

  /** Runs `work` while the tenant's commits are stalled, released at the latest when it ends. */
  async function whileStalled<T>(tenant: TestTenant, work: (release: () => Promise<void>) => Promise<T>): Promise<T> {
    const release = await stallCommits(gateway, tenant);
    try {
      return await work(release);
    } finally {
      await release();
    }
  }

  const batchOf = (count: number) => {
    const anonymousId = `bp-${randomUUID()}`;
    return Array.from({ length: count }, (_, i) => ({ type: 'track', event: 'Clicked', anonymousId, messageId: `${anonymousId}-${i}`, properties: { i } }));
  };
  const storedOf = async (tenant: TestTenant, ids: readonly string[]) =>
    (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".events where message_id = any($1)`, [[...ids]]))[0]?.n ?? 0;

  it("answers 503 with Retry-After once a tenant's queue is full, writes nothing of the refused request, and serves the other tenant meanwhile", () =>
    whileStalled(a, async (release) => {
      const batches = Array.from({ length: 3 }, () => batchOf(EVENTS_A_REQUEST));
      const sent = batches.map((batch, index) => postSegment(gateway, '/v1/batch', { batch }, { key: a.publishableKey }).then((response) => ({ index, response })));
      // While the tenant's commits wait, two requests fill its share of the queue; the first answer is the third's refusal.
      const refused = await Promise.race(sent);
      expect(refused.response.status).toBe(503);
      expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.response.body).toMatchObject({ error: 'overloaded' });

      // The other tenant is served while the first one's queue is full.
      const other = batchOf(EVENTS_A_REQUEST);
      const served = await postSegment(gateway, '/v1/batch', { batch: other }, { key: b.publishableKey });
      expect(served.status).toBe(200);
      expect(await storedOf(b, other.map((m) => m.messageId))).toBe(EVENTS_A_REQUEST);

      // The tenant's own back end is refused too, as RATE_LIMITED with a retryAfter, and nothing of its call is written.
      const mutationId = `bp-mutation-${randomUUID()}`;
      const tracked = await gateway.gql(a.secretKey, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', {
        e: [{ anonymousId: mutationId, event: 'Viewed', messageId: mutationId }],
      });
      expect(codeOf(tracked)).toBe('RATE_LIMITED');
      expect(tracked.errors?.[0]?.extensions?.['retryAfter']).toBe(1);

      await release();
      const answers = await Promise.all(sent);
      const admitted = answers.filter((answer) => answer.index !== refused.index);
      expect(admitted.map((answer) => answer.response.status)).toEqual([200, 200]);
      for (const answer of admitted) expect(await storedOf(a, batches[answer.index]!.map((m) => m.messageId))).toBe(EVENTS_A_REQUEST);
      // Nothing of the refused request, not one of its events.
      const refusedIds = batches[refused.index]!.map((m) => m.messageId);
      expect(await storedOf(a, refusedIds)).toBe(0);
      expect(await storedOf(a, [mutationId])).toBe(0);
      // Sent again once there is room, it is written whole.
      expect((await postSegment(gateway, '/v1/batch', { batch: batches[refused.index] }, { key: a.publishableKey })).status).toBe(200);
      expect(await storedOf(a, refusedIds)).toBe(EVENTS_A_REQUEST);
    }));

  /** Resolves once a commit of the tenant is waiting for the held locks: its request is in flight. */
  async function commitWaiting(tenant: TestTenant): Promise<void> {
    for (;;) {
      const waiting = await gateway.services.db.query<{ n: number }>(
        `select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and not l.granted and a.query like $1`,
        [`%t_${tenant.id}:b:%`],
      );
      if ((waiting[0]?.n ?? 0) > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('answers a pixel with its GIF and records nothing while the queue is full', () =>
    whileStalled(a, async (release) => {
      const first = batchOf(PER_TENANT);
      const pending = postSegment(gateway, '/v1/batch', { batch: first }, { key: a.publishableKey });
      await commitWaiting(a);
      const visitor = `bp-pixel-${randomUUID()}`;
      const gif = await fetch(`${gateway.url}/p.gif?k=${a.publishableKey}&aid=${visitor}`);
      expect(gif.status).toBe(200);
      expect(Buffer.from(await gif.arrayBuffer()).subarray(0, 6).toString('latin1')).toBe('GIF89a');
      await release();
      expect((await pending).status).toBe(200);
      const pixels = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${a.id}".events where anonymous_id = $1`, [visitor]);
      expect(pixels[0]?.n).toBe(0);
      expect(await storedOf(a, first.map((m) => m.messageId))).toBe(PER_TENANT);
    }));
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
    const release = await stallCommits(gateway, tenant);
    let refused: Awaited<ReturnType<typeof postSegment>>;
    try {
      refused = await postSegment(gateway, '/v1/batch', { batch }, { key: tenant.publishableKey });
      // A pixel is answered with its GIF all the same and records nothing.
      const gif = await fetch(`${gateway.url}/p.gif?k=${tenant.publishableKey}&aid=${anonymousId}-pixel`);
      expect(gif.status).toBe(200);
    } finally {
      await release();
    }
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ error: 'overloaded' });
    const stored = async () =>
      (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".events where anonymous_id like $1`, [`${anonymousId}%`]))[0]?.n;
    expect(await stored()).toBe(0);
    expect((await postSegment(gateway, '/v1/batch', { batch }, { key: tenant.publishableKey })).status).toBe(200);
    expect(await stored()).toBe(3);
  });
});

