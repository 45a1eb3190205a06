import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedHttpClient, type GuardedHttpClient, type GuardedHttpClientOptions } from '../../../platform/outbound/guarded-http-client.js';

/** Plain http servers on 127.0.0.1 (internal) and 127.0.0.2 (standing in for a public address). */
describe('the guarded HTTP client', () => {
  const hits = { inside: 0, outside: 0 };
  let inside: Server;
  let outside: Server;
  const clients: GuardedHttpClient[] = [];
  const client = (options: Partial<GuardedHttpClientOptions> = {}) => {
    const made = createGuardedHttpClient({
      allowLocal: true,
      maxBodyBytes: 1024,
      timeoutMs: 5_000,
      maxRedirects: 2,
      isPublicAddress: (address) => address === '127.0.0.2',
      ...options,
    });
    clients.push(made);
    return made;
  };
  const url = (server: Server, host: string, path = '/') => `http://${host}:${(server.address() as AddressInfo).port}${path}`;

  beforeAll(async () => {
    inside = createServer((req, res) => {
      hits.inside += 1;
      if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else if (req.url === '/post-redirect') res.writeHead(307, { location: '/elsewhere' }).end();
      else if (req.url === '/silent') return;
      else res.end('x'.repeat(4096));
    });
    outside = createServer((_req, res) => {
      hits.outside += 1;
      res.end('public');
    });
    await new Promise<void>((resolve) => inside.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.2', resolve));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const server of [inside, outside]) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('with local targets allowed, speaks plain http to local addresses only', async () => {
    const local = client();
    const ok = await local.request(url(inside, '127.0.0.1'));
    expect(ok.ok && ok.response.status).toBe(200);
    const before = hits.outside;
    expect(await local.request(url(outside, '127.0.0.2'))).toMatchObject({ ok: false, refusal: 'internal-address', message: expect.stringMatching(/plain http/) });
    expect(hits.outside).toBe(before);
  });

  it('without it, refuses plain http and internal addresses before any connection', async () => {
    const guarded = client({ allowLocal: false });
    const before = { ...hits };
    expect(await guarded.request(url(inside, '127.0.0.1'))).toMatchObject({ ok: false, refusal: 'insecure-scheme' });
    expect(await guarded.request(url(inside, '127.0.0.1').replace('http:', 'https:'))).toMatchObject({ ok: false, refusal: 'internal-address' });
    expect(await guarded.request(url(inside, 'localhost').replace('http:', 'https:'))).toMatchObject({ ok: false, refusal: 'internal-address' });
    expect(await guarded.check('ftp://files.example.com/')).toMatchObject({ ok: false, refusal: 'insecure-scheme' });
    expect(await guarded.check('not a url')).toMatchObject({ ok: false, refusal: 'invalid-url' });
    expect(hits).toEqual(before);
  });

  it('caps redirects, follows them for GET only, and caps the body it reads', async () => {
    const local = client();
    const before = hits.inside;
    expect(await local.request(url(inside, '127.0.0.1', '/loop'), { redirect: 'follow' })).toMatchObject({ ok: false, refusal: 'too-many-redirects' });
    expect(hits.inside - before).toBe(3);
    const posted = await local.request(url(inside, '127.0.0.1', '/post-redirect'), { method: 'POST', body: '{}', redirect: 'follow' });
    expect(posted.ok && posted.response.status).toBe(307);
    const read = await local.request(url(inside, '127.0.0.1'));
    if (!read.ok) throw new Error(read.message);
    const { bytes, truncated } = await read.response.read(1_000_000);
    expect([bytes.byteLength, truncated]).toEqual([1024, true]);
  });

  it('gives up after its time cap even when the caller asked for longer', async () => {
    const quick = client({ timeoutMs: 200 });
    await expect(quick.request(url(inside, '127.0.0.1', '/silent'), { timeoutMs: 60_000 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
