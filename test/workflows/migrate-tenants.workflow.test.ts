import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../../platform/postgres/database.js';
import { controlMigrations } from '../../schema/migrations/control/control-migrations.js';
import { migrateControl } from '../../schema/migrator.js';
import { quoteTenantSchema, type TenantMigration } from '../../schema/migrations/migration.js';
import { tenantMigrations } from '../../schema/migrations/tenant/tenant-migrations.js';
import type { TenantProvisioning } from '../../tenants/provisioning/tenant-provisioning.js';
import type { migrateTenantsWorkflow } from '../../workflows/migrate-tenants/migrate-tenants.workflow.js';
import { createScratchDatabase } from '../support/scratch-postgres.js';
import { startTestGateway, testConfig, type TestGateway } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';

// The workflow reaches every active tenant of its database: this file gets a database of its own,
// so it migrates its own tenants only, and the run's other files (hundreds of tenants) neither slow it nor see its table.
const probe = `wf_probe_${randomBytes(4).toString('hex')}`;
const extra: TenantMigration = {
  name: `9999-test-${probe}`,
  up: (schema) => [
    `create table if not exists ${schema}.${probe} (applied_at timestamptz not null default clock_timestamp())`,
    `insert into ${schema}.${probe} default values`,
  ],
};

describe('migrateTenantsWorkflow', () => {
  const taskQueue = `migrate-tenants-test-${randomBytes(4).toString('hex')}`;
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let db: Database;
  let provisioning: TenantProvisioning;
  let client: Client;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;

  beforeAll(async () => {
    scratch = await createScratchDatabase(inject('databaseUrl'), 'leadgraph_migrate_test');
    const setup = createDatabase({ url: scratch.url, poolSize: 1, applicationName: 'leadgraph-migrate-test' });
    await migrateControl(setup, controlMigrations);
    await setup.close();
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, DATABASE_URL: scratch.url }) });
    worker = await startTestWorker(gateway, { tenantMigrations: [...tenantMigrations, extra] });
    db = gateway.services.db;
    provisioning = gateway.services.provisioning;
    client = gateway.services.temporalClient;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await scratch?.drop();
  }, 60_000);

  async function provisionTenants(count: number): Promise<string[]> {
    const schemas: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const created = await provisioning.createTenant({ name: `Workflow ${i}` });
      if (!created.ok) throw new Error(`createTenant failed: ${JSON.stringify(created.problem)}`);
      schemas.push(created.value.schema);
    }
    return schemas;
  }

  const applied = async (schema: string) =>
    (await db.query<{ name: string }>(`select name from ${quoteTenantSchema(schema)}.schema_migrations order by name`)).map(
      (row) => row.name,
    );

  const probeRows = async (schema: string) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from ${quoteTenantSchema(schema)}.${probe}`))[0]?.n;

  const hasProbe = async (schema: string) =>
    (await db.query('select 1 from information_schema.tables where table_schema = $1 and table_name = $2', [schema, probe])).length ===
    1;

  const runMigration = () =>
    client.workflow.execute<typeof migrateTenantsWorkflow>('migrateTenantsWorkflow', {
      taskQueue,
      workflowId: `migrate-tenants:${randomBytes(6).toString('hex')}`,
      args: [{ concurrency: 4, pageSize: 10 }],
      workflowExecutionTimeout: '5 minutes',
    });

  it('brings every tenant, page after page, to the newest migration, once each', async () => {
    const schemas = await provisionTenants(25);

    const result = await runMigration();
    expect(result.tenants).toBeGreaterThanOrEqual(25);
    expect(result.migrated).toBeGreaterThanOrEqual(25);
    expect(result.migrated).toBeLessThanOrEqual(result.tenants);
    // Each tenant counted once: never more than there are tenants at all.
    const [all] = await db.query<{ n: number }>('select count(*)::int as n from control.tenants');
    expect(result.tenants).toBeLessThanOrEqual(all!.n);
    for (const schema of schemas) {
      expect(await applied(schema)).toEqual(expect.arrayContaining(['0001-tenant-settings', extra.name]));
      expect(await probeRows(schema)).toBe(1);
    }

    // Run again, as after a redeploy with nothing new: the tenants keep their single application.
    const again = await runMigration();
    expect(again.tenants).toBeGreaterThanOrEqual(25);
    for (const schema of schemas) expect(await probeRows(schema)).toBe(1);
  }, 120_000);

  it('leaves alone a tenant that is no longer active', async () => {
    const [active, deleting] = await provisionTenants(2);
    await db.query(`update control.tenants set status = 'deleting' where schema_name = $1`, [deleting!]);

    await runMigration();
    expect(await applied(active!)).toContain(extra.name);
    expect(await applied(deleting!)).not.toContain(extra.name);
    expect(await hasProbe(deleting!)).toBe(false);
  }, 120_000);
});
