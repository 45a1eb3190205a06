import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../platform/logging/logger.js';
import { createDatabase, type Database } from '../../platform/postgres/database.js';
import { quoteTenantSchema, type TenantMigration } from '../../schema/migrations/migration.js';
import { tenantMigrations } from '../../schema/migrations/tenant/tenant-migrations.js';
import { createCreditLedger } from '../../tenants/credits/credit-ledger.js';
import { createTenantProvisioning, type TenantProvisioning } from '../../tenants/provisioning/tenant-provisioning.js';
import type { migrateTenantsWorkflow } from '../../workflows/migrate-tenants/migrate-tenants.workflow.js';
import { connectTemporalWorker } from '../../workflows/temporal-endpoint.js';
import { startWorker, type RunningWorker } from '../../workflows/worker.js';

// The workflow reaches every active tenant in the shared database, so the test migration is
// harmless anywhere (its own table, created only if missing) and assertions are about the tenants made here.
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
  let db: Database;
  let provisioning: TenantProvisioning;
  let workerConnection: NativeConnection;
  let worker: RunningWorker;
  let clientConnection: Connection;
  let client: Client;

  beforeAll(async () => {
    // The SDK's own log (bundling, state changes) only when something goes wrong.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    db = createDatabase({ url: inject('databaseUrl'), poolSize: 6, applicationName: 'leadgraph-test-workflows' });
    provisioning = createTenantProvisioning({ db, ledger: createCreditLedger({ db, onBalanceChanged: () => {} }), tenantMigrations });
    const address = inject('temporalAddress');
    workerConnection = await connectTemporalWorker({ address, namespace: 'default', taskQueue, tls: false });
    worker = await startWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      db,
      tenantMigrations: [...tenantMigrations, extra],
      log: createLogger({ level: 'error' }),
    });
    clientConnection = await Connection.connect({ address });
    client = new Client({ connection: clientConnection, namespace: 'default' });
  }, 120_000);

  afterAll(async () => {
    await worker?.shutdown();
    await workerConnection?.close();
    await clientConnection?.close();
    await db?.close();
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
