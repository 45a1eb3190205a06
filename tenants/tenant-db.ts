import type { Kysely } from 'kysely';
import { runTransaction, type Database, type Sql, type SqlValue, type TransactionOptions } from '../platform/postgres/database.js';
import type { ControlDb } from '../platform/postgres/control-db.js';
import { quoteTenantSchema } from '../schema/migrations/migration.js';
import type { TenantTables } from '../schema/tables/tables.js';

declare const bound: unique symbol;

/**
 * The only database handle feature code receives: one tenant's tables and
 * nothing else. The tenant id and its schema travel bound together, made
 * only here, from a tenant read from `control.tenants` (a resolved key, a
 * pixel host) or a workflow input checked against it; a repository cannot
 * name another tenant's table.
 */
export interface TenantDb {
  readonly tenantId: string;
  readonly schema: string;
  /** Unqualified tables are this tenant's (`withSchema`). */
  readonly kysely: Kysely<TenantTables>;
  /** A statement the builder cannot say: `{t}` stands for the tenant's quoted schema; values only as parameters. */
  query<Row extends object>(text: string, values?: readonly SqlValue[]): Promise<Row[]>;
  /** Inside a transaction already, `work` joins it. */
  transaction<T>(work: (tx: TenantDb) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  readonly [bound]: true;
}

/** A tenant as a resolved key or a checked workflow input names it. */
export interface TenantIdentity {
  readonly tenantId: string;
  readonly schema: string;
}

function tenantDbOn(sql: Sql, tenant: TenantIdentity, inTransaction: boolean): TenantDb {
  const quoted = quoteTenantSchema(tenant.schema);
  let kysely: Kysely<TenantTables> | undefined;
  const self = {
    tenantId: tenant.tenantId,
    schema: tenant.schema,
    // The one place a tenant's table types meet a connection: the schema is the tenant's, checked above.
    // Made on first use: a transaction that runs only raw statements (group commit's) never needs it.
    get kysely(): Kysely<TenantTables> {
      kysely ??= sql.kysely.withSchema(tenant.schema) as unknown as Kysely<TenantTables>;
      return kysely;
    },
    query: <Row extends object>(text: string, values?: readonly SqlValue[]) => sql.query<Row>(text.replaceAll('{t}', quoted), values),
    transaction: <T>(work: (tx: TenantDb) => Promise<T>, opts?: TransactionOptions): Promise<T> =>
      inTransaction ? work(self) : runTransaction(sql.kysely, (tx) => work(tenantDbOn(tx, tenant, true)), opts),
  } as TenantDb;
  return self;
}

export interface TenantDatabases {
  /** The handle of a tenant read from the control schema: a resolved key or pixel host (a TenantContext, an ingest request), an active-tenants list. */
  ofResolved(tenant: TenantIdentity): TenantDb;
  /**
   * The handle of a workflow's tenant: the input's id and schema must be a
   * tenant's in `control.tenants` (any status: an offboarding runs on a
   * tenant being deleted), else undefined.
   */
  ofWorkflowInput(input: TenantIdentity): Promise<TenantDb | undefined>;
}

export function createTenantDatabases(deps: { db: Database; control: ControlDb }): TenantDatabases {
  const handles = new Map<string, TenantDb>();
  const handleOf = (tenant: TenantIdentity): TenantDb => {
    const known = handles.get(tenant.tenantId);
    if (known !== undefined && known.schema === tenant.schema) return known;
    const made = tenantDbOn(deps.db, tenant, false);
    handles.set(tenant.tenantId, made);
    return made;
  };
  return {
    ofResolved: handleOf,
    async ofWorkflowInput(input) {
      const known = handles.get(input.tenantId);
      if (known !== undefined && known.schema === input.schema) return known;
      const row = await deps.control.kysely
        .selectFrom('tenants')
        .select('schema_name')
        .where('id', '=', input.tenantId)
        .executeTakeFirst();
      return row?.schema_name === input.schema ? handleOf(input) : undefined;
    },
  };
}
