import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../platform/embedded/free-port.js';
import { findTemporalCli, startTemporalDevServer } from '../../platform/embedded/temporal-dev-server.js';
import { createRedisCoordination } from '../../platform/coordination/redis-coordination.js';
import { createDatabase } from '../../platform/postgres/database.js';
import { createScratchDatabase, scratchPostgresServer } from './scratch-postgres.js';
import { controlMigrations } from '../../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../../schema/migrator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    temporalAddress: string;
  }
}

const say = (line: string) => process.stderr.write(`[test services] ${line}\n`);

/** A missing service stops the whole run with its name: a suite never passes by skipping what it can't reach. */
function missing(service: string, how: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${service} is required by the test suite and could not be reached (${reason}). ${how}`);
}

/**
 * Brings up the real services once per run: PostgreSQL (DATABASE_URL, else
 * embedded), Redis (REDIS_URL, else 127.0.0.1:6379) and Temporal
 * (TEMPORAL_ADDRESS, else a dev server from the Temporal CLI), and a fresh
 * database for this run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => say(`teardown: ${String(error)}`));
  };
  try {
    const server = await scratchPostgresServer({ configuredUrl: process.env['DATABASE_URL'], log: say });
    stops.push(server.stop);
    const database = await createScratchDatabase(server.serverUrl, 'leadgraph_test').catch((error: unknown) => {
      throw missing('PostgreSQL', 'Set DATABASE_URL to a server this user may create databases on.', error);
    });
    stops.push(database.drop);
    const databaseUrl = database.url;
    const db = createDatabase({ url: databaseUrl, poolSize: 2, applicationName: 'leadgraph-test-setup' });
    await migrateControl(db, controlMigrations);
    await db.close();

    const redisUrl = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
    try {
      const probe = await createRedisCoordination({ url: redisUrl, keyPrefix: 'lg-test-probe:', onError: () => undefined });
      await probe.ping();
      await probe.close();
    } catch (error) {
      throw missing('Redis', 'Set REDIS_URL to a running Redis server.', error);
    }

    let temporalAddress = process.env['TEMPORAL_ADDRESS'];
    if (!temporalAddress) {
      const binary = findTemporalCli(process.env['TEMPORAL_CLI']);
      const temporal = await startTemporalDevServer({ binary, port: await findFreePort(), namespace: 'default', log: say }).catch(
        (error: unknown) => {
          throw missing('Temporal', 'Set TEMPORAL_ADDRESS, or TEMPORAL_CLI to a Temporal CLI binary.', error);
        },
      );
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
    }

    project.provide('databaseUrl', databaseUrl);
    project.provide('redisUrl', redisUrl);
    project.provide('temporalAddress', temporalAddress);
    return teardown;
  } catch (error) {
    await teardown();
    // vitest 5 reports a failed global setup as "no test files found" and may still exit 0.
    process.exitCode = 1;
    throw error;
  }
}
