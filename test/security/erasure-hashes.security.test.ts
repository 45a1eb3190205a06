import type { ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnswerCache } from '../../modules/enrichment/answer-cache.js';
import { postSegment } from '../integration/ingest/segment-http.js';
import { identify, tenantRows } from '../integration/leads/lead-operations.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { spawnWorker } from '../support/worker-child.js';
import { deletePerson } from '../workflows/privacy-operations.js';

/**
 * What an attacker holding a dump of the database or of Redis (but not the
 * master key) can do with a guessed address: compute the hashes as the
 * platform used to (an HMAC keyed by the tenant id, which is in every URL and
 * key, or a plain SHA-256) and look for them. Recomputed here, not imported,
 * so the test says what the old scheme was.
 */
const tenantIdKeyed = (tenantId: string, kind: string, value: string): string =>
  createHmac('sha256', `leadgraph-suppression:${tenantId}`).update(`${kind}:${value}`).digest('base64url');
const plainSha256 = (text: string): string => createHash('sha256').update(text).digest('base64url');

const TRACK = 'mutation ($events: [TrackInput!]!) { track(events: $events) { accepted suppressed } }';

describe('erasure hashes reveal nothing to a database or Redis dump (two tenants, a worker in its own process)', () => {
  let gateway: TestGateway;
  let worker: ChildProcess | undefined;
  let redis: Redis;

  beforeAll(async () => {
    gateway = await startTestGateway({
      config: testConfig({ TEMPORAL_TASK_QUEUE: `erasure-hashes-${randomBytes(4).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '1000000' }),
    });
    // The worker derives its keys from the master key on its own: its suppressions must match what the gateway hashes.
    worker = await spawnWorker(gateway);
    redis = new Redis(gateway.config.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  }, 180_000);

  afterAll(async () => {
    redis?.disconnect();
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
    await gateway?.close();
  }, 60_000);

  /** Every answer-cache key name of a tenant in Redis, without the deployment's prefix. */
  async function answerKeys(tenant: TestTenant): Promise<string[]> {
    const prefix = `${gateway.config.REDIS_KEY_PREFIX}cache:`;
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}enrich:answer:${tenant.id}:*`, 'COUNT', 500);
      cursor = next;
      found.push(...keys.map((key) => key.slice(prefix.length)));
    } while (cursor !== '0');
    return found.sort();
  }

  /** An email-verification answer about the address, written by the production cache as enrichment writes it. */
  async function cacheAnswerAbout(tenant: TestTenant, email: string): Promise<void> {
    const cache = createAnswerCache(gateway.services.coordination.cache, gateway.services.hashKeys);
    const question = { tenantId: tenant.id, providerId: 'email-verification', key: `email=${email.toLowerCase()}` };
    const answer = { kind: 'match' as const, fields: [{ field: 'person.emailDeliverable', value: true, confidence: 0.9, verified: true }] };
    await cache.write(gateway.services.tenantDbs.ofResolved({ tenantId: tenant.id, schema: `t_${tenant.id}` }), question, answer, { answerCacheHours: 1, companyCacheDays: 1 }, new Date());
  }

  it('keys suppression rows and answer-cache names by a derived secret: the tenant id or a plain SHA-256 of the address finds nothing', async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    // No enrichment of its own: the cache holds exactly the entries written below.
    for (const tenant of [a, b]) await gateway.gql(tenant.secretKey, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    const suffix = randomBytes(3).toString('hex');
    const email = `erased.${suffix}@hashes.example`;
    const anonymousId = `anon-${suffix}`;
    const userId = `user-${suffix}`;
    // The same person is a lead of both tenants; A erases them, B does not.
    await identify(gateway, a.secretKey, { anonymousId, userId, email });
    await identify(gateway, b.secretKey, { anonymousId, userId, email });
    await cacheAnswerAbout(a, email);
    await cacheAnswerAbout(b, email);

    // A dump of Redis: each tenant has its entry, and the address's plain SHA-256 names none of them.
    const guessed = plainSha256(`email=${email}`);
    expect(await answerKeys(a)).toHaveLength(1);
    expect(await answerKeys(b)).toHaveLength(1);
    for (const key of [...(await answerKeys(a)), ...(await answerKeys(b))]) expect(key).not.toContain(guessed);
    // One tenant's name for the person says nothing about the other's.
    expect((await answerKeys(a))[0]?.split(':').at(-1)).not.toBe((await answerKeys(b))[0]?.split(':').at(-1));

    const erased = await deletePerson(gateway, a, { email });
    expect(erased.status).toBe('COMPLETED');
    expect(erased.erased?.['suppressionsRecorded']).toBe(3);
    expect(await answerKeys(a)).toEqual([]);

    // A dump of the database: the suppressions are there, version 2, and no guess keyed by a tenant id or by nothing matches.
    const rows = await tenantRows<{ hash: string; kind: string; hash_version: number }>(gateway, a.id, 'select hash, kind, hash_version from {t}.suppressions');
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.hash_version === 2)).toBe(true);
    const guesses = (
      [
        ['email', email],
        ['user_id', userId],
        ['anonymous_id', anonymousId],
      ] as const
    ).flatMap(([kind, value]) => [tenantIdKeyed(a.id, kind, value), tenantIdKeyed(b.id, kind, value), plainSha256(`${kind}:${value}`), plainSha256(value)]);
    const stored = new Set(rows.map((row) => row.hash));
    expect(guesses.filter((guess) => stored.has(guess))).toEqual([]);

    // Yet the gateway, deriving its keys on its own, recognises the person: their new events are dropped in A only.
    const tracked = await gateway.gql<{ track: { accepted: number; suppressed: number } }>(a.secretKey, TRACK, {
      events: [{ anonymousId, event: 'Came back' }, { userId, event: 'Came back' }, { anonymousId: `other-${suffix}`, event: 'Visited' }],
    });
    expect(tracked.data?.track).toEqual({ accepted: 1, suppressed: 2 });
    const inB = await gateway.gql<{ track: { accepted: number; suppressed: number } }>(b.secretKey, TRACK, { events: [{ anonymousId, event: 'Came back' }] });
    expect(inB.data?.track).toEqual({ accepted: 1, suppressed: 0 });
    expect(await tenantRows(gateway, b.id, 'select hash from {t}.suppressions')).toEqual([]);
    // B's cached answer about the person stays, still under a name no guess finds.
    const [kept] = await answerKeys(b);
    expect(kept).toBeDefined();
    expect(kept).not.toContain(guessed);
  }, 120_000);

  it('keeps suppressing people erased before the keyed hash (hash_version 1 rows), and re-keys them when the same person is erased again', async () => {
    const tenant = await createTenant(gateway);
    const email = `legacy.${randomBytes(3).toString('hex')}@hashes.example`;
    // A row as the old code recorded it, before the tenant's list is first read.
    await tenantRows(gateway, tenant.id, `insert into {t}.suppressions (hash, kind, hash_version) values ($1, 'email', 1)`, [tenantIdKeyed(tenant.id, 'email', email)]);
    const sent = await postSegment(gateway, '/v1/identify', { anonymousId: 'legacy-visitor', traits: { email: ` ${email.toUpperCase()} ` } }, { key: tenant.publishableKey });
    expect(sent.status).toBe(200);
    const [counted] = await tenantRows<{ n: number }>(gateway, tenant.id, `select coalesce(sum(count), 0)::int as n from {t}.suppressed_events`);
    expect(counted?.n).toBe(1);
    expect(await tenantRows(gateway, tenant.id, 'select id from {t}.leads')).toEqual([]);
    // Erasing the person again, by the address the tenant still knows, replaces the guessable row with a keyed one.
    const again = await deletePerson(gateway, tenant, { email });
    expect(again.status).toBe('COMPLETED');
    const rows = await tenantRows<{ hash: string; hash_version: number }>(gateway, tenant.id, 'select hash, hash_version from {t}.suppressions');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.hash_version).toBe(2);
    expect(rows[0]?.hash).not.toBe(tenantIdKeyed(tenant.id, 'email', email));
    const later = await postSegment(gateway, '/v1/identify', { anonymousId: 'legacy-visitor-2', traits: { email } }, { key: tenant.publishableKey });
    expect(later.status).toBe(200);
    const [recounted] = await tenantRows<{ n: number }>(gateway, tenant.id, `select coalesce(sum(count), 0)::int as n from {t}.suppressed_events`);
    expect(recounted?.n).toBe(2);
    // Rows written from now on, by any code, are the keyed version.
    await tenantRows(gateway, tenant.id, `insert into {t}.suppressions (hash, kind) values ('written-now', 'user_id')`);
    expect(await tenantRows(gateway, tenant.id, `select hash_version from {t}.suppressions where hash = 'written-now'`)).toEqual([{ hash_version: 2 }]);
  }, 120_000);
});
