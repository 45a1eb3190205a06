import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, spawnChildServer, waitUntilReady } from './child-server.js';
import { isPortFree } from './free-port.js';

export interface RedisServerOptions {
  /** A redis-server binary, from findRedisServer or fetchRedisServer. */
  binary: string;
  port: number;
  log: (line: string) => void;
}

export interface RedisServerHandle {
  url: string;
  /** The folder the server runs in; removed by stop(). */
  dir: string;
  stop: () => Promise<void>;
}

export interface RedisServerLookup {
  pathEnv?: string;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 20_000;
const RETRY_DELAY_MS = 50;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 40;

/** REDIS_SERVER when given (it must be executable), else a `redis-server` on PATH. */
export function findRedisServer(explicit?: string, lookup: RedisServerLookup = {}): string | undefined {
  return findExecutable('redis-server', { explicit, setting: 'REDIS_SERVER', pathEnv: lookup.pathEnv });
}

/**
 * A throwaway Redis server on 127.0.0.1: no RDB snapshots, no AOF, working
 * directory in a fresh temp folder, so nothing outlives stop() and two runs never share data.
 */
export async function startRedisServer(opts: RedisServerOptions): Promise<RedisServerHandle> {
  const { binary, port, log } = opts;
  if (!(await isPortFree(port, HOST))) {
    throw new Error(`Redis server cannot start: port ${port} on ${HOST} is already in use`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'leadgraph-redis-'));
  // Everything on the command line: no config file to write, and nothing read from /etc/redis.
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--protected-mode', 'yes',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--logfile', '',
    '--loglevel', 'warning',
  ];
  log(`[redis] ${binary} --port ${port} --bind ${HOST} --save "" --appendonly no --dir ${dir}`);

  const server = spawnChildServer({ binary, args, tailLines: TAIL_LINES, stopGraceMs: STOP_GRACE_MS });
  let stopped: Promise<void> | undefined;
  // SIGTERM makes redis-server shut down cleanly; with --save "" it writes nothing.
  const stop = (): Promise<void> => {
    stopped ??= server.stop().then(() => rm(dir, { recursive: true, force: true }));
    return stopped;
  };

  try {
    // Readiness = the server answers PING, not just that the process is alive or the port bound.
    await waitUntilReady(server, () => answersPing(port), { timeoutMs: READY_TIMEOUT_MS, retryMs: RETRY_DELAY_MS });
  } catch (err) {
    await stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Redis server ${binary} on port ${port} failed to start: ${reason}\n${server.tail().join('\n')}`, { cause: err });
  }
  return { url: `redis://${HOST}:${port}`, dir, stop };
}

/** One inline PING over a raw socket: true when the server answers +PONG. */
export function answersPing(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolvePing(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}
