import type { Kysely } from 'kysely';
import type { ControlTables } from '../../schema/tables/tables.js';
import { runTransaction, type Database, type Sql, type SqlValue, type TransactionOptions } from './database.js';

/**
 * The handle on the platform's own tables (the `control` schema): tenants,
 * keys, credits, pixel hosts, audit, network data. Separate from any
 * tenant's handle, so code given one cannot reach the other's tables.
 */
export interface ControlDb {
  readonly kysely: Kysely<ControlTables>;
  /** A statement the builder cannot say, with its tables written `control.<table>`. */
  query<Row extends object>(text: string, values?: readonly SqlValue[]): Promise<Row[]>;
  /** Inside a transaction already, `work` joins it. */
  transaction<T>(work: (tx: ControlDb) => Promise<T>, opts?: TransactionOptions): Promise<T>;
}

function controlDbOn(sql: Sql, inTransaction: boolean): ControlDb {
  const self: ControlDb = {
    // The one place the control schema's table types meet the connection: `withSchema` makes every unqualified table control's.
    kysely: sql.kysely.withSchema('control') as unknown as Kysely<ControlTables>,
    query: (text, values) => sql.query(text, values),
    transaction: (work, opts) =>
      inTransaction ? work(self) : runTransaction(sql.kysely, (tx) => work(controlDbOn(tx, true)), opts),
  };
  return self;
}

export function createControlDb(db: Database): ControlDb {
  return controlDbOn(db, false);
}
