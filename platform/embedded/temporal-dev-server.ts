import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { findExecutable, isExecutableFile, spawnChildServer, waitUntilReady } from './child-server.js';
import { isPortFree } from './free-port.js';

export interface TemporalDevServerOptions {
  /** Explicit CLI path, normally from TEMPORAL_CLI. */
  binary?: string;
  /** SQLite file for persistent state; in-memory when omitted. */
  dbFile?: string;
  port: number;
  namespace: string;
  log: (line: string) => void;
}

export interface TemporalDevServerHandle {
  address: string;
  stop: () => Promise<void>;
}

export interface TemporalCliLookup {
  pathEnv?: string;
  homeDir?: string;
}

const HOST = '127.0.0.1';
const CLI_VERSION_DIR = 'temporal-cli-1.5.1';
const READY_TIMEOUT_MS = 60_000;
const RETRY_DELAY_MS = 250;
const STOP_GRACE_MS = 10_000;
const TAIL_LINES = 40;

export function findTemporalCli(explicit?: string, lookup: TemporalCliLookup = {}): string | undefined {
  const found = findExecutable('temporal', { explicit, setting: 'TEMPORAL_CLI', pathEnv: lookup.pathEnv });
  if (found !== undefined) return found;
  const cached = join(lookup.homeDir ?? homedir(), '.cache', 'leadgraph', CLI_VERSION_DIR, 'temporal');
  return isExecutableFile(cached) ? cached : undefined;
}

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServerHandle> {
  if (!(await isPortFree(opts.port, HOST))) {
    throw new Error(`Temporal dev server cannot start: port ${opts.port} on ${HOST} is already in use`);
  }
  const dbFile = opts.dbFile === undefined ? undefined : resolve(opts.dbFile);
  if (dbFile !== undefined) await mkdir(dirname(dbFile), { recursive: true });

  const binary = findTemporalCli(opts.binary);
  if (binary === undefined) return startViaSdk({ ...opts, dbFile });
  return startViaCli(binary, { ...opts, dbFile });
}

async function startViaCli(binary: string, opts: TemporalDevServerOptions): Promise<TemporalDevServerHandle> {
  const { port, namespace, log } = opts;
  const address = `${HOST}:${port}`;
  // --headless disables the UI (so no port+1000 UI port to collide on); the metrics and
  // HTTP API ports default to random free ports, so several servers can coexist.
  const args = [
    'server', 'start-dev',
    '--headless',
    '--ip', HOST,
    '--port', String(port),
    '--namespace', namespace,
    '--log-level', 'error',
  ];
  if (opts.dbFile !== undefined) args.push('--db-filename', opts.dbFile);
  log(`[temporal] ${binary} ${args.join(' ')}`);

  const server = spawnChildServer({ binary, args, onLine: (line) => log(`[temporal] ${line}`), tailLines: TAIL_LINES, stopGraceMs: STOP_GRACE_MS });
  // Readiness = the namespace answers, not just the socket: the CLI registers namespaces after binding.
  let lastError: string | undefined;
  const namespaceAnswers = async (): Promise<boolean> => {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return true;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      return false;
    } finally {
      await connection?.close().catch(() => undefined);
    }
  };
  try {
    await waitUntilReady(server, namespaceAnswers, { timeoutMs: READY_TIMEOUT_MS, retryMs: RETRY_DELAY_MS, lastError: () => lastError });
  } catch (err) {
    await server.stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Temporal dev server on port ${port} failed to start: ${reason}\n${server.tail().join('\n')}`, {
      cause: err,
    });
  }
  log(`[temporal] dev server ready at ${address} (namespace ${namespace})`);
  return { address, stop: () => server.stop() };
}

// Without a local CLI the SDK downloads one; slower and needs network, hence the log line.
async function startViaSdk(opts: TemporalDevServerOptions): Promise<TemporalDevServerHandle> {
  const { port, namespace, log } = opts;
  const downloadDir = join(homedir(), '.cache', 'leadgraph');
  log(`[temporal] no Temporal CLI found (TEMPORAL_CLI, PATH, ~/.cache/leadgraph/${CLI_VERSION_DIR}); ` +
    `@temporalio/testing will download one into ${downloadDir}`);
  // Loaded lazily: it pulls in the native worker runtime, which the CLI path never needs.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir },
      ip: HOST,
      port,
      namespace,
      ...(opts.dbFile !== undefined ? { dbFilename: opts.dbFile } : {}),
      log: { format: 'pretty', level: 'error' },
    },
  }).catch((err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Temporal dev server on port ${port} failed to start via @temporalio/testing ` +
        `(no local CLI found; set TEMPORAL_CLI to skip the download): ${reason}`,
    );
  });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= env.teardown();
    return stopped;
  };
  log(`[temporal] dev server (SDK-managed) ready at ${env.address} (namespace ${namespace})`);
  return { address: env.address, stop };
}
