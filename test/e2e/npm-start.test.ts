import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort, isPortFree } from '../../platform/embedded/free-port.js';
import { findTemporalCli } from '../../platform/embedded/temporal-dev-server.js';
import { postGraphql } from '../support/test-gateway.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STARTED = 'LeadGraph is running.';

interface Platform {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once `text` has appeared on stdout (what a person reads) or, if said, on stderr (the log). */
  waitFor(text: string, timeoutMs: number, stream?: 'stdout' | 'stderr'): Promise<void>;
}

/** Process groups started here: a failed test still stops everything in them. */
const groups = new Set<number>();

/**
 * `npm start` as a user runs it: package.json's `node --import tsx composition/main.ts`, from the repo
 * root, with no external services configured. One process, so a signal reaches it whatever it is
 * doing (the tsx CLI, which the start script used before, SIGKILLs a child that does not
 * acknowledge a relayed signal within about 60 ms, as a busy process on a loaded machine may not:
 * an exit 130 that was the runner's, not the platform's).
 */
function startPlatform(env: Record<string, string>): Platform {
  const inherited = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'ADMIN_TOKEN']) delete inherited[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'composition/main.ts'], {
    cwd: repoRoot,
    // Its own process group, so a failed test can still stop everything it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The node this suite runs on first on PATH, as npm puts the project's pinned node first for its scripts.
    env: { ...inherited, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`, ...env },
  });
  if (child.pid !== undefined) groups.add(child.pid);
  const output = { stdout: '', stderr: '' };
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8').on('data', (chunk: string) => {
      output[stream] += chunk;
      notify();
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      resolveExit({ code, signal });
      notify();
    });
  });
  const describeOutput = () => `stdout:\n${output.stdout}\nstderr (end):\n${output.stderr.slice(-4000)}`;
  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor(text, timeoutMs, stream = 'stdout') {
      return new Promise((resolveWait, reject) => {
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          outcome();
        };
        const check = () => {
          if (output[stream].includes(text)) settle(resolveWait);
          else if (child.exitCode !== null || child.signalCode !== null) {
            settle(() => reject(new Error(`exited before printing "${text}"\n${describeOutput()}`)));
          }
        };
        const timer = setTimeout(() => settle(() => reject(new Error(`no "${text}" within ${timeoutMs} ms\n${describeOutput()}`))), timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}

/** Ctrl-C, as in a terminal; resolves with how the process ended. */
async function interrupt(platform: Platform, timeoutMs = 60_000) {
  platform.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not stop within ${timeoutMs} ms after SIGINT\nstderr:\n${platform.stderr().slice(-4000)}`)), timeoutMs);
  });
  try {
    return await Promise.race([platform.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function makeDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'leadgraph-e2e-'));
  // mkdtemp gives 0700; as root, the embedded PostgreSQL runs as the "postgres" user and must traverse it.
  await chmod(dir, 0o755);
  return dir;
}

/** The environment of a start with every service embedded, on ports of its own. */
async function embeddedEnv(dataDir: string) {
  const ports = { gateway: await findFreePort(), postgres: await findFreePort(), temporal: await findFreePort() };
  const temporalCli = process.env['TEMPORAL_CLI'] || findTemporalCli();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(ports.gateway),
    EMBEDDED_POSTGRES_PORT: String(ports.postgres),
    EMBEDDED_TEMPORAL_PORT: String(ports.temporal),
    ...(temporalCli === undefined ? {} : { TEMPORAL_CLI: temporalCli }),
  };
  return { env, ports };
}

const portsFree = async (ports: Record<string, number>) =>
  Object.fromEntries(await Promise.all(Object.entries(ports).map(async ([name, port]) => [name, await isPortFree(port)] as const)));

const adminTokenIn = (stdout: string) => /admin token:\s+(\S+)/.exec(stdout)?.[1];

describe('npm start', () => {
  const dirs: string[] = [];

  afterEach(async () => {
    // Only after a failure is anything still running: stop whatever is left of each process group.
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    groups.clear();
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('brings up embedded PostgreSQL and Temporal, serves GraphQL, stops cleanly on Ctrl-C and keeps its data', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const { env, ports } = await embeddedEnv(dataDir);
    const base = `http://127.0.0.1:${ports.gateway}`;

    // First start: a bare machine.
    const first = startPlatform(env);
    await first.waitFor(STARTED, 120_000);
    expect(first.stdout()).toContain(`embedded PostgreSQL on 127.0.0.1:${ports.postgres}`);
    expect(first.stdout()).toContain(`Temporal dev server on 127.0.0.1:${ports.temporal}`);
    const adminToken = adminTokenIn(first.stdout());
    expect(adminToken).toMatch(/^adm_/);
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining(['admin-token', 'postgres', 'temporal.db']));

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);

    const created = await postGraphql<{ createTenant: { tenant: { id: string }; secretKey: string } }>(
      base,
      adminToken,
      `mutation { createTenant(input: { name: "Survivor", credits: 10 }) { tenant { id } secretKey } }`,
    );
    expect(created.errors).toBeUndefined();
    const secretKey = created.data!.createTenant.secretKey;
    const own = await postGraphql<{ tenant: { name: string } }>(base, secretKey, '{ tenant { name } }');
    expect(own.data?.tenant).toEqual({ name: 'Survivor' });

    expect(await interrupt(first), first.stderr().slice(-4000)).toEqual({ code: 0, signal: null });
    // Nothing it started outlives it: the ports are free and PostgreSQL shut down cleanly.
    expect(await portsFree(ports)).toEqual({ gateway: true, postgres: true, temporal: true });
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    // Second start on the same data dir: same operator token, same tenant, same key.
    const second = startPlatform(env);
    await second.waitFor(STARTED, 120_000);
    expect(adminTokenIn(second.stdout())).toBe(adminToken);
    expect(second.stdout()).not.toContain('(new; kept in');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const after = await postGraphql<{ tenant: { name: string } }>(base, secretKey, '{ tenant { name } }');
    expect(after.errors).toBeUndefined();
    expect(after.data?.tenant).toEqual({ name: 'Survivor' });

    // A failed stop says why: the process's own last words.
    expect(await interrupt(second), second.stderr().slice(-4000)).toEqual({ code: 0, signal: null });
    expect(await portsFree(ports)).toEqual({ gateway: true, postgres: true, temporal: true });
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 300_000);

  it('stops what it already started when Ctrl-C comes during the start', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const { env, ports } = await embeddedEnv(dataDir);
    const platform = startPlatform(env);
    // Both embedded services are up; migrations and the worker's bundle are still to come.
    await platform.waitFor(`dev server ready at 127.0.0.1:${ports.temporal}`, 120_000, 'stderr');

    expect(await interrupt(platform)).toEqual({ code: 0, signal: null });
    expect(platform.stdout()).not.toContain(STARTED);
    expect(await portsFree(ports)).toEqual({ gateway: true, postgres: true, temporal: true });
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 180_000);

  it('refuses a PORT that is not a port, naming it, before starting anything', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const platform = startPlatform({ DATA_DIR: dataDir, PORT: 'notaport' });
    const { code } = await platform.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(platform.stderr()).toMatch(/^\s*PORT: /m);
    expect(platform.stdout()).not.toContain(STARTED);
    expect(await readdir(dataDir)).toEqual([]);
  }, 60_000);
});
