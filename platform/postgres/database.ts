import pg from 'pg';
import { setLocalStatementTimeout } from './statement-timeout.js';

export type SqlValue = string | number | boolean | null | Date | readonly (string | null)[] | readonly number[] | Buffer;

/** The narrow SQL surface the services need; a pool and a transaction client both provide it. */
export interface Sql {
  query<Row extends object>(text: string, values?: readonly SqlValue[]): Promise<Row[]>;
}

export interface Database extends Sql {
  /**
   * `opening`: parameterless SQL sent with BEGIN in the same round trip (a
   * lock to take first, say), for transactions where every round trip counts.
   * `statementTimeoutMs`: this transaction's own statement timeout instead of
   * the pool's (0: none), for work that may rightly run long, such as migrations.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>, opts?: { opening?: string; statementTimeoutMs?: number }): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// bigint columns (balances, ids) come back as numbers; they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

/**
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

  const run = async <Row extends object>(client: pg.Pool | pg.PoolClient, text: string, values?: readonly SqlValue[]) =>
    (await client.query<Row>(text, values as unknown[] | undefined)).rows;

  return {
    query: (text, values) => run(pool, text, values),
    async transaction(work, opts = {}) {
      const client = await pool.connect();
      try {
        const opening = [
          ...(opts.statementTimeoutMs === undefined ? [] : [setLocalStatementTimeout(opts.statementTimeoutMs)]),
          ...(opts.opening === undefined ? [] : [opts.opening]),
        ];
        await client.query(['begin', ...opening].join('; '));
        const result = await work({ query: (text, values) => run(client, text, values) });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
}
