import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, isPortFree } from '../../platform/embedded/free-port.js';
import { bringUpRedis } from '../../platform/embedded/local-redis.js';
import { fetchRedisServer } from '../../platform/embedded/redis-binary-fetch.js';
import { answersPing, findRedisServer, startRedisServer } from '../../platform/embedded/redis-server.js';
import { acceptsConnections } from '../support/ports.js';

const execFileAsync = promisify(execFile);

const portOf = (url: string): number => Number(new URL(url).port);

// The machine's redis-server (Debian's package; REDIS_SERVER names another).
const systemBinary = findRedisServer(process.env['REDIS_SERVER']);

describe('redis-server bring-up', () => {
  it('finds a redis-server on this machine', () => {
    expect(systemBinary, 'no redis-server on PATH: apt-get install redis-server').toBeDefined();
  });

  it('looks along PATH, and refuses a REDIS_SERVER that is not an executable', () => {
    const dir = dirname(systemBinary ?? '/usr/bin/redis-server');
    expect(findRedisServer(undefined, { pathEnv: `/nonexistent:${dir}` })).toBe(join(dir, 'redis-server'));
    expect(findRedisServer('', { pathEnv: '/nonexistent' })).toBeUndefined();
    expect(() => findRedisServer('/nonexistent/redis-server')).toThrow(
      'REDIS_SERVER points to /nonexistent/redis-server, which is not an executable file',
    );
  });

  it('started with no configured URL, answers a real client and is gone after stop', async () => {
    const lines: string[] = [];
    const redis = await bringUpRedis({ configuredUrl: undefined, explicitBinary: process.env['REDIS_SERVER'], log: (l) => lines.push(l) });
    expect(redis.source).toBe(process.env['REDIS_SERVER'] ? 'REDIS_SERVER' : 'PATH');
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const port = portOf(redis.url);
    try {
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await client.connect();
      try {
        expect(await client.ping()).toBe('PONG');
        await client.set('leadgraph:probe', 'ada');
        expect(await client.get('leadgraph:probe')).toBe('ada');
        // No persistence: a throwaway server never writes a snapshot or an append-only file.
        expect(await client.config('GET', 'save')).toEqual(['save', '']);
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
        expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      } finally {
        client.disconnect();
      }
    } finally {
      await redis.stop();
    }
    expect(await answersPing(port)).toBe(false);
    expect(await acceptsConnections(port)).toBe(false);
    expect(await isPortFree(port)).toBe(true);
    expect(lines.some((l) => l.includes(`--port ${port}`))).toBe(true);
  });

  it('removes its working folder on stop', async () => {
    const server = await startRedisServer({ binary: systemBinary ?? 'redis-server', port: await findFreePort(), log: () => {} });
    expect(existsSync(server.dir)).toBe(true);
    await server.stop();
    expect(existsSync(server.dir)).toBe(false);
  });

  it('uses REDIS_URL as it is, starting nothing', async () => {
    const running = await startRedisServer({ binary: systemBinary ?? 'redis-server', port: await findFreePort(), log: () => {} });
    try {
      const redis = await bringUpRedis({ configuredUrl: running.url, log: () => {} });
      expect(redis).toMatchObject({ url: running.url, source: 'REDIS_URL' });
      await redis.stop();
      // Stopping a configured server is not ours to do.
      expect(await answersPing(portOf(running.url))).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('fails with an error naming the port when the port is taken', async () => {
    const running = await startRedisServer({ binary: systemBinary ?? 'redis-server', port: await findFreePort(), log: () => {} });
    const port = portOf(running.url);
    try {
      await expect(startRedisServer({ binary: systemBinary ?? 'redis-server', port, log: () => {} })).rejects.toThrow(
        new RegExp(`port ${port}\\b.*already in use`),
      );
      expect(await answersPing(port)).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('reports a binary that is not a Redis server, with its output', async () => {
    await expect(startRedisServer({ binary: '/bin/false', port: await findFreePort(), log: () => {} })).rejects.toThrow(
      /failed to start: process exited early \(code 1\)/,
    );
  });
});

/**
 * redis-memory-server's download-and-build path, through the package itself. download.redis.io
 * cannot be reached from here, so a local HTTP server stands in for it (the package's documented
 * REDISMS_DOWNLOAD_MIRROR) and serves a source archive whose Makefile "builds" src/redis-server by
 * copying this machine's binary: the package's own download, extract, make and cache steps run for real.
 */
describe('redis-memory-server fetch', () => {
  const version = '7.2.7';
  const work = mkdtemp(join(tmpdir(), 'leadgraph-redisms-'));
  let mirror: Server | undefined;
  const previousMirror = process.env['REDISMS_DOWNLOAD_MIRROR'];

  afterAll(async () => {
    if (previousMirror === undefined) delete process.env['REDISMS_DOWNLOAD_MIRROR'];
    else process.env['REDISMS_DOWNLOAD_MIRROR'] = previousMirror;
    await new Promise<void>((resolve) => (mirror ? mirror.close(() => resolve()) : resolve()));
    await rm(await work, { recursive: true, force: true });
  });

  it('downloads, builds and caches a redis-server outside the clone, then reuses it', async () => {
    const dir = await work;
    const source = join(dir, 'source', `redis-${version}`);
    await mkdir(join(source, 'src'), { recursive: true });
    // A recipe line must start with a tab.
    await writeFile(join(source, 'Makefile'), `all:\n\tcp ${systemBinary ?? '/usr/bin/redis-server'} src/redis-server\n`);
    await execFileAsync('tar', ['-czf', join(dir, 'archive.tar.gz'), '-C', join(dir, 'source'), `redis-${version}`]);
    const archive = await readFile(join(dir, 'archive.tar.gz'));

    const requested: string[] = [];
    mirror = createServer((request, response) => {
      requested.push(request.url ?? '');
      if (request.url !== `/releases/redis-${version}.tar.gz`) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'application/gzip', 'content-length': archive.length }).end(archive);
    });
    await new Promise<void>((resolve) => mirror?.listen(0, '127.0.0.1', resolve));
    const address = mirror.address();
    if (address === null || typeof address === 'string') throw new Error('mirror has no port');
    process.env['REDISMS_DOWNLOAD_MIRROR'] = `http://127.0.0.1:${address.port}`;

    const downloadDir = join(dir, 'cache');
    const lines: string[] = [];
    const binary = await fetchRedisServer({ downloadDir, version, log: (l) => lines.push(l) });
    expect(binary).toBe(join(downloadDir, version, 'redis-server'));
    expect(requested).toEqual([`/releases/redis-${version}.tar.gz`]);
    expect(lines.some((l) => l.includes(`downloading Redis ${version}`))).toBe(true);

    const server = await startRedisServer({ binary, port: await findFreePort(), log: () => {} });
    try {
      expect(await answersPing(portOf(server.url))).toBe(true);
    } finally {
      await server.stop();
    }

    // The second run finds the build in the cache and asks the mirror nothing.
    expect(await fetchRedisServer({ downloadDir, version, log: () => {} })).toBe(binary);
    expect(requested).toHaveLength(1);
  });

  it('names the cause when the source cannot be fetched', async () => {
    const dir = await work;
    const closed = await findFreePort();
    process.env['REDISMS_DOWNLOAD_MIRROR'] = `http://127.0.0.1:${closed}`;
    // Another version: the package remembers a version's build process-wide, whatever the folder.
    await expect(fetchRedisServer({ downloadDir: join(dir, 'unreachable'), version: '7.2.6', log: () => {} })).rejects.toThrow(
      /could not download and build Redis 7\.2\.6 into .*ECONNREFUSED/,
    );
  });
});
