import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Coordination, CoordinationErrorHandler } from '../../platform/coordination/coordination.js';
import { createMemoryCoordination } from '../../platform/coordination/memory-coordination.js';
import { createRedisCoordination } from '../../platform/coordination/redis-coordination.js';
import { messageCollector } from '../support/message-collector.js';

// The run's Redis: REDIS_URL, or the server the global setup started.
const REDIS_URL = inject('redisUrl');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Random prefix per file run so parallel test files sharing one Redis never collide.
const runPrefix = `lgtest:${randomUUID()}:`;

type Factory = { name: string; create: (onError?: CoordinationErrorHandler) => Promise<Coordination> };

const opened: Coordination[] = [];
async function track(coordination: Promise<Coordination>): Promise<Coordination> {
  const c = await coordination;
  opened.push(c);
  return c;
}

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
});

const factories: Factory[] = [
  { name: 'memory', create: async (onError) => track(Promise.resolve(createMemoryCoordination({ onError }))) },
  {
    name: 'redis',
    create: (onError) => track(createRedisCoordination({ url: REDIS_URL, keyPrefix: runPrefix, onError })),
  },
];

function collector() {
  const collected = messageCollector<string>();
  return { messages: collected.messages, onMessage: (message: string) => collected.push(message), waitFor: collected.waitFor };
}

