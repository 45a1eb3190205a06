import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPeeringDbNetworks, peeringDbNetUrl } from '../../../platform/network/peeringdb-client.js';
import { createGuardedHttpClient } from '../../../platform/outbound/guarded-http-client.js';
import { peeringDbNet, startPeeringDbServer, type PeeringDbServer } from '../../support/peeringdb-server.js';

const KEY = 'pdb-client-test-key';
const local = createGuardedHttpClient({ allowLocal: true, maxBodyBytes: 1024 * 1024, timeoutMs: 5_000, maxRedirects: 5 });
const guarded = createGuardedHttpClient({ allowLocal: false, maxBodyBytes: 1024 * 1024, timeoutMs: 5_000, maxRedirects: 5 });

describe('PeeringDB client (local PeeringDB, guarded outbound client)', () => {
  let peeringDb: PeeringDbServer;
  let broken: Server;
  let brokenUrl: string;
  let brokenAnswer: { status: number; body: string } = { status: 200, body: '{}' };

  beforeAll(async () => {
    peeringDb = await startPeeringDbServer({
      apiKey: KEY,
      records: [
        peeringDbNet({ id: 1, asn: 64_501, name: 'One', info_type: 'NSP', updated: '2025-01-01T00:00:00Z' }),
        peeringDbNet({ id: 2, asn: 64_502, name: 'Two', info_type: 'Content', updated: '2025-02-01T00:00:00Z' }),
        peeringDbNet({ id: 3, asn: 64_503, name: 'Three', updated: '2025-03-01T00:00:00Z', status: 'deleted' }),
      ],
    });
    broken = createServer((_req, res) => {
      res.writeHead(brokenAnswer.status, { 'content-type': 'application/json' });
      res.end(brokenAnswer.body);
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    brokenUrl = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await peeringDb?.close();
    await new Promise((resolve) => broken?.close(resolve));
    await local.close();
    await guarded.close();
  });

  it('asks for live records in full, and for every change since in increments', () => {
    expect(peeringDbNetUrl('https://www.peeringdb.com/', { skip: 250, limit: 250 }).toString()).toBe(
      'https://www.peeringdb.com/api/net?status=ok&depth=0&fields=id%2Casn%2Cname%2Cinfo_type%2Cinfo_types%2Cwebsite%2Cupdated%2Cstatus&limit=250&skip=250',
    );
    const incremental = peeringDbNetUrl('https://mirror.example/peeringdb', { since: 1_735_689_600, skip: 0, limit: 100 });
    expect(incremental.pathname).toBe('/peeringdb/api/net');
    expect(Object.fromEntries(incremental.searchParams)).toMatchObject({ since: '1735689600', depth: '0', limit: '100', skip: '0' });
    expect(incremental.searchParams.has('status')).toBe(false);
  });

  it('reads a page with the API key', async () => {
    const result = await fetchPeeringDbNetworks(local, { url: peeringDb.url, apiKey: KEY }, { skip: 0, limit: 10 }, Date.now());
    if (!result.ok) throw new Error(JSON.stringify(result.problem));
    expect(result.value.networks.map((n) => [n.asn, n.infoType])).toEqual([
      [64_501, 'NSP'],
      [64_502, 'Content'],
    ]);
    const since = await fetchPeeringDbNetworks(local, { url: peeringDb.url, apiKey: KEY }, { since: Date.parse('2025-01-15T00:00:00Z') / 1000, skip: 0, limit: 10 }, Date.now());
    expect(since.ok && since.value.networks.map((n) => [n.asn, n.status])).toEqual([
      [64_502, 'ok'],
      [64_503, 'deleted'],
    ]);
    expect(peeringDb.requests.at(-1)?.authorization).toBe(`Api-Key ${KEY}`);
  });

  it('fails for good on a wrong API key, naming the setting', async () => {
    const result = await fetchPeeringDbNetworks(local, { url: peeringDb.url, apiKey: 'wrong' }, { skip: 0, limit: 10 }, Date.now());
    expect(result).toEqual({
      ok: false,
      problem: { kind: 'unavailable', cause: 'rejected', message: 'PeeringDB answered 401 (check PEERINGDB_API_KEY)', retryable: false },
    });
  });

  it('hands back a rate limit with the wait PeeringDB asked for', async () => {
    peeringDb.throttle(1, 7);
    const result = await fetchPeeringDbNetworks(local, { url: peeringDb.url, apiKey: KEY }, { skip: 0, limit: 10 }, Date.now());
    expect(result).toEqual({
      ok: false,
      problem: { kind: 'unavailable', cause: 'rate-limited', message: 'PeeringDB rate limited the sync (429)', retryable: true, retryAfterMs: 7000 },
    });
  });

  it('retries an outage or a garbled answer, and refuses a page it cannot hold', async () => {
    const settings = { url: brokenUrl };
    brokenAnswer = { status: 503, body: '' };
    expect(await fetchPeeringDbNetworks(local, settings, { skip: 0, limit: 10 }, Date.now())).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'unavailable', retryable: true } });
    brokenAnswer = { status: 200, body: '<html>maintenance</html>' };
    expect(await fetchPeeringDbNetworks(local, settings, { skip: 0, limit: 10 }, Date.now())).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'malformed', retryable: true } });
    brokenAnswer = { status: 200, body: JSON.stringify({ meta: { error: 'oops' } }) };
    expect(await fetchPeeringDbNetworks(local, settings, { skip: 0, limit: 10 }, Date.now())).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'malformed', retryable: true } });
    brokenAnswer = { status: 200, body: JSON.stringify({ data: Array.from({ length: 20_000 }, (_, i) => ({ id: i + 1, asn: i + 1, name: 'x'.repeat(60), updated: '2025-01-01T00:00:00Z', status: 'ok' })) }) };
    expect(await fetchPeeringDbNetworks(local, settings, { skip: 0, limit: 20_000 }, Date.now())).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'malformed', retryable: false } });
  });

  it('goes through the outbound guard: a local PeeringDB is refused where local outbound is off', async () => {
    const result = await fetchPeeringDbNetworks(guarded, { url: peeringDb.url }, { skip: 0, limit: 10 }, Date.now());
    expect(result).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'refused', retryable: false } });
  });
});
