import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../../platform/postgres/database.js';
import { createControlDb } from '../../../platform/postgres/control-db.js';
import { createGuardedHttpClient, type GuardedHttpClient } from '../../../platform/outbound/guarded-http-client.js';
import { createRdapClient } from '../../../platform/network/rdap-client.js';
import type { Outcome } from '../../../platform/outcome.js';
import { createRdapCache, createRdapLookup, type RdapLookup } from '../../../platform/network/rdap-cache.js';
import type { RdapNetwork } from '../../../intelligence/network/rdap-network.js';
import { startRdapServer, type RdapServer } from '../../support/rdap-server.js';

const DAY_MS = 24 * 60 * 60 * 1000;

let db: Database;
let server: RdapServer;
let http: GuardedHttpClient;
let clock: Date;

/** A lookup as the worker builds it: the real client through the guard, the real cache in PostgreSQL, a clock the test moves. */
function buildLookup(opts: { timeoutMs?: number; client?: GuardedHttpClient } = {}): RdapLookup {
  const client = createRdapClient({
    http: opts.client ?? http,
    bootstrapUrl: server.bootstrapUrl,
    timeoutMs: opts.timeoutMs ?? 3000,
    now: () => clock.getTime(),
  });
  return createRdapLookup({ client, cache: createRdapCache({ control: createControlDb(db), ttlDays: 90, now: () => clock }) });
}

const networkOf = (result: Outcome<RdapNetwork | undefined>): RdapNetwork | undefined => {
  if (!result.ok) throw new Error(`expected an answer, got ${JSON.stringify(result.problem)}`);
  return result.value;
};

/** The requests the server saw while `work` ran. */
async function requestsDuring<T>(work: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const before = server.requests.length;
  const result = await work();
  return { result, paths: server.requests.slice(before).map((r) => r.path) };
}

beforeAll(async () => {
  db = createDatabase({ url: inject('databaseUrl'), poolSize: 4, applicationName: 'leadgraph-test-rdap' });
  server = await startRdapServer();
  http = createGuardedHttpClient({ allowLocal: true, maxBodyBytes: 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 });
});

afterAll(async () => {
  await http.close();
  await server.close();
  await db.close();
});

beforeEach(async () => {
  clock = new Date('2026-12-07T12:00:00Z');
  server.delayMs = 0;
  server.unavailable = undefined;
  server.answersHtml = undefined;
  await db.query('delete from control.rdap_networks');
});

afterEach(() => {
  server.rateLimitNext(0, '1');
  server.failBootstrapNext(0);
});

