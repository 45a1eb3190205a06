import { join, resolve } from 'node:path';
import type { Config } from '../platform/config/config.js';
import { startEmbeddedPostgres } from '../platform/embedded/embedded-postgres.js';
import { startTemporalDevServer } from '../platform/embedded/temporal-dev-server.js';
import type { Logger } from '../platform/logging/logger.js';
import { temporalEndpoint, type Endpoints } from './services.js';

export interface LocalEndpoints extends Endpoints {
  /** What was started here, in words, for the start banner. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

/**
 * The configured services, and for each one that is not configured the
 * embedded default of DESIGN.md: PostgreSQL from npm and Temporal's dev
 * server, both keeping their data under DATA_DIR; Redis falls back to
 * in-process adapters.
 */
export async function bringUpEndpoints(config: Config, log: Logger): Promise<LocalEndpoints> {
  const dataDir = resolve(config.DATA_DIR);
  const stops: Array<() => Promise<void>> = [];
  const started: string[] = [];
  const say = (service: string) => (line: string) => log.info(line, { service });
  try {
    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl === undefined) {
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        port: config.EMBEDDED_POSTGRES_PORT,
        log: say('postgres'),
      });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      started.push(`embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_POSTGRES_PORT} (data in ${join(dataDir, 'postgres')})`);
    }

    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (temporalAddress === undefined) {
      const temporal = await startTemporalDevServer({
        binary: config.TEMPORAL_CLI,
        dbFile: join(dataDir, 'temporal.db'),
        port: config.EMBEDDED_TEMPORAL_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        log: say('temporal'),
      });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
      started.push(`Temporal dev server on ${temporal.address} (data in ${join(dataDir, 'temporal.db')})`);
    }

    if (config.REDIS_URL === undefined) {
      started.push('NO REDIS: in-process cache, rate limits and pub/sub; run one gateway only, or set REDIS_URL');
    }

    return {
      databaseUrl,
      redisUrl: config.REDIS_URL,
      temporal: temporalEndpoint(config, temporalAddress),
      started,
      async stop() {
        for (const stop of stops.reverse()) await stop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
