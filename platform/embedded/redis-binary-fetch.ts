import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface RedisBinaryFetchOptions {
  /** Where redis-memory-server keeps its builds; one sub-folder per version. */
  downloadDir?: string;
  version?: string;
  log: (line: string) => void;
}

/** Pinned so every machine builds the same server; the last BSD-licensed line. */
export const REDIS_FETCH_VERSION = '7.2.7';
export const REDIS_FETCH_DIR = join(homedir(), '.cache', 'leadgraph', 'redis-memory-server');

/** The command that does the same by hand (it then runs the server; Ctrl-C stops it). */
export const redisFetchCommand = (downloadDir = REDIS_FETCH_DIR, version = REDIS_FETCH_VERSION): string =>
  `REDISMS_DOWNLOAD_DIR=${downloadDir} REDISMS_VERSION=${version} npx redis-memory-server`;

/**
 * A redis-server binary built by redis-memory-server: on the first call it downloads the
 * Redis source of `version` and builds it with `make` into `downloadDir/version/`, outside the
 * clone; afterwards the build is reused. Needs `make` and a C compiler, and the network.
 */
export async function fetchRedisServer(opts: RedisBinaryFetchOptions): Promise<string> {
  const downloadDir = opts.downloadDir ?? REDIS_FETCH_DIR;
  const version = opts.version ?? REDIS_FETCH_VERSION;
  const cached = join(downloadDir, version, 'redis-server');
  if (existsSync(cached)) return cached;
  opts.log(`[redis] redis-memory-server: downloading Redis ${version} and building it into ${join(downloadDir, version)} (once per machine)`);
  // The package verifies TLS only when npm's strict-ssl says so; the source it fetches is compiled and run here.
  process.env['npm_config_strict_ssl'] ??= 'true';
  // Loaded lazily: only a machine without any redis-server needs it.
  const { RedisBinary } = await import('redis-memory-server');
  try {
    return await RedisBinary.getPath({ downloadDir, version });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`redis-memory-server could not download and build Redis ${version} into ${downloadDir}: ${reason}`, {
      cause: err,
    });
  }
}
