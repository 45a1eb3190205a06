import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_API_KEY, REVOKE_API_KEY } from '../integration/api-keys/api-key-operations.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { errorsOf, openRawSocket, type RawSocket } from './websocket-client.js';

const RATE = 12;
const MAX_CONNECTIONS = 3;
const MAX_SUBSCRIPTIONS = 3;

const CREDITS = 'subscription { creditBalanceChanged { balance } }';
const aliases = (count: number, field: string) => Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ');
const HUGE_QUERY = `{ ${aliases(300, 'leads(first: 100) { edges { node { id email } } }')} }`;
const HUGE_PAGE_SUBSCRIPTION = 'subscription { leadScored { lead { events(first: 100000) { id } } } }';
// 100 segments (the list's default size) × a page of 100 members with their count: far past MAX_QUERY_COST.
const COSTLY_SUBSCRIPTION = 'subscription { leadScored { lead { segments { members(first: 100) { edges { node { id } } } } } } }';

describe('GraphQL over WebSocket: the same controls as HTTP, from the outside', () => {
  let gateway: TestGateway;
  let redis: Redis;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway({
      config: testConfig({
        RATE_LIMIT_PER_MINUTE: String(RATE),
        WS_MAX_CONNECTIONS_PER_KEY: String(MAX_CONNECTIONS),
        WS_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(MAX_SUBSCRIPTIONS),
        WS_INIT_TIMEOUT_MS: '300',
      }),
    });
    redis = new Redis(gateway.config.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
  });
  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.socket.terminate();
    redis.disconnect();
    await gateway.close();
  });

  const open = () => {
    const socket = openRawSocket(gateway);
    sockets.push(socket);
    return socket;
  };
  const connected = async (tenant: TestTenant | string) => {
    const socket = open();
    await socket.init(`Bearer ${typeof tenant === 'string' ? tenant : tenant.secretKey}`);
    return socket;
  };

  /** A subscription on the tenant's credits channel is live once the gateway listens in Redis. */
  const untilListening = async (tenantId: string) => {
    const channel = `${gateway.config.REDIS_KEY_PREFIX}ps:tenant:${tenantId}:credits`;
    for (;;) {
      const reply = (await redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number | string];
      if (Number(reply[1]) >= 1) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const grant = async (tenant: TestTenant, amount: number) => {
    const response = await gateway.gql(gateway.adminToken, 'mutation ($t: ID!, $a: Int!) { grantCredits(tenantId: $t, amount: $a, reason: "ws test") { balance } }', {
      t: tenant.id,
      a: amount,
    });
    expect(response.errors).toBeUndefined();
  };

  it('refuses 300 aliases of leads(first: 100) with QUERY_TOO_COMPLEX, as HTTP does', async () => {
    const a = await createTenant(gateway);
    const overHttp = await gateway.gql(a.secretKey, HUGE_QUERY);
    expect(codeOf(overHttp)).toBe('QUERY_TOO_COMPLEX');

    const socket = await connected(a);
    socket.subscribe('1', HUGE_QUERY);
    const answer = await socket.firstFor('1');
    expect(answer.type).toBe('error');
    expect(errorsOf(answer)[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', maxCost: gateway.config.MAX_QUERY_COST });
    expect(errorsOf(answer)[0]?.extensions?.['cost']).toBe(overHttp.errors?.[0]?.extensions?.['cost']);
    expect(errorsOf(answer)[0]?.extensions).not.toHaveProperty('http');
  });

  it('measures subscriptions too: first: 100000 is BAD_USER_INPUT and a costly selection QUERY_TOO_COMPLEX', async () => {
    const a = await createTenant(gateway);
    const socket = await connected(a);
    socket.subscribe('page', HUGE_PAGE_SUBSCRIPTION);
    socket.subscribe('cost', COSTLY_SUBSCRIPTION);
    const page = await socket.firstFor('page');
    expect(page.type).toBe('error');
    expect(errorsOf(page)[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: 'leadScored.lead.events.first', value: 100000 });
    const cost = await socket.firstFor('cost');
    expect(cost.type).toBe('error');
    expect(errorsOf(cost)[0]?.extensions?.['code']).toBe('QUERY_TOO_COMPLEX');
  });

  it('carries subscriptions only: a query or a mutation is refused, and the mutation changes nothing', async () => {
    const a = await createTenant(gateway);
    const socket = await connected(a);
    socket.subscribe('q', '{ leads(first: 1) { totalCount } }');
    socket.subscribe('m', 'mutation { createSegment(input: { name: "over the socket", rule: { field: "score", op: "gte", value: 1 } }) { id } }');
    for (const id of ['q', 'm']) {
      const answer = await socket.firstFor(id);
      expect(answer.type).toBe('error');
      const [error] = errorsOf(answer);
      expect(error?.extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(error?.message).toContain('POST /graphql');
    }
    // Nothing ran unaudited: the segment the refused mutation named does not exist.
    const segments = await gateway.gql<{ segments: Array<{ name: string }> }>(a.secretKey, '{ segments { name } }');
    expect(segments.data?.segments).toEqual([]);
  });

  it("meters subscribe operations against the key's rate, shared with HTTP, and not another tenant's", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    const socket = await connected(a); // the connection counts once
    let refused: Record<string, unknown> | undefined;
    let allowed = 0;
    // Invalid documents are metered too (before parsing), and end at once, so the connection's cap never interferes.
    for (let i = 0; i < RATE + 2 && refused === undefined; i++) {
      socket.subscribe(`s${i}`, 'subscription { notAField }');
      const [error] = errorsOf(await socket.firstFor(`s${i}`));
      if (error?.extensions?.['code'] === 'RATE_LIMITED') refused = error.extensions;
      else allowed += 1;
    }
    expect(allowed).toBe(RATE - 1);
    expect(refused?.['retryAfter']).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(refused?.['retryAfter'])).toBe(true);
    // The same budget as HTTP: the key is out of requests there too.
    expect(codeOf(await gateway.gql(a.secretKey, '{ tenant { id } }'))).toBe('RATE_LIMITED');
    // Another tenant's key is untouched.
    const other = await connected(b);
    other.subscribe('x', 'subscription { notAField }');
    expect(errorsOf(await other.firstFor('x'))[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('closes a socket whose first message exceeds maxPayload, before authentication', async () => {
    const a = await createTenant(gateway);
    const socket = open();
    await socket.opened;
    // A valid key padded past 64 KiB: the old server read all of it and acknowledged the connection.
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${a.secretKey}`, padding: 'x'.repeat(gateway.config.WS_MAX_PAYLOAD_BYTES + 1) } });
    const { code } = await socket.closed;
    expect(code).toBe(1009);
    expect(socket.all().filter((message) => message.type === 'connection_ack')).toEqual([]);
  });

  it('closes a socket that sends no connection_init within the configured wait (4408)', async () => {
    const socket = open();
    await socket.opened;
    expect((await socket.closed).code).toBe(4408);
  });

  it("caps one key's connections while another tenant's key still connects", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    for (let i = 0; i < MAX_CONNECTIONS; i++) await connected(a);
    const over = open();
    await expect(over.init(`Bearer ${a.secretKey}`)).rejects.toThrow(/closed/);
    expect(await over.closed).toEqual({ code: 4429, reason: 'too many connections for this key' });
    await connected(b);
  });

  it('caps subscriptions on one connection, and the ones within the cap are served', async () => {
    const a = await createTenant(gateway, { credits: 10 });
    const socket = await connected(a);
    for (let i = 1; i <= MAX_SUBSCRIPTIONS; i++) socket.subscribe(String(i), CREDITS);
    socket.subscribe('over', CREDITS);
    const over = await socket.firstFor('over');
    expect(over.type).toBe('error');
    expect(errorsOf(over)[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', maxSubscriptions: MAX_SUBSCRIPTIONS });

    await untilListening(a.id);
    await grant(a, 5);
    for (let i = 1; i <= MAX_SUBSCRIPTIONS; i++) await socket.waitFor(String(i), 1);
    for (let i = 1; i <= MAX_SUBSCRIPTIONS; i++) expect(socket.messagesFor(String(i))[0]).toMatchObject({ type: 'next', payload: { data: { creditBalanceChanged: { balance: 15 } } } });
    expect(socket.messagesFor('over')).toHaveLength(1);
  });

  it("closes a revoked key's open sockets with 4401, and leaves the other tenant's open", async () => {
    const a = await createTenant(gateway, { credits: 10 });
    const b = await createTenant(gateway, { credits: 10 });
    const created = await gateway.gql<{ createApiKey: { apiKey: { id: string }; key: string } }>(a.secretKey, CREATE_API_KEY, {
      input: { name: 'dashboard' },
    });
    const second = created.data!.createApiKey;
    const ofA = await connected(second.key);
    const ofB = await connected(b);
    ofB.subscribe('b', CREDITS);
    await untilListening(b.id);

    const revoked = await gateway.gql(a.secretKey, REVOKE_API_KEY, { id: second.apiKey.id });
    expect(revoked.errors).toBeUndefined();
    expect(await ofA.closed).toEqual({ code: 4401, reason: 'api key revoked' });

    // B's socket still works: its subscription is served after A's socket closed.
    await grant(b, 1);
    await ofB.waitFor('b', 1);
    expect(ofB.messagesFor('b')[0]).toMatchObject({ type: 'next', payload: { data: { creditBalanceChanged: { balance: 11 } } } });
    expect(ofB.socket.readyState).toBe(ofB.socket.OPEN);
    // And the revoked key cannot come back.
    const again = open();
    await expect(again.init(`Bearer ${second.key}`)).rejects.toThrow(/closed/);
    expect((await again.closed).code).toBe(4403);
  });

  it('closes the sockets a revoked key holds on another gateway instance', async () => {
    const prefix = `lg-test-ws-${randomBytes(4).toString('hex')}:`;
    const first = await startTestGateway({ config: testConfig({ REDIS_KEY_PREFIX: prefix }) });
    const second = await startTestGateway({ config: testConfig({ REDIS_KEY_PREFIX: prefix }) });
    try {
      const a = await createTenant(first);
      const created = await first.gql<{ createApiKey: { apiKey: { id: string }; key: string } }>(a.secretKey, CREATE_API_KEY, {
        input: { name: 'elsewhere' },
      });
      const key = created.data!.createApiKey;
      const onSecond = openRawSocket(second);
      sockets.push(onSecond);
      await onSecond.init(`Bearer ${key.key}`);

      expect((await first.gql(a.secretKey, REVOKE_API_KEY, { id: key.apiKey.id })).errors).toBeUndefined();
      expect((await onSecond.closed).code).toBe(4401);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
