import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDatabase, type Database } from '../../../platform/postgres/database.js';
import { migrateTenant } from '../../../schema/migrator.js';
import { tenantMigrations } from '../../../schema/migrations/tenant/tenant-migrations.js';

const OLD_DEFAULT = ['tenant-dataset', 'ip-organization', 'email-verification', 'company-homepage', 'dns-records'];
const NEW_DEFAULT = ['tenant-dataset', 'ip-organization', 'ip-network', 'email-verification', 'company-homepage', 'dns-records'];

describe('tenant migration 0013: ip-network joins the default waterfall', () => {
  let db: Database;
  const schemas: string[] = [];

  beforeAll(() => {
    db = createDatabase({ url: inject('databaseUrl'), poolSize: 2, applicationName: 'leadgraph-test-migration-0013' });
  });
  afterAll(async () => {
    for (const schema of schemas) await db.query(`drop schema if exists "${schema}" cascade`);
    await db.close();
  });

  async function schemaBefore(): Promise<string> {
    const schema = `t_m13${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const index = tenantMigrations.findIndex((m) => m.name === '0013-ip-network-provider');
    expect(index).toBeGreaterThan(0);
    await migrateTenant(db, schema, tenantMigrations.slice(0, index));
    return schema;
  }

  const waterfallOf = async (schema: string) => (await db.query<{ waterfall: string[] }>(`select waterfall from "${schema}".enrichment_settings`))[0]?.waterfall;

  it('puts ip-network after the local ASN lookup for a tenant on the old default, and in the column default', async () => {
    const schema = await schemaBefore();
    expect(await waterfallOf(schema)).toEqual(OLD_DEFAULT);
    await migrateTenant(db, schema, tenantMigrations);
    expect(await waterfallOf(schema)).toEqual(NEW_DEFAULT);
    await db.query(`delete from "${schema}".enrichment_settings`);
    await db.query(`insert into "${schema}".enrichment_settings default values`);
    expect(await waterfallOf(schema)).toEqual(NEW_DEFAULT);
  });

  it('keeps a waterfall the tenant chose', async () => {
    const schema = await schemaBefore();
    await db.query(`update "${schema}".enrichment_settings set waterfall = '{email-verification,dns-records}'`);
    await migrateTenant(db, schema, tenantMigrations);
    expect(await waterfallOf(schema)).toEqual(['email-verification', 'dns-records']);
  });
});
