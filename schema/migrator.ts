import type { Database, Sql } from '../platform/postgres/database.js';
import type { ControlMigration, TenantMigration } from './migrations/migration.js';
import { quoteTenantSchema } from './migrations/migration.js';

// A migration may rebuild a large table, and a starter waits on the advisory lock while another
// gateway migrates: neither is a tenant's request, so the pool's statement timeout does not apply.
const UNBOUNDED = { statementTimeoutMs: 0 };

export interface MigrationReport {
  readonly applied: readonly string[];
}

/**
 * Applies what is missing, each migration in its own transaction together with
 * its bookkeeping row, under an advisory lock so concurrent starters (several
 * gateways, a worker) never apply the same one twice.
 */
async function applyPending(
  db: Database,
  lockKey: string,
  bookkeeping: string,
  pending: ReadonlyArray<{ name: string; statements: () => readonly string[] }>,
): Promise<MigrationReport> {
  const applied: string[] = [];
  for (const migration of pending) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(hashtext($1))', [lockKey]);
      const done = await tx.query(`select 1 from ${bookkeeping} where name = $1`, [migration.name]);
      if (done.length > 0) return false;
      for (const statement of migration.statements()) await tx.query(statement);
      await tx.query(`insert into ${bookkeeping} (name) values ($1)`, [migration.name]);
      return true;
    }, UNBOUNDED);
    if (ran) applied.push(migration.name);
  }
  return { applied };
}

async function appliedNames(sql: Sql, bookkeeping: string): Promise<Set<string>> {
  const rows = await sql.query<{ name: string }>(`select name from ${bookkeeping}`);
  return new Set(rows.map((row) => row.name));
}

export async function migrateControl(db: Database, migrations: readonly ControlMigration[]): Promise<MigrationReport> {
  await db.transaction(async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtext('control'))`);
    await tx.query('create schema if not exists control');
    await tx.query(
      'create table if not exists control.schema_migrations (name text primary key, applied_at timestamptz not null default now())',
    );
  }, UNBOUNDED);
  const done = await appliedNames(db, 'control.schema_migrations');
  const pending = migrations.filter((m) => !done.has(m.name)).map((m) => ({ name: m.name, statements: () => m.up() }));
  return applyPending(db, 'control', 'control.schema_migrations', pending);
}

/** Creates the tenant's schema if needed and brings it to the newest migration. */
export async function migrateTenant(
  db: Database,
  schemaName: string,
  migrations: readonly TenantMigration[],
): Promise<MigrationReport> {
  const schema = quoteTenantSchema(schemaName);
  const bookkeeping = `${schema}.schema_migrations`;
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [schemaName]);
    await tx.query(`create schema if not exists ${schema}`);
    await tx.query(
      `create table if not exists ${bookkeeping} (name text primary key, applied_at timestamptz not null default now())`,
    );
  }, UNBOUNDED);
  const done = await appliedNames(db, bookkeeping);
  const pending = migrations
    .filter((m) => !done.has(m.name))
    .map((m) => ({ name: m.name, statements: () => m.up(schema) }));
  return applyPending(db, schemaName, bookkeeping, pending);
}

export interface FanOutReport {
  readonly tenants: number;
  readonly migrated: number;
  readonly failed: ReadonlyArray<{ schema: string; error: string }>;
}

/**
 * Brings every live tenant schema to the newest migration, a bounded number at
 * a time. One tenant's failure is reported, not allowed to stop the others.
 */
export async function migrateAllTenants(
  db: Database,
  migrations: readonly TenantMigration[],
  concurrency: number,
): Promise<FanOutReport> {
  const tenants = await db.query<{ schema_name: string }>(
    `select schema_name from control.tenants where status = 'active' order by created_at, id`,
  );
  const queue = tenants.map((t) => t.schema_name);
  let migrated = 0;
  const failed: Array<{ schema: string; error: string }> = [];
  const lane = async () => {
    for (let schema = queue.shift(); schema !== undefined; schema = queue.shift()) {
      try {
        const report = await migrateTenant(db, schema, migrations);
        if (report.applied.length > 0) migrated += 1;
      } catch (error) {
        failed.push({ schema, error: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane));
  return { tenants: tenants.length, migrated, failed };
}
