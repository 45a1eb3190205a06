import { randomBytes, randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { messageCollector } from '../../support/message-collector.js';

const SUBSCRIBE = 'subscription { creditBalanceChanged { balance } }';
const GRANT = `mutation ($tenantId: ID!, $amount: Int!, $reason: String!) {
  grantCredits(tenantId: $tenantId, amount: $amount, reason: $reason) { balance }
}`;

const wsUrl = (gateway: TestGateway) => `${gateway.url.replace('http', 'ws')}/graphql`;

type Received = { data?: { creditBalanceChanged: { balance: number } } | null; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> };

/** One subscription's messages, with a way to await the n-th instead of sleeping. */
interface Subscriber {
  readonly messages: Received[];
  readonly balances: () => number[];
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the close event's code or the error the subscription ended with. */
  readonly ended: Promise<unknown>;
}

function subscribe(client: Client): Subscriber {
  const collected = messageCollector<Received>(5_000);
  let end!: (reason: unknown) => void;
  const ended = new Promise<unknown>((resolve) => {
    end = resolve;
  });
  client.subscribe<{ creditBalanceChanged: { balance: number } }>(
    { query: SUBSCRIBE },
    {
      next: (message) => collected.push(message as Received),
      error: (error) => end(error),
      complete: () => end('complete'),
    },
  );
  return {
    messages: collected.messages,
    balances: () => collected.messages.map((m) => m.data?.creditBalanceChanged.balance ?? Number.NaN),
    ended,
    waitFor: collected.waitFor,
  };
}

/** Closes every client and forgets it. */
async function disposeAll(clients: Client[]): Promise<void> {
  await Promise.all(
    clients.splice(0).map(async (client) => {
      await client.dispose();
    }),
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('creditBalanceChanged subscription', () => {
  let gateway: TestGateway;
  let redis: Redis;
  const clients: Client[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway();
    redis = new Redis(gateway.config.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    await disposeAll(clients);
    redis.disconnect();
    await gateway.close();
  });

  const clientFor = (target: TestGateway, authorization: string | undefined, onClosed?: (code: number) => void): Client => {
    const client = createClient({
      url: wsUrl(target),
      webSocketImpl: WebSocket,
      connectionParams: authorization === undefined ? {} : { authorization },
      retryAttempts: 0,
      on: { closed: (event) => onClosed?.((event as { code: number }).code) },
    });
    clients.push(client);
    return client;
  };

  /**
   * A subscription is live once the gateway has subscribed to the tenant's channel in Redis;
   * the protocol does not acknowledge it, so ask Redis how many connections listen.
   */
  const untilListening = async (prefix: string, tenantId: string, listeners = 1) => {
    const channel = `${prefix}ps:tenant:${tenantId}:credits`;
    for (let attempt = 0; attempt < 200; attempt++) {
      const reply = (await redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number | string];
      if (Number(reply[1]) >= listeners) return;
      await sleep(25);
    }
    throw new Error(`nobody subscribed to ${channel}`);
  };

  const grant = async (target: TestGateway, tenant: TestTenant, amount: number) => {
    const response = await target.gql<{ grantCredits: { balance: number } }>(target.adminToken, GRANT, {
      tenantId: tenant.id,
      amount,
      reason: 'subscription test',
    });
    expect(response.errors).toBeUndefined();
    return response.data!.grantCredits.balance;
  };

  it("pushes the tenant's new balance after a grant and after a charge", async () => {
    const tenant = await createTenant(gateway, { credits: 10 });
    const subscriber = subscribe(clientFor(gateway, `Bearer ${tenant.secretKey}`));
    await untilListening(gateway.config.REDIS_KEY_PREFIX, tenant.id);

    expect(await grant(gateway, tenant, 15)).toBe(25);
    await subscriber.waitFor(1);

    const charged = await gateway.services.ledger.charge({ tenantId: tenant.id, amount: 4, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` });
    expect(charged.ok).toBe(true);
    await subscriber.waitFor(2);

    expect(subscriber.messages.every((m) => m.errors === undefined)).toBe(true);
    expect(subscriber.balances()).toEqual([25, 21]);
  });

  it('pushes nothing for a replayed charge or a refused one', async () => {
    const tenant = await createTenant(gateway, { credits: 10 });
    const subscriber = subscribe(clientFor(gateway, `Bearer ${tenant.secretKey}`));
    await untilListening(gateway.config.REDIS_KEY_PREFIX, tenant.id);

    const key = `k:${randomUUID()}`;
    await gateway.services.ledger.charge({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: key });
    await gateway.services.ledger.charge({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: key });
    const refused = await gateway.services.ledger.charge({ tenantId: tenant.id, amount: 99, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` });
    expect(refused.ok).toBe(false);
    // A later change that is delivered proves the earlier ones had their chance to arrive.
    await grant(gateway, tenant, 1);
    await subscriber.waitFor(2);

    expect(subscriber.balances()).toEqual([7, 8]);
  });

  it("never hands B's subscriber a change of A's", async () => {
    const a = await createTenant(gateway, { credits: 10 });
    const b = await createTenant(gateway, { credits: 500 });
    const ofA = subscribe(clientFor(gateway, `Bearer ${a.secretKey}`));
    const ofB = subscribe(clientFor(gateway, `Bearer ${b.secretKey}`));
    await untilListening(gateway.config.REDIS_KEY_PREFIX, a.id);
    await untilListening(gateway.config.REDIS_KEY_PREFIX, b.id);

    await grant(gateway, a, 5);
    await ofA.waitFor(1);
    expect(ofA.balances()).toEqual([15]);
    await sleep(200);

    await grant(gateway, b, 1);
    await ofB.waitFor(1);
    expect(ofB.balances()).toEqual([501]);
    expect(ofA.balances()).toEqual([15]);
  });

  it('reaches a subscriber on another gateway instance that shares the Redis prefix', async () => {
    const prefix = `lg-test-shared-${randomBytes(4).toString('hex')}:`;
    const first = await startTestGateway({ config: testConfig({ REDIS_KEY_PREFIX: prefix }) });
    let second: TestGateway | undefined;
    try {
      second = await startTestGateway({ config: testConfig({ REDIS_KEY_PREFIX: prefix }) });
      const tenant = await createTenant(first, { credits: 10 });
      const onSecond = subscribe(clientFor(second, `Bearer ${tenant.secretKey}`));
      await untilListening(prefix, tenant.id);

      expect(await grant(first, tenant, 32)).toBe(42);
      await onSecond.waitFor(1);
      expect(onSecond.balances()).toEqual([42]);
    } finally {
      await disposeAll(clients);
      await second?.close();
      await first.close();
    }
  });

  it('closes a connection whose key is missing, unknown or publishable with 4403', async () => {
    const tenant = await createTenant(gateway, { credits: 10 });
    for (const authorization of [undefined, 'Bearer sk_not_a_real_key', `Bearer ${tenant.publishableKey}`]) {
      let closedWith: number | undefined;
      const subscriber = subscribe(clientFor(gateway, authorization, (code) => (closedWith = code)));
      const ended = (await subscriber.ended) as { code?: number };
      expect(ended.code).toBe(4403);
      expect(closedWith).toBe(4403);
      expect(subscriber.messages).toEqual([]);
    }
  });

  it('refuses the subscription to the platform token with FORBIDDEN: it has no tenant', async () => {
    const subscriber = subscribe(clientFor(gateway, `Bearer ${gateway.adminToken}`));
    expect(await subscriber.ended).toBe('complete');
    expect(subscriber.messages).toHaveLength(1);
    expect(subscriber.messages[0]?.data ?? null).toBeNull();
    expect(subscriber.messages[0]?.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
  });

  it('closes a connection that never sends connection_init with 4408 after the wait', async () => {
    const socket = new WebSocket(wsUrl(gateway), 'graphql-transport-ws');
    try {
      const opened = Date.now();
      const code = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('socket still open after 10 s')), 10_000);
        socket.on('close', (closeCode) => {
          clearTimeout(timer);
          resolve(closeCode);
        });
        socket.on('error', reject);
      });
      expect(code).toBe(4408);
      // It waited for the client rather than closing at once.
      expect(Date.now() - opened).toBeGreaterThanOrEqual(2_500);
    } finally {
      socket.terminate();
    }
  });
});
