import type { TestProject } from 'vitest/node';
import { findFreePort } from '../../platform/embedded/free-port.js';
import { findTemporalCli, startTemporalDevServer } from '../../platform/embedded/temporal-dev-server.js';
import { bringUpRedis } from '../../platform/embedded/local-redis.js';
import { createRedisCoordination } from '../../platform/coordination/redis-coordination.js';
import { createDatabase } from '../../platform/postgres/database.js';
import { createScratchDatabase, scratchPostgresServer } from './scratch-postgres.js';
import { controlMigrations } from '../../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../../schema/migrator.js';
import { locateChromium, machineChromiumProbes } from './chromium-path.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    temporalAddress: string;
    chromiumPath: string;
  }
}

const say = (line: string) => process.stderr.write(`[test services] ${line}\n`);

/** Runs one bring-up step and says what it did and how long it took: a first run's cost shows where it goes. */
async function step<T>(what: string, work: () => Promise<T>, done: (result: T) => string): Promise<T> {
  say(`${what}...`);
  const started = performance.now();
  const result = await work();
  say(`${done(result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

/** A missing service stops the whole run with its name: a suite never passes by skipping what it can't reach. */
function missing(service: string, how: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${service} is required by the test suite and could not be reached (${reason}). ${how}`);
}

/**
 * Brings up the real services once per run: PostgreSQL (DATABASE_URL, else
 * embedded), Redis (REDIS_URL, else a redis-server of its own), Temporal
 * (TEMPORAL_ADDRESS, else a dev server from the Temporal CLI) and Chromium
 * (CHROMIUM_PATH, else found or installed), and a fresh database for this run.
 * Chromium is resolved first: a run that cannot have it stops before starting anything.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => say(`teardown: ${String(error)}`));
  };
  try {
    const chromium = await step('Chromium: looking for a browser', () => locateChromium(machineChromiumProbes(say)), (found) =>
      found.ok ? `Chromium: ${found.path} (from ${found.source})` : 'Chromium: none');
    if (!chromium.ok) throw new Error(chromium.message);

    const configuredDatabase = process.env['DATABASE_URL'];
    const server = await step(
      configuredDatabase ? 'PostgreSQL: using DATABASE_URL' : 'PostgreSQL: starting an embedded server',
      () => scratchPostgresServer({ configuredUrl: configuredDatabase, log: say }),
      () => (configuredDatabase ? 'PostgreSQL: DATABASE_URL' : 'PostgreSQL: embedded server ready'),
    );
    stops.push(server.stop);
    const database = await step(
      'PostgreSQL: creating this run\'s database',
      () =>
        createScratchDatabase(server.serverUrl, 'leadgraph_test').catch((error: unknown) => {
          throw missing('PostgreSQL', 'Set DATABASE_URL to a server this user may create databases on.', error);
        }),
      (created) => `PostgreSQL: database ${new URL(created.url).pathname.slice(1)} created`,
    );
    stops.push(database.drop);
    const databaseUrl = database.url;
    await step(
      'PostgreSQL: migrating the control schema',
      async () => {
        const db = createDatabase({ url: databaseUrl, poolSize: 2, applicationName: 'leadgraph-test-setup' });
        try {
          await migrateControl(db, controlMigrations);
        } finally {
          await db.close();
        }
      },
      () => 'PostgreSQL: control schema migrated',
    );

    const configuredRedis = process.env['REDIS_URL'];
    const redis = await step(
      configuredRedis ? 'Redis: using REDIS_URL' : 'Redis: starting a redis-server of its own',
      () =>
        bringUpRedis({ configuredUrl: configuredRedis, explicitBinary: process.env['REDIS_SERVER'], log: say }).catch((error: unknown) => {
          // Its message already names what was tried and the command that fixes it.
          throw new Error(`Redis is required by the test suite and none could be started: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }),
      (up) => `Redis: ${up.url} (from ${up.source}${up.binary === undefined ? '' : `, ${up.binary}`})`,
    );
    stops.push(redis.stop);
    const redisUrl = redis.url;
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
      const temporal = await step(
        `Temporal: starting a dev server${binary === undefined ? ' (no CLI found: the SDK downloads one)' : ''}`,
        async () => startTemporalDevServer({ binary, port: await findFreePort(), namespace: 'default', log: say }),
        (started) => `Temporal: dev server at ${started.address}`,
      ).catch((error: unknown) => {
        throw missing('Temporal', 'Set TEMPORAL_ADDRESS, or TEMPORAL_CLI to a Temporal CLI binary.', error);
      });
      stops.push(temporal.stop);
      temporalAddress = temporal.address;
    } else {
      say(`Temporal: using TEMPORAL_ADDRESS ${temporalAddress}`);
    }

    project.provide('databaseUrl', databaseUrl);
    project.provide('redisUrl', redisUrl);
    project.provide('temporalAddress', temporalAddress);
    project.provide('chromiumPath', chromium.path);
    return teardown;
  } catch (error) {
    await teardown();
    // vitest 5 reports a failed global setup as "no test files found" and may still exit 0.
    process.exitCode = 1;
    throw error;
  }
}
