import { describe, expect, it } from 'vitest';
import { bringUpRedis, type LocalRedisDeps } from '../../../platform/embedded/local-redis.js';
import type { RedisServerOptions } from '../../../platform/embedded/redis-server.js';

/** Deps that record what the resolution asked for; each start answers with a URL naming its binary and port. */
function recordingDeps(found: { explicit?: string; path?: string }, fetch: () => Promise<string>) {
  const calls: string[] = [];
  const stopped: string[] = [];
  const deps: LocalRedisDeps = {
    findRedisServer: (explicit) => {
      calls.push(`find ${explicit ?? '-'}`);
      return explicit ? found.explicit : found.path;
    },
    fetchRedisServer: async () => {
      calls.push('fetch');
      return fetch();
    },
    startRedisServer: async (opts: RedisServerOptions) => {
      calls.push(`start ${opts.binary} ${opts.port}`);
      return { url: `redis://127.0.0.1:${opts.port}`, dir: '/tmp/x', stop: async () => void stopped.push(opts.binary) };
    },
    findFreePort: async () => 40123,
  };
  return { deps, calls, stopped };
}

const noFetch = () => Promise.reject(new Error('fetch must not be reached'));

describe('Redis resolution order', () => {
  it('takes REDIS_URL as it is and starts nothing, even with a binary at hand', async () => {
    const { deps, calls } = recordingDeps({ explicit: '/opt/redis-server', path: '/usr/bin/redis-server' }, noFetch);
    const redis = await bringUpRedis({ configuredUrl: 'redis://cache:6380', explicitBinary: '/opt/redis-server', log: () => {} }, deps);
    expect(redis).toMatchObject({ url: 'redis://cache:6380', source: 'REDIS_URL' });
    expect(redis.binary).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('without REDIS_URL, starts REDIS_SERVER on a free port', async () => {
    const { deps, calls, stopped } = recordingDeps({ explicit: '/opt/redis-server', path: '/usr/bin/redis-server' }, noFetch);
    const redis = await bringUpRedis({ configuredUrl: undefined, explicitBinary: '/opt/redis-server', log: () => {} }, deps);
    expect(redis).toMatchObject({ url: 'redis://127.0.0.1:40123', source: 'REDIS_SERVER', binary: '/opt/redis-server' });
    expect(calls).toEqual(['find /opt/redis-server', 'start /opt/redis-server 40123']);
    await redis.stop();
    expect(stopped).toEqual(['/opt/redis-server']);
  });

  it('treats an empty REDIS_URL as unset and starts the redis-server on PATH', async () => {
    const { deps, calls } = recordingDeps({ path: '/usr/bin/redis-server' }, noFetch);
    const redis = await bringUpRedis({ configuredUrl: '', log: () => {} }, deps);
    expect(redis).toMatchObject({ source: 'PATH', binary: '/usr/bin/redis-server' });
    expect(calls).toEqual(['find -', 'start /usr/bin/redis-server 40123']);
  });

  it('with no redis-server anywhere, starts the one redis-memory-server builds', async () => {
    const lines: string[] = [];
    const built = '/root/.cache/leadgraph/redis-memory-server/7.2.7/redis-server';
    const { deps, calls } = recordingDeps({}, async () => built);
    const redis = await bringUpRedis({ configuredUrl: undefined, log: (l) => lines.push(l) }, deps);
    expect(redis).toMatchObject({ source: 'redis-memory-server', binary: built, url: 'redis://127.0.0.1:40123' });
    expect(calls).toEqual(['find -', 'fetch', `start ${built} 40123`]);
    expect(lines).toEqual(['[redis] no REDIS_URL, REDIS_SERVER or redis-server on PATH']);
  });

  it('when the build cannot be had either, fails with one message naming the fix and starts nothing', async () => {
    const { deps, calls } = recordingDeps({}, () =>
      Promise.reject(new Error('redis-memory-server could not download and build Redis 7.2.7: getaddrinfo ENOTFOUND download.redis.io')),
    );
    const failed = bringUpRedis({ configuredUrl: undefined, log: () => {} }, deps);
    await expect(failed).rejects.toThrow(/REDIS_URL is unset, no redis-server is on PATH \(or at REDIS_SERVER\)/);
    await expect(failed).rejects.toThrow(/getaddrinfo ENOTFOUND download\.redis\.io/);
    await expect(failed).rejects.toThrow(/Run `apt-get install redis-server` \(or set REDIS_URL to a running server\)/);
    await expect(failed).rejects.toThrow(/REDISMS_DOWNLOAD_DIR=\S+ REDISMS_VERSION=7\.2\.7 npx redis-memory-server/);
    expect(calls).toEqual(['find -', 'fetch']);
  });
});
