import { randomBytes } from 'node:crypto';
import { parseConfig, type Config } from '../platform/config/config.js';
import { connectServices, temporalEndpoint, type PlatformServices } from '../composition/services.js';
import { createLogger } from '../platform/logging/logger.js';
import { problemText } from '../platform/outcome.js';
import { createDatabase } from '../platform/postgres/database.js';
import { controlMigrations } from '../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../schema/migrator.js';
import { createScratchDatabase, scratchPostgresServer } from '../test/support/scratch-postgres.js';

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
  const server = await scratchPostgresServer({ configuredUrl: process.env['DATABASE_URL'], log: () => undefined });
  const database = await createScratchDatabase(server.serverUrl, 'leadgraph_bench');
  const stops = [server.stop, database.drop];
  const url = new URL(database.url);

  const parsed = parseConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url.toString(),
    REDIS_URL: process.env['REDIS_URL'],
    TEMPORAL_ADDRESS: process.env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233',
    REDIS_KEY_PREFIX: `lg-bench-${Date.now().toString(36)}:`,
    RATE_LIMIT_PER_MINUTE: '100000000',
    // The whole load comes from this machine's one address: the per-visitor limits stay counted, never reached.
    INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE: '100000000',
    INGEST_VISITOR_RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'error',
    DATABASE_POOL_SIZE: '20',
    // Vendor keys sealed in this throwaway database never need opening again.
    SECRETS_MASTER_KEY: randomBytes(32).toString('base64'),
    ...overrides,
  });
  if (!parsed.ok) throw new Error(problemText(parsed.problem));
  const config = parsed.value;
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
