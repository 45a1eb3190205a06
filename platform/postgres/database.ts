import { CompiledQuery, Kysely, PostgresDialect, sql as sqlTag } from 'kysely';
import pg from 'pg';
import { setLocalStatementTimeout } from './statement-timeout.js';

import type { SqlValue } from './sql-value.js';

export type { SqlValue };

/**
 * Kysely over no particular schema: the root of every handle. Only the data
 * layer holds it; tenant code gets a TenantDb (tenants/tenant-db.ts), control
 * code a ControlDb (platform/postgres/control-db.ts), each typed by the
 * tables generated from the migrations.
 */
export type RootKysely = Kysely<object>;

/** The narrow SQL surface the services need; a pool and a transaction both provide it. */
export interface Sql {
  query<Row extends object>(text: string, values?: readonly SqlValue[]): Promise<Row[]>;
  /** The same connection (the transaction's, inside one) as a query builder. */
  readonly kysely: RootKysely;
}

export interface TransactionOptions {
  /**
   * Parameterless SQL sent with BEGIN in the same round trip (a lock to take
   * first, say), for transactions where every round trip counts.
   */
  readonly opening?: string;
  /** This transaction's own statement timeout instead of the pool's (0: none), for work that may rightly run long. */
  readonly statementTimeoutMs?: number;
}

export interface Database extends Sql {
  transaction<T>(work: (tx: Sql) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// bigint columns (balances, ids) come back as numbers; they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

function sqlOn(kysely: RootKysely): Sql {
  return {
    kysely,
    query: async <Row extends object>(text: string, values?: readonly SqlValue[]) =>
      (await kysely.executeQuery(CompiledQuery.raw(text, values as unknown[] | undefined))).rows as Row[],
  };
}

/**
 * Runs `work` in one transaction on one connection of `kysely`'s pool. BEGIN
 * travels with the opening statements in one round trip (no parameters, so
 * the simple protocol carries them all), which Kysely's own transaction
 * builder cannot do.
 */
export async function runTransaction<T>(kysely: RootKysely, work: (tx: Sql) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  return kysely.connection().execute(async (connection) => {
    const opening = [
      ...(opts.statementTimeoutMs === undefined ? [] : [setLocalStatementTimeout(opts.statementTimeoutMs)]),
      ...(opts.opening === undefined ? [] : [opts.opening]),
    ];
    try {
      // Inside the try: an opening that fails (a lock past the statement timeout) leaves the transaction aborted, and the
      // connection must not go back to the pool so.
      await sqlTag.raw(['begin', ...opening].join('; ')).execute(connection);
      const result = await work(sqlOn(connection));
      await sqlTag.raw('commit').execute(connection);
      return result;
    } catch (error) {
      await sqlTag.raw('rollback').execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * The process's one pool, and the one Kysely over it; MikroORM runs on the
 * same instance (schema/orm.ts), so a process holds `poolSize` connections,
 * not two pools of it.
 *
 * `statementTimeoutMs`: every statement on the pool's connections is cancelled
 * past it, so one tenant's slow query cannot hold a connection, locks and CPU
 * that every tenant shares. It travels as a startup parameter of each
 * connection: no round trip is added to any query.
 */
export function createDatabase(opts: { url: string; poolSize: number; applicationName: string; statementTimeoutMs?: number }): Database {
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize,
    application_name: opts.applicationName,
    connectionTimeoutMillis: 10_000,
    ...(opts.statementTimeoutMs === undefined ? {} : { statement_timeout: opts.statementTimeoutMs }),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor one in use (a restart or failover under load): the pool stops listening while a client is checked out, so its
  // 'error' would be uncaught. The query in flight fails with the error all the same, and the pool drops the client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const kysely: RootKysely = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });

  return {
    ...sqlOn(kysely),
    transaction: (work, transactionOpts) => runTransaction(kysely, work, transactionOpts),
    async ping() {
      await sqlTag.raw('select 1').execute(kysely);
    },
    // MikroORM, sharing the instance, may have destroyed it already on its own close.
    close: async () => {
      if (!pool.ended) await kysely.destroy();
    },
  };
}
