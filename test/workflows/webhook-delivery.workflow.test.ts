import { dataConverterWith } from '../../workflows/data-converter.js';
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, type NativeConnection } from '@temporalio/worker';
import { graphql, type GraphQLSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemError } from '../../api/graphql/errors.js';
import type { GatewayContext } from '../../api/graphql/gateway-context.js';
import { WebhookResolver } from '../../api/graphql/webhooks/webhook.resolver.js';
import { createLogger } from '../../platform/logging/logger.js';
import { createGuardedHttpClient, type GuardedHttpClient, type GuardedHttpClientOptions } from '../../platform/outbound/guarded-http-client.js';
import type { Outcome } from '../../platform/outcome.js';
import type { Scope } from '../../tenants/api-keys/scopes.js';
import type { WebhookEventType } from '../../modules/webhooks/webhook-events.js';
import { createWebhookRegistry, type WebhookRegistry } from '../../modules/webhooks/webhook-registry.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { verifiedPayload } from '../support/webhook-receiver.js';
import { createDeliverWebhookActivities } from '../../workflows/webhooks/deliver-webhook.activities.js';
import type { WebhookRetry } from '../../workflows/webhooks/deliver-webhook.workflow.js';
import { redispatchStrandedDeliveries } from '../../modules/webhooks/stranded-deliveries.js';
import { createWebhookDispatcher, deliverWebhookWorkflowId } from '../../workflows/webhooks/webhook-dispatch.js';
import type { WebhookDispatcher } from '../../modules/webhooks/webhook-dispatcher.js';
import { connectTemporalWorker } from '../../workflows/temporal-endpoint.js';
import { startTestGateway, type TestGateway } from '../support/test-gateway.js';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

interface Receiver {
  readonly url: string;
  readonly requests: Received[];
  close(): Promise<void>;
}

