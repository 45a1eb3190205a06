import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../platform/embedded/embedded-postgres.js';
import { findFreePort } from '../../platform/embedded/free-port.js';

/** The server of DATABASE_URL, or an embedded PostgreSQL in a temporary folder. */
export async function scratchPostgresServer(opts: {
  configuredUrl: string | undefined;
  log: (line: string) => void;
}): Promise<{ serverUrl: string; stop: () => Promise<void> }> {
  if (opts.configuredUrl) return { serverUrl: opts.configuredUrl, stop: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'leadgraph-pg-'));
  // As root, PostgreSQL runs as the postgres OS user, which must be able to enter the folder.
  await chmod(dir, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await findFreePort(), log: opts.log });
  return {
    serverUrl: embedded.url,
    async stop() {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh database on the server, for one test run or one benchmark, dropped afterwards. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await run(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
