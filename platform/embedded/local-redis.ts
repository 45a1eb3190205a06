import { findFreePort } from './free-port.js';
import { fetchRedisServer, redisFetchCommand } from './redis-binary-fetch.js';
import { findRedisServer, startRedisServer, type RedisServerHandle, type RedisServerOptions } from './redis-server.js';

export interface LocalRedisInput {
  /** REDIS_URL: a running server to use as it is. */
  configuredUrl?: string;
  /** REDIS_SERVER: the redis-server binary to start. */
  explicitBinary?: string;
  log: (line: string) => void;
}

/** Where the Redis of a run came from, for its log line. */
export type RedisSource = 'REDIS_URL' | 'REDIS_SERVER' | 'PATH' | 'redis-memory-server';

export interface LocalRedis {
  url: string;
  source: RedisSource;
  /** The binary started, when one was. */
  binary?: string;
  stop: () => Promise<void>;
}

/** The I/O the resolution order goes through; injected by tests to check the order alone. */
export interface LocalRedisDeps {
  findRedisServer: (explicit?: string) => string | undefined;
  fetchRedisServer: (log: (line: string) => void) => Promise<string>;
  startRedisServer: (opts: RedisServerOptions) => Promise<RedisServerHandle>;
  findFreePort: () => Promise<number>;
}

export const localRedisDeps: LocalRedisDeps = {
  findRedisServer: (explicit) => findRedisServer(explicit),
  fetchRedisServer: (log) => fetchRedisServer({ log }),
  startRedisServer,
  findFreePort,
};

/** What a machine with no Redis at all should run; named in every failure. */
export const REDIS_INSTALL_COMMAND = 'apt-get install redis-server';

/**
 * A Redis for this process: REDIS_URL as it is; else a redis-server (REDIS_SERVER, else
 * PATH) started on a free port; else one that redis-memory-server downloads and builds
 * once per machine. Whatever was started is stopped by stop().
 */
export async function bringUpRedis(input: LocalRedisInput, deps: LocalRedisDeps = localRedisDeps): Promise<LocalRedis> {
  if (input.configuredUrl) return { url: input.configuredUrl, source: 'REDIS_URL', stop: async () => undefined };

  const found = deps.findRedisServer(input.explicitBinary);
  let binary: string;
  let source: RedisSource;
  if (found !== undefined) {
    binary = found;
    source = input.explicitBinary ? 'REDIS_SERVER' : 'PATH';
  } else {
    input.log('[redis] no REDIS_URL, REDIS_SERVER or redis-server on PATH');
    try {
      binary = await deps.fetchRedisServer(input.log);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(
        `REDIS_URL is unset, no redis-server is on PATH (or at REDIS_SERVER), and ${reason}. ` +
          `Run \`${REDIS_INSTALL_COMMAND}\` (or set REDIS_URL to a running server); ` +
          `where the network reaches download.redis.io, \`${redisFetchCommand()}\` builds one once per machine.`,
        { cause: err },
      );
    }
    source = 'redis-memory-server';
  }
  const server = await deps.startRedisServer({ binary, port: await deps.findFreePort(), log: input.log });
  return { url: server.url, source, binary, stop: server.stop };
}