/** An endpoint answering each request as `answer` says, given how many came before it. */
async function startReceiver(answer: (index: number) => { status: number; headers?: Record<string, string> }): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { status, headers } = answer(requests.length);
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      response.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(status < 300 ? 'ok' : `nope ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/leadgraph`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const valueOf = <T>(outcome: Outcome<T>): T => {
  if (!outcome.ok) throw new Error(`unexpected problem ${JSON.stringify(outcome.problem)}`);
  return outcome.value;
};

/** Fast schedules: the production one waits days. */
const FAST: WebhookRetry = { initialIntervalMs: 200, maximumIntervalMs: 200, maximumAttempts: 3 };

describe('webhook delivery on the real Temporal server', () => {
  const taskQueue = `webhooks-test-${randomBytes(4).toString('hex')}`;
  const logLines: string[] = [];
  let gateway: TestGateway;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let registry: WebhookRegistry;
  const receivers: Receiver[] = [];
  const clients: GuardedHttpClient[] = [];

  /** The production client as a deployment without ALLOW_LOCAL_OUTBOUND builds it. */
  const guardedClient = (options: Partial<GuardedHttpClientOptions> = {}): GuardedHttpClient => {
    const client = createGuardedHttpClient({ allowLocal: false, maxBodyBytes: 1024 * 1024, timeoutMs: 15_000, maxRedirects: 5, ...options });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // Installed by an earlier file in this process.
    }
    gateway = await startTestGateway();
    const { tenantDbs, secrets } = gateway.services;
    // The gateway's own outbound client: the test deployment allows local receivers (ALLOW_LOCAL_OUTBOUND).
    registry = createWebhookRegistry({ secrets, outbound: gateway.services.outbound, onError: (error) => logLines.push(String(error)) });
    connection = await connectTemporalWorker({ address: gateway.config.TEMPORAL_ADDRESS ?? '', namespace: gateway.config.TEMPORAL_NAMESPACE, taskQueue, tls: false });
    worker = await Worker.create({
      connection,
      namespace: gateway.config.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('../../workflows/webhooks/deliver-webhook.workflow.ts', import.meta.url)),
      // The gateway's client encrypts the tenant's payloads; this worker reads them with the same codec.
      dataConverter: dataConverterWith(gateway.services.payloadCodec),
      activities: createDeliverWebhookActivities({ tenantDbs, secrets, client: gateway.services.outbound, log: createLogger({ level: 'warn', write: (line) => logLines.push(line) }) }),
    });
    running = worker.run();
  }, 180_000);

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await Promise.all(clients.map((c) => c.close()));
    await gateway?.close();
  }, 60_000);

  const receiver = async (answer: Parameters<typeof startReceiver>[0]) => {
    const started = await startReceiver(answer);
    receivers.push(started);
    return started;
  };

  async function newTenant(): Promise<TenantDb> {
    const created = valueOf(await gateway.services.provisioning.createTenant({ name: `Webhooks ${randomBytes(3).toString('hex')}` }));
    return gateway.services.tenantDbs.ofResolved({ tenantId: created.tenantId, schema: created.schema });
  }

  const dispatcherWith = (retry: WebhookRetry): WebhookDispatcher =>
    createWebhookDispatcher({ client: gateway.services.temporalClient, taskQueue, retry });

  /** Dispatches and waits for every delivery's workflow to end. */
  async function deliver(tenant: TenantDb, ids: readonly string[], retry = FAST): Promise<string[]> {
    await dispatcherWith(retry).dispatch(tenant, ids);
    return Promise.all(ids.map((id) => gateway.services.temporalClient.workflow.getHandle(deliverWebhookWorkflowId(tenant.tenantId, id)).result() as Promise<string>));
  }

  async function hook(tenant: TenantDb, url: string, events: WebhookEventType[]) {
    return valueOf(await registry.create(tenant, { url, events }));
  }

  const deliveryOf = async (tenant: TenantDb, webhookId: string, id: string) =>
    valueOf(await registry.deliveries(tenant, webhookId, 100)).find((d) => d.id === id);

  describe('happy', () => {
    it('retries a failing endpoint with the same webhook-id until it answers 2xx, signed with the secret it was given', async () => {
      const endpoint = await receiver((index) => ({ status: index < 2 ? 500 : 200 }));
      const tenant = await newTenant();
      const { webhook, secret } = await hook(tenant, endpoint.url, ['lead.scored']);
      expect(secret).toMatch(/^whsec_/);

      const ids = await registry.enqueue(tenant, 'lead.scored', { leadId: 'lead_1', score: 83, previousScore: 41 });
      expect(ids).toHaveLength(1);
      const [id] = ids as [string];
      expect(await deliver(tenant, ids)).toEqual(['delivered']);

      expect(await deliveryOf(tenant, webhook.id, id)).toMatchObject({ status: 'DELIVERED', attempts: 3, lastStatus: 200, lastError: null });
      expect((await deliveryOf(tenant, webhook.id, id))?.deliveredAt).toBeInstanceOf(Date);
      expect(endpoint.requests).toHaveLength(3);
      expect(new Set(endpoint.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));
      expect(new Set(endpoint.requests.map((r) => r.body)).size).toBe(1);
      for (const request of endpoint.requests) {
        expect(request.headers['content-type']).toBe('application/json');
        expect(verifiedPayload(secret, request.body, request.headers)).toMatchObject({ type: 'lead.scored' });
      }
      const payload = JSON.parse(endpoint.requests[0]!.body) as Record<string, unknown>;
      expect(payload).toMatchObject({ id, type: 'lead.scored', data: { leadId: 'lead_1', score: 83, previousScore: 41 } });
      expect(new Date(payload['createdAt'] as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect((await registry.list(tenant))[0]).toMatchObject({ consecutiveFailures: 0, disabled: false });
    });

    it('starts nothing for a delivery dispatched again: the workflow id dedupes, and a delivered row is not sent again', async () => {
      const endpoint = await receiver(() => ({ status: 204 }));
      const tenant = await newTenant();
      await hook(tenant, endpoint.url, ['lead.enriched']);
      const ids = await registry.enqueue(tenant, 'lead.enriched', { leadId: 'lead_2' });
      await deliver(tenant, ids);
      await deliver(tenant, ids);
      await deliver(tenant, [...ids, ...ids]);
      expect(endpoint.requests).toHaveLength(1);
    });

    it('waits as long as Retry-After says on a 429', async () => {
      const endpoint = await receiver((index) => (index === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 }));
      const tenant = await newTenant();
      const { webhook } = await hook(tenant, endpoint.url, ['lead.deleted']);
      const ids = await registry.enqueue(tenant, 'lead.deleted', { leadId: 'lead_3' });
      expect(await deliver(tenant, ids, { initialIntervalMs: 200, maximumIntervalMs: 10_000, maximumAttempts: 3 })).toEqual(['delivered']);
      const [first, second] = endpoint.requests as [Received, Received];
      expect(second.at - first.at).toBeGreaterThanOrEqual(1_900);
      expect(await deliveryOf(tenant, webhook.id, ids[0]!)).toMatchObject({ status: 'DELIVERED', attempts: 2 });
    });

    it('sends one delivery per enabled endpoint subscribed to the event, and none to the others', async () => {
      const tenant = await newTenant();
      const endpoint = await receiver(() => ({ status: 200 }));
      const entered = await hook(tenant, endpoint.url, ['segment.entered', 'segment.exited']);
      const alsoEntered = await hook(tenant, `${endpoint.url}?second`, ['segment.entered']);
      await hook(tenant, endpoint.url, ['lead.scored']);
      const ids = await registry.enqueue(tenant, 'segment.entered', { segmentId: 'seg_1', leadId: 'lead_4' });
      expect(ids).toHaveLength(2);
      expect(await deliver(tenant, ids)).toEqual(['delivered', 'delivered']);
      expect(new Set(endpoint.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(ids));
      expect(await registry.deliveries(tenant, entered.webhook.id, 50)).toMatchObject({ ok: true, value: [{ eventType: 'segment.entered' }] });
      expect(await registry.deliveries(tenant, alsoEntered.webhook.id, 50)).toMatchObject({ ok: true, value: [{ eventType: 'segment.entered' }] });
    });

    it('replays a delivery as a new delivery, with a new id and replayOf, that is delivered', async () => {
      const endpoint = await receiver(() => ({ status: 200 }));
      const tenant = await newTenant();
      const { webhook, secret } = await hook(tenant, endpoint.url, ['lead.scored']);
      const [original] = (await registry.enqueue(tenant, 'lead.scored', { leadId: 'lead_5', score: 90 })) as [string];
      await deliver(tenant, [original]);

      const replay = valueOf(await registry.replay(tenant, original));
      expect(replay.id).not.toBe(original);
      expect(replay).toMatchObject({ status: 'PENDING', webhookId: webhook.id, eventType: 'lead.scored', payload: { id: replay.id, replayOf: original, data: { leadId: 'lead_5', score: 90 } } });
      expect(await deliver(tenant, [replay.id])).toEqual(['delivered']);
      expect(endpoint.requests.map((r) => r.headers['webhook-id'])).toEqual([original, replay.id]);
      const [first, second] = endpoint.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>) as [Record<string, unknown>, Record<string, unknown>];
      expect(second['createdAt']).toBe(first['createdAt']);
      expect(verifiedPayload(secret, endpoint.requests[1]!.body, endpoint.requests[1]!.headers)).toMatchObject({ id: replay.id });
      // A replay of the replay still points at the event's first delivery.
      expect(valueOf(await registry.replay(tenant, replay.id)).payload.replayOf).toBe(original);
    });

    it('hands a delivery recorded while Temporal was out of reach to its workflow on the next sweep, once', async () => {
      const endpoint = await receiver(() => ({ status: 200 }));
      const tenant = await newTenant();
      await hook(tenant, endpoint.url, ['segment.entered']);
      // Recorded, never dispatched (the dispatch failed), and older than the sweep's grace.
      const [stranded] = (await registry.enqueue(tenant, 'segment.entered', { leadId: 'lead_9', segmentId: 'seg_1' })) as [string];
      const [fresh] = (await registry.enqueue(tenant, 'segment.entered', { leadId: 'lead_10', segmentId: 'seg_1' })) as [string];
      await gateway.services.db.query(`update ${tenant.schema}.webhook_deliveries set created_at = now() - interval '10 minutes' where id = $1`, [stranded]);

      const dispatcher = dispatcherWith(FAST);
      // Other files' tenants share this database; some may have no schema any more: they are reported, not fatal.
      const sweep = () => redispatchStrandedDeliveries({ control: gateway.services.control, tenantDbs: gateway.services.tenantDbs, dispatcher, onError: () => undefined });
      expect(await sweep()).toBeGreaterThanOrEqual(1);
      await gateway.services.temporalClient.workflow.getHandle(deliverWebhookWorkflowId(tenant.tenantId, stranded)).result();
      expect(endpoint.requests.map((r) => r.headers['webhook-id'])).toEqual([stranded]);
      expect((await deliveryOf(tenant, (await registry.list(tenant))[0]!.id, stranded))?.status).toBe('DELIVERED');

      // Delivered now, and the fresh one is still within its grace: a second sweep sends nothing of this tenant.
      await sweep();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(endpoint.requests.map((r) => r.headers['webhook-id'])).toEqual([stranded]);
      expect((await deliveryOf(tenant, (await registry.list(tenant))[0]!.id, fresh))?.status).toBe('PENDING');
    });
  });

  describe('error', () => {
    it('disables an endpoint after 5 deliveries failed in a row, says why, and enqueues nothing for it until enabled', async () => {
      const endpoint = await receiver(() => ({ status: 500 }));
      const tenant = await newTenant();
      const { webhook } = await hook(tenant, endpoint.url, ['segment.exited']);
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push(...(await registry.enqueue(tenant, 'segment.exited', { segmentId: 'seg_2', leadId: `lead_${i}` })));
      const retry = { ...FAST, maximumAttempts: 2 };
      expect((await deliver(tenant, ids, retry)).sort()).toEqual(['failed', 'failed', 'failed', 'failed', 'failed-and-disabled']);

      for (const id of ids) {
        expect(await deliveryOf(tenant, webhook.id, id)).toMatchObject({ status: 'FAILED', attempts: 2, lastStatus: 500, lastError: 'answered 500: nope 500', deliveredAt: null });
      }
      expect(endpoint.requests).toHaveLength(10);
      const [disabled] = await registry.list(tenant);
      expect(disabled).toMatchObject({
        disabled: true,
        consecutiveFailures: 5,
        disabledReason: 'disabled after 5 deliveries failed in a row; last error: answered 500: nope 500',
      });
      const notice = logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry['webhookId'] === webhook.id);
      expect(notice).toMatchObject({ level: 'warn', message: 'webhook disabled', tenantId: tenant.tenantId });

      expect(await registry.enqueue(tenant, 'segment.exited', { segmentId: 'seg_2', leadId: 'lead_9' })).toEqual([]);
      expect(await registry.replay(tenant, ids[0]!)).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['id'] } });

      expect(valueOf(await registry.enable(tenant, webhook.id))).toMatchObject({ disabled: false, disabledReason: null, consecutiveFailures: 0 });
      expect(await registry.enqueue(tenant, 'segment.exited', { segmentId: 'seg_2', leadId: 'lead_9' })).toHaveLength(1);
    });

    it('counts only failures in a row: a delivered one resets the count', async () => {
      let failing = true;
      const endpoint = await receiver(() => ({ status: failing ? 503 : 200 }));
      const tenant = await newTenant();
      await hook(tenant, endpoint.url, ['lead.scored']);
      const once = { ...FAST, maximumAttempts: 1 };
      for (let i = 0; i < 4; i += 1) await deliver(tenant, await registry.enqueue(tenant, 'lead.scored', { i }), once);
      expect((await registry.list(tenant))[0]).toMatchObject({ consecutiveFailures: 4, disabled: false });
      failing = false;
      await deliver(tenant, await registry.enqueue(tenant, 'lead.scored', { i: 4 }), once);
      expect((await registry.list(tenant))[0]).toMatchObject({ consecutiveFailures: 0, disabled: false });
      expect(endpoint.requests).toHaveLength(5);
    });

    it('validates what is registered', async () => {
      const tenant = await newTenant();
      const problemOf = async (input: { url: string; events: string[] }) => {
        const outcome = await registry.create(tenant, input);
        return outcome.ok ? undefined : outcome.problem;
      };
      expect(await problemOf({ url: '/relative', events: ['lead.scored'] })).toMatchObject({ path: ['input', 'url'] });
      expect(await problemOf({ url: 'ftp://hooks.example.com/x', events: ['lead.scored'] })).toMatchObject({ path: ['input', 'url'] });
      expect(await problemOf({ url: 'https://me:pw@hooks.example.com/x', events: ['lead.scored'] })).toMatchObject({ path: ['input', 'url'], message: expect.stringMatching(/credentials/) });
      expect(await problemOf({ url: 'https://hooks.example.com/x', events: [] })).toMatchObject({ path: ['input', 'events'] });
      expect(await problemOf({ url: 'https://hooks.example.com/x', events: ['lead.scored', 'lead.created'] })).toMatchObject({ path: ['input', 'events', 1] });
      expect(await problemOf({ url: 'https://hooks.example.com/x', events: ['lead.scored', 'lead.scored'] })).toMatchObject({ path: ['input', 'events', 1] });
      expect(await registry.list(tenant)).toEqual([]);
    });

    it('holds at most 20 webhooks per tenant, however many are asked for at once', async () => {
      const tenant = await newTenant();
      const outcomes = await Promise.all(Array.from({ length: 24 }, (_, i) => registry.create(tenant, { url: `https://hooks.example.com/${i}`, events: ['lead.scored'] })));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(20);
      expect(outcomes.find((o) => !o.ok)).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['input'] } });
      expect(await registry.list(tenant)).toHaveLength(20);
    });

    it('answers NOT_FOUND for unknown webhooks and deliveries', async () => {
      const tenant = await newTenant();
      expect(await registry.deliveries(tenant, 'wh_missing', 10)).toEqual({ ok: false, problem: { kind: 'not-found', entity: 'Webhook' } });
      expect(await registry.replay(tenant, 'whd_missing')).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
      expect(await registry.remove(tenant, 'wh_missing')).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
      expect(await registry.enable(tenant, 'wh_missing')).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
    });

    it('stops retrying a delivery whose webhook was removed', async () => {
      const endpoint = await receiver(() => ({ status: 500 }));
      const tenant = await newTenant();
      const { webhook } = await hook(tenant, endpoint.url, ['lead.scored']);
      const ids = await registry.enqueue(tenant, 'lead.scored', {});
      const result = deliver(tenant, ids, { initialIntervalMs: 1_000, maximumIntervalMs: 1_000, maximumAttempts: 10 });
      while (endpoint.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(valueOf(await registry.remove(tenant, webhook.id))).toBe(true);
      expect(await result).toEqual(['not-sent']);
      expect(endpoint.requests.length).toBeLessThanOrEqual(2);
      expect(await registry.list(tenant)).toEqual([]);
    });
  });

  describe('security', () => {
    it('refuses, where local targets are not allowed (in any mode), endpoints on or resolving to internal addresses, and plain http', async () => {
      const tenant = await newTenant();
      const production = createWebhookRegistry({
        secrets: gateway.services.secrets,
        outbound: guardedClient({
          resolve: async (host) => [{ address: host === 'inside.example.com' ? '10.1.2.3' : '93.184.215.14', family: 4 }],
        }),
        onError: () => undefined,
      });
      const refused = async (url: string) => {
        const outcome = await production.create(tenant, { url, events: ['lead.scored'] });
        if (outcome.ok) throw new Error(`${url} was accepted`);
        return problemError(outcome.problem);
      };
      for (const url of ['https://127.0.0.1/hook', 'https://localhost:8443/hook', 'https://[::1]/hook', 'https://169.254.169.254/latest', 'https://inside.example.com/hook']) {
        const error = await refused(url);
        expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['input', 'url'] });
        expect(error.message).toMatch(/^input\.url: /);
      }
      expect((await refused('http://hooks.example.com/x')).message).toBe('input.url: must use https');
      expect(await production.create(tenant, { url: 'https://hooks.example.com/x', events: ['lead.scored'] })).toMatchObject({ ok: true });
    });

    it('does not send, where local targets are not allowed, to an endpoint that has come to point inside', async () => {
      const endpoint = await receiver(() => ({ status: 200 }));
      const tenant = await newTenant();
      const { webhook } = await hook(tenant, endpoint.url, ['lead.scored']);
      const [id] = (await registry.enqueue(tenant, 'lead.scored', {})) as [string];
      const activities = createDeliverWebhookActivities({ tenantDbs: gateway.services.tenantDbs, secrets: gateway.services.secrets, client: guardedClient(), log: createLogger({ level: 'error' }) });
      const error = await new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') })
        .run(activities.attemptDelivery, { tenantId: tenant.tenantId, schema: tenant.schema, deliveryId: id, maxRetryDelayMs: 1000 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ type: 'WebhookUrlRefused', nonRetryable: true });
      expect(endpoint.requests).toHaveLength(0);
      expect(await deliveryOf(tenant, webhook.id, id)).toMatchObject({ status: 'PENDING', attempts: 1, lastError: expect.stringMatching(/^not sent: the URL is refused/) });
    });

    it("keeps one tenant's webhooks and deliveries out of another's reach", async () => {
      const endpoint = await receiver(() => ({ status: 200 }));
      const a = await newTenant();
      const b = await newTenant();
      const { webhook } = await hook(a, endpoint.url, ['lead.scored']);
      const [id] = (await registry.enqueue(a, 'lead.scored', { leadId: 'secret-lead' })) as [string];
      expect(await registry.enqueue(b, 'lead.scored', {})).toEqual([]);
      expect(await registry.list(b)).toEqual([]);
      expect(await registry.deliveries(b, webhook.id, 50)).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
      expect(await registry.replay(b, id)).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
      expect(await registry.enable(b, webhook.id)).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
      expect(await registry.remove(b, webhook.id)).toMatchObject({ ok: false, problem: { kind: 'not-found' } });
      // A delivery id started under another tenant's schema finds nothing to send.
      expect(await deliver(b, [id])).toEqual(['not-sent']);
      expect(endpoint.requests).toHaveLength(0);
      expect(await registry.list(a)).toHaveLength(1);
    });

    it('seals the secret bound to its tenant and webhook', async () => {
      const tenant = await newTenant();
      const { webhook, secret } = await hook(tenant, 'https://hooks.example.com/x', ['lead.scored']);
      const [row] = await gateway.services.db.query<{ sealed: string }>(`select sealed_secret as sealed from ${tenant.schema}.webhooks where id = $1`, [webhook.id]);
      expect(row?.sealed).not.toContain(secret.slice(6));
      expect(gateway.services.secrets.open(row!.sealed, `tenant:${tenant.tenantId}:webhook:${webhook.id}`)).toBe(secret);
      expect(gateway.services.secrets.open(row!.sealed, `tenant:${tenant.tenantId}:webhook:wh_other`)).toBeUndefined();
    });
  });

  describe('through GraphQL (the resolver in a schema of its own)', () => {
    let schema: GraphQLSchema;

    beforeAll(async () => {
      const resolver = new WebhookResolver({ registry, dispatcher: dispatcherWith(FAST) });
      schema = await buildSchema({
        resolvers: [WebhookResolver],
        validate: false,
        scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
        container: { get: () => resolver },
      });
    });

    const as = (tenant: TenantDb, scopes: readonly Scope[] = ['webhooks:manage']) =>
      async (source: string, variableValues?: Record<string, unknown>) => {
        const ctx: GatewayContext = {
          principal: { kind: 'tenant', tenant: { tenantId: tenant.tenantId, schema: tenant.schema, keyId: 'key_test', scopes, ipAllowlist: [], em: gateway.services.orm.em.fork(), db: tenant } },
          requestId: 'req_test',
        };
        const result = await graphql({ schema, source, variableValues, contextValue: ctx });
        return { data: result.data as Record<string, unknown> | null | undefined, errors: result.errors?.map((e) => ({ message: e.message, extensions: e.extensions })) };
      };

    it('creates with the secret once, lists, shows deliveries with their payload, and replays', async () => {
      const endpoint = await receiver(() => ({ status: 200 }));
      const tenant = await newTenant();
      const gql = as(tenant);
      const created = await gql(
        'mutation ($input: WebhookInput!) { createWebhook(input: $input) { secret webhook { id url events disabled disabledReason consecutiveFailures createdAt } } }',
        { input: { url: endpoint.url, events: ['LEAD_SCORED', 'SEGMENT_ENTERED'] } },
      );
      expect(created.errors).toBeUndefined();
      const { secret, webhook } = (created.data?.['createWebhook'] ?? {}) as { secret: string; webhook: { id: string } };
      expect(secret).toMatch(/^whsec_/);
      expect(webhook).toMatchObject({ url: endpoint.url, events: ['LEAD_SCORED', 'SEGMENT_ENTERED'], disabled: false, disabledReason: null, consecutiveFailures: 0 });
      expect((await gql('{ webhooks { id events } }')).data).toEqual({ webhooks: [{ id: webhook.id, events: ['LEAD_SCORED', 'SEGMENT_ENTERED'] }] });

      const [id] = (await registry.enqueue(tenant, 'segment.entered', { segmentId: 'seg_9' })) as [string];
      await deliver(tenant, [id]);
      const listed = await gql('query ($id: ID!) { webhookDeliveries(webhookId: $id) { id eventType status attempts lastStatus deliveredAt payload } }', { id: webhook.id });
      expect(listed.data).toMatchObject({
        webhookDeliveries: [{ id, eventType: 'SEGMENT_ENTERED', status: 'DELIVERED', attempts: 1, lastStatus: 200, payload: { id, type: 'segment.entered', data: { segmentId: 'seg_9' } } }],
      });

      const replayed = await gql('mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id status payload } }', { id });
      const replay = (replayed.data?.['replayWebhookDelivery'] ?? {}) as { id: string; payload: { replayOf: string } };
      expect(replay.payload.replayOf).toBe(id);
      await gateway.services.temporalClient.workflow.getHandle(deliverWebhookWorkflowId(tenant.tenantId, replay.id)).result();
      expect(endpoint.requests.map((r) => r.headers['webhook-id'])).toEqual([id, replay.id]);

      expect((await gql('mutation ($id: ID!) { removeWebhook(id: $id) }', { id: webhook.id })).data).toEqual({ removeWebhook: true });
      expect((await gql('{ webhooks { id } }')).data).toEqual({ webhooks: [] });
    });

    it('answers BAD_USER_INPUT with the path, FORBIDDEN without the scope, NOT_FOUND across tenants', async () => {
      const a = await newTenant();
      const b = await newTenant();
      const bad = await as(a)('mutation { createWebhook(input: { url: "not a url", events: [LEAD_SCORED] }) { secret } }');
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['input', 'url'] });
      const forbidden = await as(a, ['leads:read'])('{ webhooks { id } }');
      expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'webhooks:manage' });

      const { webhook } = await hook(a, 'https://hooks.example.com/a', ['lead.scored']);
      const [id] = (await registry.enqueue(a, 'lead.scored', {})) as [string];
      for (const [query, variables] of [
        ['query ($id: ID!) { webhookDeliveries(webhookId: $id) { id } }', { id: webhook.id }],
        ['mutation ($id: ID!) { enableWebhook(id: $id) { id } }', { id: webhook.id }],
        ['mutation ($id: ID!) { removeWebhook(id: $id) }', { id: webhook.id }],
        ['mutation ($id: ID!) { replayWebhookDelivery(id: $id) { id } }', { id }],
      ] as const) {
        expect((await as(b)(query, variables)).errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
      }
      expect((await as(b)('{ webhooks { id } }')).data).toEqual({ webhooks: [] });
    });
  });
});