describe('RDAP lookup: happy', () => {
  it('fetches the bootstrap and the registry answer once, stores it, and answers the block from PostgreSQL after', async () => {
    const lookup = buildLookup();
    const first = await requestsDuring(() => lookup.lookupIp('8.8.8.8'));
    expect(first.paths).toEqual(['/bootstrap/ipv4.json', '/arin/ip/8.8.8.8']);
    expect(server.requests.at(-1)?.accept).toBe('application/rdap+json');
    expect(networkOf(first.result)).toMatchObject({ handle: 'NET-8-8-8-0-2', registrant: { name: 'Google LLC' }, domains: ['google.com'] });

    const rows = await db.query<{ block: string; start_address: string; end_address: string; handle: string }>(
      'select block::text, host(start_address) as start_address, host(end_address) as end_address, handle from control.rdap_networks',
    );
    expect(rows).toEqual([{ block: '8.8.8.0/24', start_address: '8.8.8.0', end_address: '8.8.8.255', handle: 'NET-8-8-8-0-2' }]);

    // Another address of the network, an IPv4-mapped spelling, and another process (a fresh client): no request.
    const again = await requestsDuring(async () => [
      await lookup.lookupIp('8.8.8.4'),
      await lookup.lookupIp('::ffff:8.8.8.8'),
      await buildLookup().lookupIp('8.8.8.200'),
    ]);
    expect(again.paths).toEqual([]);
    for (const result of again.result) expect(networkOf(result)).toEqual(networkOf(first.result));
  });

  it('asks again once the cached answer has expired', async () => {
    const lookup = buildLookup();
    await lookup.lookupIp('88.198.10.1');
    clock = new Date(clock.getTime() + 89 * DAY_MS);
    expect((await requestsDuring(() => lookup.lookupIp('88.198.10.2'))).paths).toEqual([]);
    clock = new Date(clock.getTime() + 2 * DAY_MS);
    const expired = await requestsDuring(() => lookup.lookupIp('88.198.10.2'));
    // The bootstrap is a day's too: 91 days on, it is fetched again as well.
    expect(expired.paths).toEqual(['/bootstrap/ipv4.json', '/ripe/ip/88.198.10.2']);
    expect(networkOf(expired.result)).toMatchObject({ name: 'HETZNER-FSN1-DC1', country: 'DE', remarks: ['Hetzner Online GmbH', 'Datacenter Falkenstein FSN1-DC1'] });
    const [row] = await db.query<{ count: number }>('select count(*)::int as count from control.rdap_networks');
    expect(row?.count).toBe(1);
  });

  it('follows a registry redirect to the registry that holds the space', async () => {
    const { result, paths } = await requestsDuring(() => buildLookup().lookupIp('185.40.5.1'));
    expect(paths).toEqual(['/bootstrap/ipv4.json', '/arin/ip/185.40.5.1', '/ripe/ip/185.40.5.1']);
    expect(networkOf(result)).toMatchObject({ registrant: { name: 'Nordfrakt Logistik AB' }, country: 'SE' });
  });

  it('answers each address of a block with the smallest network that holds it', async () => {
    const lookup = buildLookup();
    expect(networkOf(await lookup.lookupIp('96.64.10.3'))?.registrant?.name).toBe('Acme Widgets Inc');
    expect(networkOf(await lookup.lookupIp('96.64.10.200'))?.registrant?.name).toBe('Comcast Cable Communications, LLC');
    const cached = await requestsDuring(async () => [await lookup.lookupIp('96.64.10.5'), await lookup.lookupIp('96.64.10.9')]);
    expect(cached.paths).toEqual([]);
    expect(cached.result.map((r) => networkOf(r)?.handle)).toEqual(['NET-96-64-10-0-1', 'NET-96-64-0-0-1']);
    // Another /24 of the cable operator's block is asked again: a company's assignment could be there.
    expect((await requestsDuring(() => lookup.lookupIp('96.64.11.1'))).paths).toEqual(['/arin/ip/96.64.11.1']);
  });

  it("drops a block's expired rows when it stores a fresh one", async () => {
    const lookup = buildLookup();
    await lookup.lookupIp('96.64.10.3');
    await lookup.lookupIp('96.64.10.200');
    clock = new Date(clock.getTime() + 91 * DAY_MS);
    expect(networkOf(await lookup.lookupIp('96.64.10.3'))?.handle).toBe('NET-96-64-10-0-1');
    const rows = await db.query<{ handle: string }>(`select handle from control.rdap_networks where block = '96.64.10.0/24'`);
    expect(rows).toEqual([{ handle: 'NET-96-64-10-0-1' }]);
  });

  it("sweeps expired rows of blocks nobody asks about any more when it stores another block's", async () => {
    const lookup = buildLookup();
    await lookup.lookupIp('96.64.10.3');
    await lookup.lookupIp('8.8.8.8');
    clock = new Date(clock.getTime() + 91 * DAY_MS);
    // Only the Google block is asked about again: the Acme block's stale row goes with its store.
    await lookup.lookupIp('8.8.8.8');
    const rows = await db.query<{ block: string }>(`select block::text as block from control.rdap_networks order by block`);
    expect(rows).toEqual([{ block: '8.8.8.0/24' }]);
  });

  it('looks IPv6 addresses up through the IPv6 bootstrap', async () => {
    const { result, paths } = await requestsDuring(() => buildLookup().lookupIp('2a01:4f8:c17:1::1'));
    expect(paths).toEqual(['/bootstrap/ipv6.json', '/ripe/ip/2a01:4f8:c17:1::1']);
    expect(networkOf(result)).toMatchObject({ startAddress: '2a01:4f8::', registrant: { name: 'Hetzner Online GmbH' } });
  });

  it('fetches the bootstrap once for concurrent lookups of every registry', async () => {
    const lookup = buildLookup();
    const { result, paths } = await requestsDuring(() =>
      Promise.all(['8.8.8.8', '1.1.1.1', '41.203.64.9', '200.27.99.1', '203.2.218.77'].map((address) => lookup.lookupIp(address))),
    );
    expect(paths.filter((p) => p.startsWith('/bootstrap/'))).toEqual(['/bootstrap/ipv4.json']);
    expect(result.map((r) => networkOf(r)?.registrant?.name)).toEqual([
      'Google LLC',
      undefined,
      'Safari Logistics Ltd',
      'Transportes Andinos S.A.',
      'Koala Freight Network Operations',
    ]);
  });
});

describe('RDAP lookup: no network', () => {
  it('stores a 404 as "none" for a day, so a miss is not asked again on every visit', async () => {
    const lookup = buildLookup();
    const miss = await requestsDuring(() => lookup.lookupIp('5.6.7.8'));
    expect(miss.paths).toEqual(['/bootstrap/ipv4.json', '/ripe/ip/5.6.7.8']);
    expect(networkOf(miss.result)).toBeUndefined();
    const [row] = await db.query<{ handle: string | null; network: unknown; days: number }>(
      `select handle, network, (extract(epoch from expires_at - fetched_at) / 86400)::int as days from control.rdap_networks`,
    );
    expect(row).toEqual({ handle: null, network: null, days: 1 });
    expect((await requestsDuring(() => lookup.lookupIp('5.6.7.99'))).paths).toEqual([]);
    clock = new Date(clock.getTime() + DAY_MS + 1);
    // A day on, both the miss and the day's bootstrap are stale.
    expect((await requestsDuring(() => lookup.lookupIp('5.6.7.99'))).paths).toEqual(['/bootstrap/ipv4.json', '/ripe/ip/5.6.7.99']);
  });

  it('asks no registry for space the bootstrap gives to none (private, reserved)', async () => {
    const lookup = buildLookup();
    await lookup.lookupIp('8.8.8.8');
    const { result, paths } = await requestsDuring(() => lookup.lookupIp('10.1.2.3'));
    expect(paths).toEqual([]);
    expect(networkOf(result)).toBeUndefined();
  });
});

