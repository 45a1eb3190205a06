import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../../platform/postgres/database.js';
import { controlMigrations } from '../../../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../../../schema/migrator.js';
import { createScratchDatabase } from '../../support/scratch-postgres.js';
import { tenantChannel } from '../../../tenants/tenant-channels.js';
import { BULK_LANE, URGENT_LANE } from '../../../modules/leads/ingest/log-entry.js';
import { eventually } from '../../support/eventually.js';
import { createTenant, startTestGateway, testConfig, type TestGateway } from '../../support/test-gateway.js';
import { countEvents, countLogged, postSegment, track } from './segment-http.js';

async function rows<T extends object>(gateway: TestGateway, text: string, values: unknown[] = []): Promise<T[]> {
  return gateway.services.db.query<T>(text, values as never[]);
}

describe('ingestion as a durable log', () => {
  // One deployment of two processes: `appender` only appends (INGEST_PROCESSOR_CONCURRENCY=0), `processor` processes, woken over Redis.
  const prefix = `lg-test-${randomBytes(4).toString('hex')}:`;
  const masterKey = randomBytes(32).toString('base64');
  let appender: TestGateway;
  let processor: TestGateway | undefined;
  let gateway: TestGateway;
  beforeAll(async () => {
    appender = await startTestGateway({
      config: testConfig({ REDIS_KEY_PREFIX: prefix, SECRETS_MASTER_KEY: masterKey, INGEST_PROCESSOR_CONCURRENCY: '0', INGEST_MAX_BACKLOG_PER_TENANT: '5' }),
    });
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await Promise.all([appender.close(), processor?.close(), gateway.close()]);
  });

  describe('happy', () => {
    it('answers once the append commits, and the processor of another process takes it from there, woken over pub/sub', async () => {
      const tenant = await createTenant(appender);
      const batch = { batch: [track('log-a'), track('log-b'), track('log-a')] };
      const response = await postSegment(appender, '/v1/batch', batch, { key: tenant.publishableKey, ackOnly: true });
      expect(response).toMatchObject({ status: 200, body: { success: true, accepted: 3, duplicates: 0 } });
      // Durable and not processed: in the log, not in the model (no process here processes).
      expect(await countLogged(appender, tenant.id)).toBe(3);
      expect(await countEvents(appender, tenant.id)).toBe(0);

      processor = await startTestGateway({ config: testConfig({ REDIS_KEY_PREFIX: prefix, SECRETS_MASTER_KEY: masterKey }) });
      const more = await postSegment(appender, '/v1/batch', { batch: [track('log-c'), track('log-d')] }, { key: tenant.publishableKey, ackOnly: true });
      expect(more.status).toBe(200);
      // The new append's wake reaches the processor, which takes the lane from its cursor: the first batch too.
      expect(await eventually(() => countEvents(appender, tenant.id), (n) => n === 5)).toBe(5);
      const leads = await rows<{ anonymous_id: string }>(appender, `select anonymous_id from "t_${tenant.id}".identities order by 1`);
      expect(leads.map((r) => r.anonymous_id)).toEqual(['log-a', 'log-b', 'log-c', 'log-d']);
      // Written to the model first; processed (evaluated too) once the second stage's cursor reaches the head.
      const cursors = await eventually(
        () => rows<{ lane: number; processed: string }>(appender, `select lane, processed::text from control.ingest_cursors where tenant_id = $1`, [tenant.id]),
        (found) => found[0]?.processed === '5',
      );
      expect(cursors).toEqual([{ lane: BULK_LANE, processed: '5' }]);
      await processor.close();
      processor = undefined;
    });

    it('answers `Prefer: processed` once the messages are processed (read-your-writes)', async () => {
      const tenant = await createTenant(gateway);
      const response = await postSegment(gateway, '/v1/batch', { batch: [track('ryw-1'), track('ryw-2')] }, { key: tenant.publishableKey });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ success: true, accepted: 2, duplicates: 0, processed: true });
      expect(response.headers.get('preference-applied')).toBe('processed');
      expect(await countEvents(gateway, tenant.id)).toBe(2);
      // What this process's processor did, as a counter (the file's other tenants add to it).
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(Number(/leadgraph_ingest_processed_events_total\{lane="bulk"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
      expect(metrics).toContain('# TYPE leadgraph_ingest_processed_events_total counter');
      // Without the preference: the plain acknowledgement, no `processed`.
      const plain = await postSegment(gateway, '/v1/track', track('ryw-3'), { key: tenant.publishableKey, ackOnly: true });
      expect(plain.body).toEqual({ success: true, accepted: 1, duplicates: 0 });
      expect(plain.headers.get('preference-applied')).toBeNull();
    });

    it("waits for the caller's own tenant's processing: another tenant's further position releases nothing", async () => {
      const a = await createTenant(gateway);
      const b = await createTenant(gateway);
      // A's bulk lane is processed to position 30; B's first message will be position 1 of B's own lane.
      const ahead = await postSegment(gateway, '/v1/batch', { batch: Array.from({ length: 30 }, (_, i) => track(`a-${i}`)) }, { key: a.publishableKey });
      expect(ahead.body).toMatchObject({ accepted: 30, processed: true });
      // B's model write waits on its events table: B's messages are appended, not processed.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const blocker = gateway.services.db.transaction(async (tx) => {
        await tx.query(`lock table "t_${b.id}".events in exclusive mode`);
        held();
        await released;
      });
      await holding;
      let answered = false;
      const pending = postSegment(gateway, '/v1/batch', { batch: [track('b-1'), track('b-2')] }, { key: b.publishableKey }).then((response) => {
        answered = true;
        return response;
      });
      try {
        await eventually(() => countLogged(gateway, b.id), (n) => n === 2);
        // Another wake of the processors, so a wait keyed wrongly (by position alone) would have been let go by now.
        expect((await postSegment(gateway, '/v1/batch', { batch: [track('a-more-1'), track('a-more-2')] }, { key: a.publishableKey })).body).toMatchObject({ processed: true });
        expect(answered).toBe(false);
      } finally {
        release();
        await blocker;
      }
      const response = await pending;
      expect(response.body).toMatchObject({ accepted: 2, processed: true });
      expect(await countEvents(gateway, b.id)).toBe(2);
      expect(await countEvents(gateway, a.id)).toBe(32);
    });

    it('keeps a messageId once and for ever: a resend after its event expired is still a duplicate', async () => {
      const tenant = await createTenant(gateway);
      const messageId = randomUUID();
      const first = await postSegment(gateway, '/v1/track', track('forever', { messageId }), { key: tenant.publishableKey });
      expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
      // Retention removes the event; the id stays known.
      await rows(gateway, `delete from "t_${tenant.id}".events`);
      const again = await postSegment(gateway, '/v1/track', track('forever', { messageId }), { key: tenant.publishableKey });
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 });
      expect(await countLogged(gateway, tenant.id)).toBe(1);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });

    it('processes a visitor call in its own lane, numbered apart from bulk', async () => {
      const tenant = await createTenant(gateway);
      await postSegment(gateway, '/v1/track', track('lane-visitor'), { key: tenant.publishableKey });
      await postSegment(gateway, '/v1/batch', { batch: [track('lane-bulk-1'), track('lane-bulk-2')] }, { key: tenant.publishableKey });
      const logged = await rows<{ lane: number; position: string }>(gateway, `select lane, position::text from "t_${tenant.id}".ingest_log order by lane, position`);
      expect(logged).toEqual([
        { lane: URGENT_LANE, position: '1' },
        { lane: BULK_LANE, position: '1' },
        { lane: BULK_LANE, position: '2' },
      ]);
    });
  });

  describe('error', () => {
    it('refuses bulk past the backlog bound with 503 and Retry-After, writes none of it, and keeps the visitor lane open', async () => {
      const tenant = await createTenant(appender);
      const key = tenant.publishableKey;
      const filled = await postSegment(appender, '/v1/batch', { batch: Array.from({ length: 8 }, (_, i) => track(`full-${i}`)) }, { key, ackOnly: true });
      expect(filled.status).toBe(200);
      await appender.services.ingestion.backlog.refresh();
      const refused = await postSegment(appender, '/v1/batch', { batch: [track('over-1'), track('over-2')] }, { key, ackOnly: true });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // A visitor's own call has its lane's own bound.
      const visitor = await postSegment(appender, '/v1/track', track('visitor-still'), { key, ackOnly: true });
      expect(visitor.status).toBe(200);
      const logged = await rows<{ anonymous_id: string }>(appender, `select message->>'anonymousId' as anonymous_id from "t_${tenant.id}".ingest_log order by lane, position`);
      expect(logged.map((r) => r.anonymous_id)).not.toContain('over-1');
      expect(logged).toHaveLength(9);
      const metrics = await (await fetch(`${appender.url}/metrics`)).text();
      expect(metrics).toMatch(/leadgraph_ingest_backlog_events\{lane="bulk"\} ([89]|\d\d+)/);
    });

    it('sets aside a log row that is not a message, with its error, and goes on with the lane', async () => {
      const tenant = await createTenant(gateway);
      // A row no append would write (a hand edit, another version's shape), numbered as the next of the bulk lane.
      await rows(
        gateway,
        `with head as (
           insert into control.ingest_heads (tenant_id, lane, appended) values ($1, 1, 1)
           on conflict (tenant_id, lane) do update set appended = control.ingest_heads.appended + 1 returning appended)
         insert into "t_${tenant.id}".ingest_log (lane, position, source, message_id, message) select 1, appended, 'public', 'not-a-message', '{"bogus": true}' from head`,
        [tenant.id],
      );
      const after = await postSegment(gateway, '/v1/batch', { batch: [track('after-bad-1'), track('after-bad-2')] }, { key: tenant.publishableKey });
      expect(after.body).toMatchObject({ accepted: 2, processed: true });
      expect(await countEvents(gateway, tenant.id)).toBe(2);
      const dead = await rows<{ message_id: string; error: string }>(gateway, `select message_id, error from "t_${tenant.id}".ingest_dead_letters`);
      expect(dead).toEqual([{ message_id: 'not-a-message', error: expect.stringContaining('is not a message') }]);
    });
  });

  describe('effects', () => {
    // Recovery takes up whatever any process of the deployment left: this deployment gets a database of its own, so it
    // never takes another test file's tenants (test files are separate deployments on one server).
    it('tells effects a stopped process left in the outbox, once, when a process of the deployment starts, and removes them', async () => {
      const database = await createScratchDatabase(inject('databaseUrl'), 'lg_outbox');
      const migrating = createDatabase({ url: database.url, poolSize: 1, applicationName: 'leadgraph-test-outbox' });
      await migrateControl(migrating, controlMigrations);
      await migrating.close();
      const deployment = { DATABASE_URL: database.url, REDIS_KEY_PREFIX: `lg-test-${randomBytes(4).toString('hex')}:`, SECRETS_MASTER_KEY: randomBytes(32).toString('base64') };
      const first = await startTestGateway({ config: testConfig(deployment) });
      let second: TestGateway | undefined;
      try {
        const tenant = await createTenant(first);
        await postSegment(first, '/v1/track', track('before-the-stop'), { key: tenant.publishableKey });
        // What a chunk recorded before its process stopped, told by no one.
        const effects = { changes: [{ kind: 'scored', leadId: 'ld_stranded', score: 40, previousScore: 0, at: '2026-12-07T10:00:00.000Z' }], identified: { public: [], tenant: [] }, deliveryIds: [] };
        await rows(first, `insert into "t_${tenant.id}".ingest_effects (created_at, effects) values (now() - interval '1 hour', $1::json)`, [JSON.stringify(effects)]);
        await first.close();
        // Listening on the deployment's Redis channel before the next process starts, as a subscriber's gateway would.
        const listener = new Redis(inject('redisUrl') ?? '');
        const received: string[] = [];
        listener.on('message', (_channel: string, message: string) => received.push(message));
        await listener.subscribe(`${deployment.REDIS_KEY_PREFIX}ps:${tenantChannel(tenant.id, 'scored')}`);
        try {
          second = await startTestGateway({ config: testConfig({ ...deployment, INGEST_RECOVER_AFTER_SECONDS: '1' }) });
          const told = await eventually(async () => received, (messages) => messages.length > 0);
          expect(told.map((m) => JSON.parse(m) as unknown)).toEqual([{ leadId: 'ld_stranded', score: 40, previousScore: 0, at: '2026-12-07T10:00:00.000Z' }]);
          expect(await eventually(async () => (await rows(second as TestGateway, `select 1 from "t_${tenant.id}".ingest_effects`)).length, (n) => n === 0)).toBe(0);
          // Told once: the row went with its tell, so no later sweep finds it again.
          expect(received).toHaveLength(1);
        } finally {
          listener.disconnect();
        }
      } finally {
        await first.close().catch(() => undefined);
        await second?.close();
        await database.drop();
      }
    });
  });
});
