import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../../platform/postgres/database.js';
import { createControlDb } from '../../../platform/postgres/control-db.js';
import { controlMigrations } from '../../../schema/migrations/control/control-migrations.js';
import { quoteTenantSchema, type TenantMigration } from '../../../schema/migrations/migration.js';
import { tenantMigrations } from '../../../schema/migrations/tenant/tenant-migrations.js';
import { migrateAllTenants, migrateControl, migrateTenant } from '../../../schema/migrator.js';
import { createCreditLedger } from '../../../modules/credits/credit-ledger.js';
import { createTenantProvisioning, type TenantProvisioning } from '../../../tenants/provisioning/tenant-provisioning.js';

// Other files share control.tenants in this database, and every fan-out reaches every active
// tenant in it: assertions are about the tenants made here, and the test migrations below are
// harmless wherever they land (a table of their own, created only if missing).

const suffix = () => randomBytes(4).toString('hex');

/** A test-only migration that creates a probe table and records each application as one row in it. */
function probeMigration(table: string): TenantMigration {
  return {
    name: `9999-test-${table}`,
    up: (schema) => [
      `create table if not exists ${schema}.${table} (applied_at timestamptz not null default clock_timestamp())`,
      `insert into ${schema}.${table} default values`,
    ],
  };
}

describe('tenant migrations', () => {
  let db: Database;
  let provisioning: TenantProvisioning;

  beforeAll(() => {
    db = createDatabase({ url: inject('databaseUrl'), poolSize: 10, applicationName: 'leadgraph-test-migrations' });
    const control = createControlDb(db);
    const ledger = createCreditLedger({ control, onBalanceChanged: () => {} });
    provisioning = createTenantProvisioning({
      control,
      ledger,
      migrateSchema: async (schema) => (await migrateTenant(db, schema, tenantMigrations)).applied,
    });
  });
  afterAll(async () => {
    await db.close();
  });

  /** `count` fresh tenants through provisioning, a few at a time; returns their schema names. */
  async function provisionTenants(count: number): Promise<string[]> {
    const schemas: string[] = [];
    let next = 0;
    const lane = async () => {
      for (let index = next++; index < count; index = next++) {
        const created = await provisioning.createTenant({ name: `Migrations ${index}` });
        if (!created.ok) throw new Error(`createTenant failed: ${JSON.stringify(created.problem)}`);
        schemas[index] = created.value.schema;
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    return schemas;
  }

  const appliedIn = async (schema: string) =>
    db.query<{ name: string; applied_at: Date }>(
      `select name, applied_at from ${quoteTenantSchema(schema)}.schema_migrations order by name`,
    );

  const probeRows = async (schema: string, table: string) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from ${quoteTenantSchema(schema)}.${table}`))[0]?.n;

  const tablesNamed = async (table: string, schemas: readonly string[]) =>
    (
      await db.query<{ table_schema: string }>(
        'select table_schema from information_schema.tables where table_name = $1 and table_schema = any($2) order by table_schema',
        [table, schemas],
      )
    ).map((row) => row.table_schema);

  const failuresAmong = (failed: ReadonlyArray<{ schema: string; error: string }>, schemas: readonly string[]) =>
    failed.filter((f) => schemas.includes(f.schema));

  it('fans a new migration out to 200 tenants, each once, and a second run applies nothing to them', async () => {
    const schemas = await provisionTenants(200);
    expect(new Set(schemas).size).toBe(200);
    const table = `fanout_probe_${suffix()}`;
    const extra = probeMigration(table);

    const first = await migrateAllTenants(db, [...tenantMigrations, extra], 8);
    expect(failuresAmong(first.failed, schemas)).toEqual([]);
    expect(first.tenants).toBeGreaterThanOrEqual(200);
    expect(first.migrated).toBeGreaterThanOrEqual(200);
    expect(await tablesNamed(table, schemas)).toEqual([...schemas].sort());
    const appliedAt = new Map<string, number>();
    for (const schema of schemas) {
      const rows = await appliedIn(schema);
      expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['0001-tenant-settings', extra.name]));
      const row = rows.find((r) => r.name === extra.name);
      expect(row, `${schema} has no bookkeeping row for ${extra.name}`).toBeDefined();
      appliedAt.set(schema, row!.applied_at.getTime());
    }

    const second = await migrateAllTenants(db, [...tenantMigrations, extra], 8);
    expect(failuresAmong(second.failed, schemas)).toEqual([]);
    for (const schema of schemas) {
      expect(await probeRows(schema, table)).toBe(1);
      const row = (await appliedIn(schema)).find((r) => r.name === extra.name);
      expect(row?.applied_at.getTime()).toBe(appliedAt.get(schema));
    }
    // Provisioning 200 schemas of every migration is most of it: it grows with each migration and the machine's load.
  }, 180_000);

  it('never applies a migration twice when two fan-outs run at once over the same tenants', async () => {
    const schemas = await provisionTenants(20);
    const table = `concurrent_probe_${suffix()}`;
    const extra = probeMigration(table);
    const migrations = [...tenantMigrations, extra];

    const [a, b] = await Promise.all([migrateAllTenants(db, migrations, 8), migrateAllTenants(db, migrations, 8)]);
    expect(failuresAmong(a.failed, schemas)).toEqual([]);
    expect(failuresAmong(b.failed, schemas)).toEqual([]);
    for (const schema of schemas) {
      expect(await probeRows(schema, table)).toBe(1);
      expect((await appliedIn(schema)).filter((r) => r.name === extra.name)).toHaveLength(1);
    }
  });

  it('keeps control migrations apart from tenant migrations, and a second migrateControl applies nothing', async () => {
    // The suite database: its control schema was migrated by the harness.
    const control = await db.query<{ name: string }>('select name from control.schema_migrations order by name');
    expect(control.map((r) => r.name)).toEqual(controlMigrations.map((m) => m.name));
    expect(await migrateControl(db, controlMigrations)).toEqual({ applied: [] });

    const [schema] = await provisionTenants(1);
    const own = (await appliedIn(schema!)).map((r) => r.name);
    expect(own).toContain('0001-tenant-settings');
    for (const m of controlMigrations) expect(own).not.toContain(m.name);

    // A fresh database: the first start applies every control migration in order, the next nothing,
    // and two gateways starting at once share the work without repeating any of it.
    const serverUrl = new URL(inject('databaseUrl'));
    const scratch = `leadgraph_test_control_${suffix()}`;
    const admin = new pg.Client({ connectionString: serverUrl.toString() });
    await admin.connect();
    try {
      await admin.query(`create database ${scratch}`);
      const scratchUrl = new URL(serverUrl);
      scratchUrl.pathname = `/${scratch}`;
      const fresh = createDatabase({ url: scratchUrl.toString(), poolSize: 4, applicationName: 'leadgraph-test-control' });
      try {
        const [one, two] = await Promise.all([migrateControl(fresh, controlMigrations), migrateControl(fresh, controlMigrations)]);
        const names = controlMigrations.map((m) => m.name);
        expect([...one.applied, ...two.applied].sort()).toEqual([...names].sort());
        expect(await migrateControl(fresh, controlMigrations)).toEqual({ applied: [] });
        const rows = await fresh.query<{ name: string }>('select name from control.schema_migrations order by applied_at, name');
        expect(rows.map((r) => r.name)).toEqual(names);
        const tables = await fresh.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = 'control' order by table_name",
        );
        expect(tables.map((t) => t.table_name)).toEqual(
          expect.arrayContaining(['api_keys', 'audit_log', 'credit_balances', 'credit_ledger', 'pixel_hosts', 'schema_migrations', 'tenants']),
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await admin.query(`drop database if exists ${scratch} with (force)`);
      await admin.end();
    }
  });

  it("reports a tenant whose migration fails, rolls that tenant's migration back whole, and migrates the others", async () => {
    const schemas = await provisionTenants(5);
    const broken = schemas[2]!;
    const healthy = schemas.filter((s) => s !== broken);
    const table = `failing_probe_${suffix()}`;
    const failing: TenantMigration = {
      name: `9998-test-${table}`,
      up: (schema) => [
        `create table if not exists ${schema}.${table} (id int)`,
        ...(schema === quoteTenantSchema(broken) ? [`select * from ${schema}.no_such_table_${table}`] : []),
      ],
    };
    const later = probeMigration(`later_${table}`);

    const report = await migrateAllTenants(db, [...tenantMigrations, failing, later], 8);
    expect(failuresAmong(report.failed, schemas)).toEqual([
      { schema: broken, error: expect.stringContaining(`no_such_table_${table}`) },
    ]);

    // Neither the table the failing migration created first, nor its bookkeeping row, nor anything after it.
    expect(await tablesNamed(table, [broken])).toEqual([]);
    expect(await tablesNamed(`later_${table}`, [broken])).toEqual([]);
    expect((await appliedIn(broken)).map((r) => r.name)).not.toContain(failing.name);
    expect((await appliedIn(broken)).map((r) => r.name)).not.toContain(later.name);

    expect(await tablesNamed(table, healthy)).toEqual([...healthy].sort());
    for (const schema of healthy) {
      const names = (await appliedIn(schema)).map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining([failing.name, later.name]));
    }
  });

  it('quotes only tenant schema names, so none can smuggle SQL into a migration', async () => {
    expect(quoteTenantSchema('t_abc123')).toBe('"t_abc123"');
    for (const name of [
      '',
      'public',
      'control',
      't_',
      'T_abc',
      't_ABC',
      'x_abc',
      't_ab-c',
      't_ab c',
      't_abc\n',
      't_ab"c',
      `t_${'a'.repeat(41)}`,
      't_abc"; drop schema control cascade; --',
    ]) {
      expect(() => quoteTenantSchema(name), JSON.stringify(name)).toThrow(/not a tenant schema name/);
    }

    const smuggled = `pwned_${suffix()}`;
    await expect(migrateTenant(db, `t_x"; create schema ${smuggled}; --`, tenantMigrations)).rejects.toThrow(/not a tenant schema name/);
    const created = await db.query('select 1 from information_schema.schemata where schema_name = $1', [smuggled]);
    expect(created).toEqual([]);
  });
});