describe('RDAP lookup: errors', () => {
  it('is a retryable failure on 429, with the registry Retry-After, and caches nothing', async () => {
    const lookup = buildLookup();
    server.rateLimitNext(1, '30');
    const limited = await lookup.lookupIp('8.8.8.8');
    expect(limited).toEqual({
      ok: false,
      problem: { kind: 'unavailable', cause: 'rate-limited', message: 'registry 127.0.0.1:' + server.port + ' rate limited (429)', retryable: true, retryAfterMs: 30_000 },
    });
    const [row] = await db.query<{ count: number }>('select count(*)::int as count from control.rdap_networks');
    expect(row?.count).toBe(0);
    expect(networkOf(await lookup.lookupIp('8.8.8.8'))?.handle).toBe('NET-8-8-8-0-2');
  });

  it('is a retryable failure when a registry is down or too slow', async () => {
    server.unavailable = 'apnic';
    expect(await buildLookup().lookupIp('203.2.218.1')).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'unavailable', retryable: true, retryAfterMs: 120_000 } });
    server.unavailable = undefined;
    server.delayMs = 400;
    expect(await buildLookup({ timeoutMs: 150 }).lookupIp('203.2.218.1')).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'timeout', retryable: true } });
  });

  it('does not keep a failed bootstrap: the next lookup fetches it again', async () => {
    const lookup = buildLookup();
    server.failBootstrapNext(1);
    expect(await lookup.lookupIp('8.8.8.8')).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'unavailable', retryable: true } });
    const retried = await requestsDuring(() => lookup.lookupIp('8.8.8.8'));
    expect(retried.paths).toEqual(['/bootstrap/ipv4.json', '/arin/ip/8.8.8.8']);
    expect(networkOf(retried.result)?.handle).toBe('NET-8-8-8-0-2');
  });

  it('is a final failure, and nothing cached, when a registry answers something that is not RDAP', async () => {
    server.answersHtml = 'lacnic';
    expect(await buildLookup().lookupIp('200.27.99.1')).toMatchObject({
      ok: false,
      problem: { kind: 'unavailable', cause: 'malformed', message: expect.stringContaining('not JSON') as string, retryable: false },
    });
    const [row] = await db.query<{ count: number }>('select count(*)::int as count from control.rdap_networks');
    expect(row?.count).toBe(0);
  });

  it('takes a cached row it cannot read for not cached, and asks the registry', async () => {
    await db.query(
      `insert into control.rdap_networks (block, start_address, end_address, handle, network, fetched_at, expires_at)
       values ('8.8.8.0/24', '8.8.8.0', '8.8.8.255', 'OLD', '{"handle": "OLD", "shape": "of another release"}', $1, $2)`,
      [clock, new Date(clock.getTime() + DAY_MS)],
    );
    const { result, paths } = await requestsDuring(() => buildLookup().lookupIp('8.8.8.8'));
    expect(paths).toEqual(['/bootstrap/ipv4.json', '/arin/ip/8.8.8.8']);
    expect(networkOf(result)?.handle).toBe('NET-8-8-8-0-2');
  });

  it('refuses what is not an address without a request', async () => {
    const { result, paths } = await requestsDuring(() => buildLookup().lookupIp('8.8.8'));
    expect(paths).toEqual([]);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['ip'] } });
  });

  it('lets the caller abort: its own signal rejects', async () => {
    server.delayMs = 500;
    const controller = new AbortController();
    const pending = buildLookup().lookupIp('88.198.1.1', controller.signal);
    setTimeout(() => controller.abort(new Error('visitor left')), 50);
    await expect(pending).rejects.toThrow('visitor left');
  });
});

describe('RDAP lookup: security', () => {
  it('goes through the outbound guard: a registry on a private address is refused, no request leaves', async () => {
    const guarded = createGuardedHttpClient({ allowLocal: false, maxBodyBytes: 1024 * 1024, timeoutMs: 10_000, maxRedirects: 3 });
    try {
      const { result, paths } = await requestsDuring(() => buildLookup({ client: guarded }).lookupIp('8.8.8.8'));
      expect(paths).toEqual([]);
      expect(result).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'refused', retryable: false } });
    } finally {
      await guarded.close();
    }
  });

  it('stops at the redirect cap', async () => {
    const noRedirects = createGuardedHttpClient({ allowLocal: true, maxBodyBytes: 1024 * 1024, timeoutMs: 10_000, maxRedirects: 0 });
    try {
      const { result, paths } = await requestsDuring(() => buildLookup({ client: noRedirects }).lookupIp('185.40.5.1'));
      expect(paths).toEqual(['/bootstrap/ipv4.json', '/arin/ip/185.40.5.1']);
      expect(result).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'refused', message: expect.stringContaining('redirects') as string } });
    } finally {
      await noRedirects.close();
    }
  });
});
