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
  waitFor(text: string, timeoutMs: number): Promise<void>;
}

const running = new Set<Platform>();

/** `npm start` as a user runs it: tsx api/main.ts from the repo root, with no external services configured. */
function startPlatform(env: Record<string, string>): Platform {
  const inherited = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TEMPORAL_ADDRESS', 'ADMIN_TOKEN']) delete inherited[name];
  const child = spawn(join(repoRoot, 'node_modules/.bin/tsx'), ['api/main.ts'], {
    cwd: repoRoot,
    // Its own process group, so a failed test can still stop everything it started.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The node this suite runs on, for tsx's `#!/usr/bin/env node`.
    env: { ...inherited, PATH: `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`, ...env },
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      for (const listener of listeners) listener();
      resolveExit({ code, signal });
    });
  });
  const platform: Platform = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(text, timeoutMs) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          if (out.includes(text)) done(() => resolveWait());
          else if (child.exitCode !== null || child.signalCode !== null) {
            done(() => reject(new Error(`exited before printing "${text}"\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`)));
          }
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`no "${text}" within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
  };
  running.add(platform);
  void exited.then(() => running.delete(platform));
  return platform;
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

const adminTokenIn = (stdout: string) => /admin token:\s+(\S+)/.exec(stdout)?.[1];

describe('npm start', () => {
  const dirs: string[] = [];

  afterEach(async () => {
    // Only after a failure is anything still running: stop its whole process group.
    for (const platform of running) {
      if (platform.child.pid !== undefined) process.kill(-platform.child.pid, 'SIGKILL');
      await platform.exited;
    }
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('brings up embedded PostgreSQL and Temporal, serves GraphQL, stops cleanly on Ctrl-C and keeps its data', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const port = await findFreePort();
    const postgresPort = await findFreePort();
    const temporalPort = await findFreePort();
    const temporalCli = process.env['TEMPORAL_CLI'] || findTemporalCli();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_POSTGRES_PORT: String(postgresPort),
      EMBEDDED_TEMPORAL_PORT: String(temporalPort),
      ...(temporalCli === undefined ? {} : { TEMPORAL_CLI: temporalCli }),
    };
    const base = `http://127.0.0.1:${port}`;

    // First start: a bare machine.
    const first = startPlatform(env);
    await first.waitFor(STARTED, 120_000);
    expect(first.stdout()).toContain(`embedded PostgreSQL on 127.0.0.1:${postgresPort}`);
    expect(first.stdout()).toContain(`Temporal dev server on 127.0.0.1:${temporalPort}`);
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

    expect(await interrupt(first)).toEqual({ code: 0, signal: null });
    // Nothing it started outlives it: the ports are free and PostgreSQL shut down cleanly.
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(postgresPort)).toBe(true);
    expect(await isPortFree(temporalPort)).toBe(true);
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

    expect(await interrupt(second)).toEqual({ code: 0, signal: null });
    expect(await isPortFree(port)).toBe(true);
    expect(await isPortFree(postgresPort)).toBe(true);
    expect(await isPortFree(temporalPort)).toBe(true);
  }, 300_000);

  it('refuses a PORT that is not a port, naming it, before starting anything', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    const platform = startPlatform({ DATA_DIR: dataDir, PORT: 'notaport' });
    const { code } = await platform.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(platform.stderr()).toMatch(/PORT/);
    expect(platform.stdout()).not.toContain(STARTED);
    expect(await readdir(dataDir)).toEqual([]);
  }, 60_000);
});