describe.each(factories)('coordination contract: $name', ({ name, create }) => {
  const key = (label: string) => `${label}:${randomUUID()}`;

  describe('rate limiter', () => {
    it('allows exactly `limit` hits per window, refuses with retryAfter >= 1, then allows again', async () => {
      const c = await create();
      const k = key('rl');
      const windowMs = 1_000;

      const decisions = [];
      for (let i = 0; i < 5; i++) decisions.push(await c.rateLimiter.hit(k, 3, windowMs));
      expect(decisions.slice(0, 3)).toEqual([
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 1 },
        { allowed: true, remaining: 0 },
      ]);
      for (const refused of decisions.slice(3)) {
        expect(refused.allowed).toBe(false);
        if (refused.allowed) continue;
        expect(Number.isInteger(refused.retryAfterSeconds)).toBe(true);
        expect(refused.retryAfterSeconds).toBe(1);
      }

      await sleep(windowMs + 100);
      expect(await c.rateLimiter.hit(k, 3, windowMs)).toEqual({ allowed: true, remaining: 2 });
    });

    it('reports retryAfterSeconds as whole seconds until the window frees up', async () => {
      const c = await create();
      const k = key('rl-long');
      expect((await c.rateLimiter.hit(k, 1, 5_000)).allowed).toBe(true);
      const refused = await c.rateLimiter.hit(k, 1, 5_000);
      expect(refused).toEqual({ allowed: false, retryAfterSeconds: 5 });
    });

    it('keeps separate counters per key', async () => {
      const c = await create();
      const a = key('rl-a');
      const b = key('rl-b');
      expect((await c.rateLimiter.hit(a, 1, 5_000)).allowed).toBe(true);
      expect((await c.rateLimiter.hit(a, 1, 5_000)).allowed).toBe(false);
      expect((await c.rateLimiter.hit(b, 1, 5_000)).allowed).toBe(true);
    });

    it('admits exactly `limit` of 100 concurrent hits', async () => {
      const c = await create();
      const k = key('rl-concurrent');
      const decisions = await Promise.all(Array.from({ length: 100 }, () => c.rateLimiter.hit(k, 30, 10_000)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
      const remaining = decisions.flatMap((d) => (d.allowed ? [d.remaining] : [])).sort((x, y) => x - y);
      expect(remaining).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it('hitEach counts every key against its own limit and refuses when any is over, with the longest wait', async () => {
      const c = await create();
      const tag = `{${randomUUID()}}`;
      const a = `rl-each:${tag}:a`;
      const b = `rl-each:${tag}:b`;
      const hits = [
        { key: a, limit: 3 },
        { key: b, limit: 1 },
      ];
      expect(await c.rateLimiter.hitEach(hits, 5_000)).toEqual({ allowed: true, remaining: 0 });
      expect(await c.rateLimiter.hitEach(hits, 5_000)).toEqual({ allowed: false, retryAfterSeconds: 5 });
      // Both were counted: a has had two hits of its three, b is over.
      expect(await c.rateLimiter.hit(a, 3, 5_000)).toEqual({ allowed: true, remaining: 0 });
      expect((await c.rateLimiter.hit(b, 1, 5_000)).allowed).toBe(false);
      expect(await c.rateLimiter.hitEach([{ key: `rl-each:${tag}:c`, limit: 2 }], 5_000)).toEqual({ allowed: true, remaining: 1 });
      await expect(c.rateLimiter.hitEach([{ key: a, limit: -1 }], 1_000)).rejects.toThrow(RangeError);
    });

    it('rejects nonsensical limits and windows', async () => {
      const c = await create();
      await expect(c.rateLimiter.hit(key('rl-bad'), -1, 1_000)).rejects.toThrow(RangeError);
      await expect(c.rateLimiter.hit(key('rl-bad'), 1.5, 1_000)).rejects.toThrow(RangeError);
      await expect(c.rateLimiter.hit(key('rl-bad'), 10, 0)).rejects.toThrow(RangeError);
      // Windows are whole seconds: a fraction would be rounded by the store, not honoured.
      await expect(c.rateLimiter.hit(key('rl-bad'), 10, 300)).rejects.toThrow(RangeError);
      await expect(c.rateLimiter.hitEach([{ key: key('rl-bad'), limit: 10 }], 1_500)).rejects.toThrow(RangeError);
    });
  });

  describe('semaphores', () => {
    it('admits `limit` holders, refuses the next, and frees a slot on release', async () => {
      const c = await create();
      const k = key('sem');
      const first = await c.semaphores.tryAcquire(k, 2, 10_000);
      const second = await c.semaphores.tryAcquire(k, 2, 10_000);
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(await c.semaphores.tryAcquire(k, 2, 10_000)).toBeUndefined();

      await first?.release();
      await first?.release(); // idempotent: frees one slot, not two
      const third = await c.semaphores.tryAcquire(k, 2, 10_000);
      expect(third).toBeDefined();
      expect(await c.semaphores.tryAcquire(k, 2, 10_000)).toBeUndefined();
      await Promise.all([second?.release(), third?.release()]);
    });

    it('keeps separate slots per key', async () => {
      const c = await create();
      const a = key('sem-a');
      const b = key('sem-b');
      const held = await c.semaphores.tryAcquire(a, 1, 10_000);
      expect(held).toBeDefined();
      expect(await c.semaphores.tryAcquire(a, 1, 10_000)).toBeUndefined();
      const other = await c.semaphores.tryAcquire(b, 1, 10_000);
      expect(other).toBeDefined();
      await Promise.all([held?.release(), other?.release()]);
    });

    it('grants exactly `limit` of 20 concurrent tries', async () => {
      const c = await create();
      const k = key('sem-concurrent');
      const leases = await Promise.all(Array.from({ length: 20 }, () => c.semaphores.tryAcquire(k, 3, 10_000)));
      const granted = leases.filter((lease) => lease !== undefined);
      expect(granted).toHaveLength(3);
      await Promise.all(granted.map((lease) => lease.release()));
    });

    it('rejects nonsensical limits and leases', async () => {
      const c = await create();
      await expect(c.semaphores.tryAcquire(key('sem-bad'), 0, 1_000)).rejects.toThrow(RangeError);
      await expect(c.semaphores.tryAcquire(key('sem-bad'), 1.5, 1_000)).rejects.toThrow(RangeError);
      await expect(c.semaphores.tryAcquire(key('sem-bad'), 1, 0)).rejects.toThrow(RangeError);
    });
  });

  describe('cache', () => {
    it('sets, gets, overwrites and deletes', async () => {
      const c = await create();
      const k = key('cache');
      expect(await c.cache.get(k)).toBeUndefined();
      await c.cache.set(k, 'v1', 10_000);
      expect(await c.cache.get(k)).toBe('v1');
      await c.cache.set(k, 'v2', 10_000);
      expect(await c.cache.get(k)).toBe('v2');
      await c.cache.delete(k);
      expect(await c.cache.get(k)).toBeUndefined();
      await expect(c.cache.delete(k)).resolves.toBeUndefined();
    });

    it('keeps empty strings distinct from misses', async () => {
      const c = await create();
      const k = key('cache-empty');
      await c.cache.set(k, '', 10_000);
      expect(await c.cache.get(k)).toBe('');
    });

    it('expires entries after their ttl', async () => {
      const c = await create();
      const k = key('cache-ttl');
      await c.cache.set(k, 'short', 200);
      expect(await c.cache.get(k)).toBe('short');
      await sleep(300);
      expect(await c.cache.get(k)).toBeUndefined();
    });

    it('does not share keys with the rate limiter', async () => {
      const c = await create();
      const k = key('shared-name');
      await c.rateLimiter.hit(k, 10, 10_000);
      expect(await c.cache.get(k)).toBeUndefined();
    });
  });

  describe('cache: setIfAbsent and deleteIfEquals', () => {
    it('lets the first setIfAbsent store and refuses the second', async () => {
      const c = await create();
      const k = key('nx');
      expect(await c.cache.setIfAbsent(k, 'first', 10_000)).toBe(true);
      expect(await c.cache.setIfAbsent(k, 'second', 10_000)).toBe(false);
      expect(await c.cache.get(k)).toBe('first');
    });

    it('stores again once the held value has expired', async () => {
      const c = await create();
      const k = key('nx-ttl');
      expect(await c.cache.setIfAbsent(k, 'old', 200)).toBe(true);
      await sleep(300);
      expect(await c.cache.setIfAbsent(k, 'new', 10_000)).toBe(true);
      expect(await c.cache.get(k)).toBe('new');
    });

    it('lets exactly one of 20 concurrent setIfAbsent calls store', async () => {
      const c = await create();
      const k = key('nx-concurrent');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => c.cache.setIfAbsent(k, `holder-${i}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await c.cache.get(k)).toBe(`holder-${results.indexOf(true)}`);
    });

    it('deletes only when the key holds exactly the given value', async () => {
      const c = await create();
      const k = key('cad');
      await c.cache.set(k, 'mine', 10_000);
      expect(await c.cache.deleteIfEquals(k, 'theirs')).toBe(false);
      expect(await c.cache.get(k)).toBe('mine');
      expect(await c.cache.deleteIfEquals(k, 'mine')).toBe(true);
      expect(await c.cache.get(k)).toBeUndefined();
      expect(await c.cache.deleteIfEquals(k, 'mine')).toBe(false);
    });

    it('rejects nonsensical ttls', async () => {
      const c = await create();
      await expect(c.cache.setIfAbsent(key('nx-bad'), 'v', 0)).rejects.toThrow(RangeError);
      await expect(c.cache.setIfAbsent(key('nx-bad'), 'v', Number.NaN)).rejects.toThrow(RangeError);
    });
  });

  describe('deleteByPrefix', () => {
    it('deletes the cache entries under a prefix, counts them, and leaves the rest', async () => {
      const c = await create();
      const tenant = key('tenant');
      const neighbour = `${tenant}x`;
      await c.cache.set(`${tenant}:a`, '1', 10_000);
      await c.cache.set(`${tenant}:b:c`, '2', 10_000);
      await c.cache.set(`${neighbour}:a`, '3', 10_000);
      await c.rateLimiter.hit(`${tenant}:a`, 10, 10_000);

      expect(await c.cache.deleteByPrefix(`${tenant}:`)).toBe(2);
      expect(await c.cache.get(`${tenant}:a`)).toBeUndefined();
      expect(await c.cache.get(`${tenant}:b:c`)).toBeUndefined();
      expect(await c.cache.get(`${neighbour}:a`)).toBe('3');
      // The rate limiter's counters are its own: the cache's sweep leaves them.
      expect(await c.rateLimiter.hit(`${tenant}:a`, 10, 10_000)).toEqual({ allowed: true, remaining: 8 });
      expect(await c.cache.deleteByPrefix(`${tenant}:`)).toBe(0);
    });

    it('resets the rate-limit counters under a prefix and leaves the cache', async () => {
      const c = await create();
      const tenant = key('tenant-rl');
      await c.rateLimiter.hit(`${tenant}:k1`, 1, 10_000);
      await c.rateLimiter.hit(`${tenant}:k2`, 1, 10_000);
      await c.rateLimiter.hit(`other-${tenant}:k1`, 1, 10_000);
      await c.cache.set(`${tenant}:k1`, 'kept', 10_000);

      expect(await c.rateLimiter.deleteByPrefix(`${tenant}:`)).toBe(2);
      expect((await c.rateLimiter.hit(`${tenant}:k1`, 1, 10_000)).allowed).toBe(true);
      expect((await c.rateLimiter.hit(`other-${tenant}:k1`, 1, 10_000)).allowed).toBe(false);
      expect(await c.cache.get(`${tenant}:k1`)).toBe('kept');
    });

    it('takes glob characters in a prefix literally', async () => {
      const c = await create();
      const base = key('glob');
      await c.cache.set(`${base}:*:[a]?`, 'literal', 10_000);
      await c.cache.set(`${base}:x:a?`, 'other', 10_000);
      expect(await c.cache.deleteByPrefix(`${base}:*:[a]`)).toBe(1);
      expect(await c.cache.get(`${base}:x:a?`)).toBe('other');
    });

    it('deletes more entries than one scan returns', async () => {
      const c = await create();
      const base = key('many');
      await Promise.all(Array.from({ length: 2_500 }, (_, i) => c.cache.set(`${base}:${i}`, 'v', 60_000)));
      expect(await c.cache.deleteByPrefix(`${base}:`)).toBe(2_500);
      expect(await c.cache.get(`${base}:1234`)).toBeUndefined();
    });

    it('refuses an empty prefix rather than wiping everything', async () => {
      const c = await create();
      await expect(c.cache.deleteByPrefix('')).rejects.toThrow(RangeError);
      await expect(c.rateLimiter.deleteByPrefix('')).rejects.toThrow(RangeError);
    });
  });

  describe('pubsub', () => {
    it('delivers to every subscriber of the channel and not to other channels', async () => {
      const c = await create();
      const channel = key('ch');
      const other = key('ch-other');
      const first = collector();
      const second = collector();
      const bystander = collector();
      await c.pubsub.subscribe(channel, first.onMessage);
      await c.pubsub.subscribe(channel, second.onMessage);
      await c.pubsub.subscribe(other, bystander.onMessage);

      await c.pubsub.publish(channel, 'hello');
      // Publishes from one client are delivered in order, so once the marker lands
      // on `other`, anything misrouted from `channel` would already be there.
      await c.pubsub.publish(other, 'marker');
      await Promise.all([first.waitFor(1), second.waitFor(1), bystander.waitFor(1)]);

      expect(first.messages).toEqual(['hello']);
      expect(second.messages).toEqual(['hello']);
      expect(bystander.messages).toEqual(['marker']);
    });

    it('never delivers synchronously inside the publish() call', async () => {
      const c = await create();
      const channel = key('ch-async');
      const received = collector();
      await c.pubsub.subscribe(channel, received.onMessage);
      // Callers may publish while holding state a re-entrant handler would observe half-updated.
      const publishing = c.pubsub.publish(channel, 'later');
      const seenSynchronously = received.messages.length;
      await publishing;
      await received.waitFor(1);
      expect(seenSynchronously).toBe(0);
    });

    it('stops delivery after unsubscribe, including when the last subscriber leaves', async () => {
      const c = await create();
      const channel = key('ch-unsub');
      const first = collector();
      const second = collector();
      const unsubscribeFirst = await c.pubsub.subscribe(channel, first.onMessage);
      const unsubscribeSecond = await c.pubsub.subscribe(channel, second.onMessage);

      await c.pubsub.publish(channel, 'm1');
      await Promise.all([first.waitFor(1), second.waitFor(1)]);

      await unsubscribeFirst();
      await unsubscribeFirst(); // idempotent
      await c.pubsub.publish(channel, 'm2');
      await second.waitFor(2);
      expect(first.messages).toEqual(['m1']);
      expect(second.messages).toEqual(['m1', 'm2']);

      await unsubscribeSecond();
      const third = collector();
      await c.pubsub.subscribe(channel, third.onMessage);
      await c.pubsub.publish(channel, 'm3');
      await third.waitFor(1);
      expect(third.messages).toEqual(['m3']);
      expect(first.messages).toEqual(['m1']);
      expect(second.messages).toEqual(['m1', 'm2']);
    });

    it('isolates a throwing subscriber and reports it', async () => {
      const errors: string[] = [];
      const c = await create((_error, context) => errors.push(context));
      const channel = key('ch-throw');
      const healthy = collector();
      await c.pubsub.subscribe(channel, () => {
        throw new Error('boom');
      });
      await c.pubsub.subscribe(channel, healthy.onMessage);
      await c.pubsub.publish(channel, 'survives');
      await healthy.waitFor(1);
      expect(healthy.messages).toEqual(['survives']);
      expect(errors.some((context) => context.includes(channel))).toBe(true);
    });
  });

  describe('lifecycle', () => {
    it(`reports kind "${name}", pings, and rejects operations after close`, async () => {
      const c = await create();
      expect(c.kind).toBe(name);
      await expect(c.ping()).resolves.toBeUndefined();
      await c.close();
      await c.close(); // idempotent
      await expect(c.ping()).rejects.toThrow();
      await expect(c.cache.get(key('closed'))).rejects.toThrow();
      await expect(c.rateLimiter.hit(key('closed'), 1, 1_000)).rejects.toThrow();
      await expect(c.semaphores.tryAcquire(key('closed'), 1, 1_000)).rejects.toThrow();
    });
  });
});

describe('redis coordination across gateway instances', () => {
  const create = (keyPrefix = runPrefix, onError?: CoordinationErrorHandler) =>
    track(createRedisCoordination({ url: REDIS_URL, keyPrefix, onError }));

  it('delivers a message published on one instance to a subscriber on another', async () => {
    const [a, b] = await Promise.all([create(), create()]);
    const channel = `api-key-revoked:${randomUUID()}`;
    const onA = collector();
    const onB = collector();
    await a.pubsub.subscribe(channel, onA.onMessage);
    await b.pubsub.subscribe(channel, onB.onMessage);
    await a.pubsub.publish(channel, 'key_123');
    await Promise.all([onA.waitFor(1), onB.waitFor(1)]);
    expect(onA.messages).toEqual(['key_123']);
    expect(onB.messages).toEqual(['key_123']);
  });

  it('shares rate-limit counts and cache entries between instances', async () => {
    const [a, b] = await Promise.all([create(), create()]);
    const k = `tenant:${randomUUID()}`;
    expect(await a.rateLimiter.hit(k, 2, 10_000)).toEqual({ allowed: true, remaining: 1 });
    expect(await b.rateLimiter.hit(k, 2, 10_000)).toEqual({ allowed: true, remaining: 0 });
    expect((await a.rateLimiter.hit(k, 2, 10_000)).allowed).toBe(false);

    await a.cache.set(k, 'shared', 10_000);
    expect(await b.cache.get(k)).toBe('shared');
    await b.cache.delete(k);
    expect(await a.cache.get(k)).toBeUndefined();
  });

  it('deletes by prefix what another instance wrote, and only under its own key prefix', async () => {
    const foreignPrefix = `lgtest:${randomUUID()}:`;
    const [a, b, foreign] = await Promise.all([create(), create(), create(foreignPrefix)]);
    const tenant = `tenant:${randomUUID()}:`;
    await a.cache.set(`${tenant}answer`, 'a', 10_000);
    await foreign.cache.set(`${tenant}answer`, 'foreign', 10_000);
    expect(await b.cache.deleteByPrefix(tenant)).toBe(1);
    expect(await a.cache.get(`${tenant}answer`)).toBeUndefined();
    expect(await foreign.cache.get(`${tenant}answer`)).toBe('foreign');
  });

  it('elects one holder among setIfAbsent calls spread over two instances', async () => {
    const [a, b] = await Promise.all([create(), create()]);
    const k = `lease:${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).cache.setIfAbsent(k, `holder-${i}`, 10_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const holder = `holder-${results.indexOf(true)}`;
    expect(await b.cache.deleteIfEquals(k, 'someone-else')).toBe(false);
    expect(await a.cache.deleteIfEquals(k, holder)).toBe(true);
    expect(await b.cache.get(k)).toBeUndefined();
  });

  it('admits exactly `limit` of concurrent hits spread over two instances', async () => {
    const [a, b] = await Promise.all([create(), create()]);
    const k = `burst:${randomUUID()}`;
    const decisions = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).rateLimiter.hit(k, 30, 10_000)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(30);
  });

  it('shares semaphore slots between instances, and only under one key prefix', async () => {
    const [a, b, foreign] = await Promise.all([create(), create(), create(`lgtest:${randomUUID()}:`)]);
    const k = `sem:${randomUUID()}`;
    const onA = await a.semaphores.tryAcquire(k, 2, 10_000);
    const onB = await b.semaphores.tryAcquire(k, 2, 10_000);
    expect(onA).toBeDefined();
    expect(onB).toBeDefined();
    expect(await a.semaphores.tryAcquire(k, 2, 10_000)).toBeUndefined();
    expect(await b.semaphores.tryAcquire(k, 2, 10_000)).toBeUndefined();
    const elsewhere = await foreign.semaphores.tryAcquire(k, 1, 10_000);
    expect(elsewhere).toBeDefined();

    await onA?.release();
    const afterRelease = await b.semaphores.tryAcquire(k, 2, 10_000);
    expect(afterRelease).toBeDefined();
    await Promise.all([onB?.release(), afterRelease?.release(), elsewhere?.release()]);
  });

  it('keeps a lease past its length while the holder renews it', async () => {
    const [holder, other] = await Promise.all([create(), create()]);
    const k = `sem-renewed:${randomUUID()}`;
    const lease = await holder.semaphores.tryAcquire(k, 1, 300);
    expect(lease).toBeDefined();
    await sleep(900);
    expect(await other.semaphores.tryAcquire(k, 1, 300)).toBeUndefined();
    await lease?.release();
    const next = await other.semaphores.tryAcquire(k, 1, 300);
    expect(next).toBeDefined();
    await next?.release();
  });

  it('frees the slot of a holder that died once its lease lapses', async () => {
    const [holder, survivor] = await Promise.all([create(runPrefix, () => {}), create()]);
    const k = `sem-dead:${randomUUID()}`;
    expect(await holder.semaphores.tryAcquire(k, 1, 500)).toBeDefined();
    // Closing without releasing stands in for a worker killed mid-call: nothing renews or frees the lease.
    await holder.close();
    expect(await survivor.semaphores.tryAcquire(k, 1, 500)).toBeUndefined();
    await sleep(700);
    const taken = await survivor.semaphores.tryAcquire(k, 1, 500);
    expect(taken).toBeDefined();
    await taken?.release();
  });

  it('isolates instances with different key prefixes', async () => {
    const [a, b] = await Promise.all([create(), create(`lgtest:${randomUUID()}:`)]);
    const k = `iso:${randomUUID()}`;
    const onB = collector();
    const onA = collector();
    await b.pubsub.subscribe(k, onB.onMessage);
    await a.pubsub.subscribe(k, onA.onMessage);

    expect((await a.rateLimiter.hit(k, 1, 10_000)).allowed).toBe(true);
    expect((await b.rateLimiter.hit(k, 1, 10_000)).allowed).toBe(true);
    await a.cache.set(k, 'a-only', 10_000);
    expect(await b.cache.get(k)).toBeUndefined();
    expect(await b.cache.setIfAbsent(k, 'b-only', 10_000)).toBe(true);
    expect(await b.cache.deleteIfEquals(k, 'a-only')).toBe(false);
    expect(await a.cache.get(k)).toBe('a-only');

    await a.pubsub.publish(k, 'for-a');
    await onA.waitFor(1);
    await b.pubsub.publish(k, 'for-b');
    await onB.waitFor(1);
    expect(onB.messages).toEqual(['for-b']);
  });

  it('fails fast when Redis is unreachable at startup', async () => {
    const started = Date.now();
    await expect(
      createRedisCoordination({ url: 'redis://127.0.0.1:1', keyPrefix: runPrefix, onError: () => {} }),
    ).rejects.toThrow(/cannot connect to Redis/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ping rejects quickly once Redis becomes unreachable', async () => {
    // A TCP proxy we can cut stands in for a Redis outage without touching the shared server.
    const upstream = new URL(REDIS_URL);
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const server = connect(Number(upstream.port || 6379), upstream.hostname);
      for (const s of [client, server]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    const proxiedUrl = new URL(REDIS_URL);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(address.port);

    const viaProxy = await track(
      createRedisCoordination({ url: proxiedUrl.toString(), keyPrefix: runPrefix, onError: () => {} }),
    );
    await expect(viaProxy.ping()).resolves.toBeUndefined();

    await new Promise<void>((resolve) => {
      proxy.close(() => resolve());
      for (const s of sockets) s.destroy();
    });

    const started = Date.now();
    await expect(viaProxy.ping()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    await viaProxy.close();
  });
});
