import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
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
  if (explicit !== undefined && explicit !== '') {
    // A configured path that is wrong is a setup mistake; silently using another binary would hide it.
    if (!isExecutableFile(explicit)) throw new Error(`TEMPORAL_CLI points to ${explicit}, which is not an executable file`);
    return resolve(explicit);
  }
  const pathEnv = lookup.pathEnv ?? process.env.PATH ?? '';
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'temporal');
    if (isExecutableFile(candidate)) return candidate;
  }
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

  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail: string[] = [];
  pipeLines(child, 'stdout', (line) => log(`[temporal] ${line}`));
  pipeLines(child, 'stderr', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > TAIL_LINES) stderrTail.shift();
    log(`[temporal] ${line}`);
  });

  // A dev server outliving its parent keeps the port busy and the sqlite file locked.
  const killOnParentExit = (): void => {
    child.kill('SIGKILL');
  };
  process.on('exit', killOnParentExit);

  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolveExit) => {
    const markExited = (info: string): void => {
      exitInfo ??= info;
      process.off('exit', killOnParentExit);
      resolveExit();
    };
    child.once('exit', (code, signal) => markExited(signal !== null ? `signal ${signal}` : `code ${String(code)}`));
    // A failed spawn (ENOENT, EACCES) emits 'error' but never 'exit'.
    child.once('error', (err) => {
      if (child.pid === undefined) markExited(`spawn failed: ${err.message}`);
    });
  });

  const stop = async (): Promise<void> => {
    if (exitInfo !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await waitUntilReady(address, namespace, () => exitInfo);
  } catch (err) {
    await stop();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Temporal dev server on port ${port} failed to start: ${reason}\n${stderrTail.join('\n')}`, {
      cause: err,
    });
  }
  log(`[temporal] dev server ready at ${address} (namespace ${namespace})`);
  return { address, stop };
}

// Readiness = the namespace answers, not just the socket: the CLI registers namespaces after binding.
async function waitUntilReady(
  address: string,
  namespace: string,
  exitInfo: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const exit = exitInfo();
    if (exit !== undefined) throw new Error(`process exited early (${exit})`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
  }
  const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`not ready after ${READY_TIMEOUT_MS} ms${last}`);
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

function pipeLines(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  let buffered = '';
  const source = child[stream];
  if (source === null) return;
  source.setEncoding('utf8');
  source.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split(/\r?\n/);
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line);
  });
  source.on('end', () => {
    if (buffered.trim() !== '') onLine(buffered);
  });
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
