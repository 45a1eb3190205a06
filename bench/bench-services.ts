import pg from 'pg';
import { parseConfig, type Config } from '../api/config.js';
import { connectServices, temporalEndpoint, type PlatformServices } from '../api/platform-services.js';
import { startEmbeddedPostgres } from '../platform/embedded/embedded-postgres.js';
import { findFreePort } from '../platform/embedded/free-port.js';
import { createLogger } from '../platform/logging/logger.js';
import { createDatabase } from '../platform/postgres/database.js';
import { controlMigrations } from '../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../schema/migrator.js';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchServices {
  readonly config: Config;
  readonly services: PlatformServices;
  close(): Promise<void>;
}

/**
 * A throwaway database on DATABASE_URL's server (or an embedded one), Redis
 * when REDIS_URL is set (else the in-process adapters), and the same service
 * composition as production.
 */
export async function startBenchServices(overrides: Record<string, string> = {}): Promise<BenchServices> {
  const stops: Array<() => Promise<void>> = [];
  let serverUrl = process.env['DATABASE_URL'];
  if (!serverUrl) {
    const dir = await mkdtemp(join(tmpdir(), 'leadgraph-bench-pg-'));
    await chmod(dir, 0o755);
    const embedded = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await findFreePort(), log: () => undefined });
    stops.push(async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    });
    serverUrl = embedded.url;
  }
  const database = `leadgraph_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  stops.push(async () => {
    const dropper = new pg.Client({ connectionString: serverUrl });
    await dropper.connect();
    await dropper.query(`drop database if exists ${database} with (force)`);
    await dropper.end();
  });
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;

  const parsed = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url.toString(),
    REDIS_URL: process.env['REDIS_URL'],
    TEMPORAL_ADDRESS: process.env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233',
    REDIS_KEY_PREFIX: `lg-bench-${Date.now().toString(36)}:`,
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'error',
    DATABASE_POOL_SIZE: '20',
    ...overrides,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const config = parsed.config;
  const db = createDatabase({ url: url.toString(), poolSize: 2, applicationName: 'leadgraph-bench' });
  await migrateControl(db, controlMigrations);
  await db.close();

  const services = await connectServices({
    config,
    endpoints: { databaseUrl: url.toString(), redisUrl: config.REDIS_URL, temporal: temporalEndpoint(config, config.TEMPORAL_ADDRESS ?? '') },
    log: createLogger({ level: 'error' }),
    applicationName: 'leadgraph-bench',
  });
  return {
    config,
    services,
    async close() {
      await services.close();
      for (const stop of stops.reverse()) await stop();
    },
  };
}
