import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDatabase, type Database } from '../../../platform/postgres/database.js';
import { migrateTenant } from '../../../schema/migrator.js';
import { tenantMigrations } from '../../../schema/migrations/tenant/tenant-migrations.js';

const OLD_DEFAULT = ['tenant-dataset', 'ip-organization', 'email-verification', 'company-homepage'];
const NEW_DEFAULT = [...OLD_DEFAULT, 'dns-records'];
// This migration's effect, before later ones (0013 changes the default again).
const THROUGH_0010 = tenantMigrations.slice(0, tenantMigrations.findIndex((m) => m.name === '0010-company-resolution') + 1);

describe('tenant migration 0010: dns-records joins the default waterfall, company facts and links get their columns', () => {
  let db: Database;
  const schemas: string[] = [];

  beforeAll(() => {
    db = createDatabase({ url: inject('databaseUrl'), poolSize: 2, applicationName: 'leadgraph-test-migration-0010' });
  });
  afterAll(async () => {
    for (const schema of schemas) await db.query(`drop schema if exists "${schema}" cascade`);
    await db.close();
  });

  /** A tenant schema as the release before this one left it. */
  async function schemaBefore(): Promise<string> {
    const schema = `t_m10${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    const index = tenantMigrations.findIndex((m) => m.name === '0010-company-resolution');
    expect(index).toBeGreaterThan(0);
    await migrateTenant(db, schema, tenantMigrations.slice(0, index));
    return schema;
  }

  const waterfallOf = async (schema: string) => (await db.query<{ waterfall: string[] }>(`select waterfall from "${schema}".enrichment_settings`))[0]?.waterfall;

  it('appends dns-records to a tenant still on the old default, and makes it the default of a new row', async () => {
    const schema = await schemaBefore();
    expect(await waterfallOf(schema)).toEqual(OLD_DEFAULT);
    await migrateTenant(db, schema, THROUGH_0010);
    expect(await waterfallOf(schema)).toEqual(NEW_DEFAULT);
    // The column's default is the new order too (a settings row written afresh).
    await db.query(`delete from "${schema}".enrichment_settings`);
    await db.query(`insert into "${schema}".enrichment_settings default values`);
    expect(await waterfallOf(schema)).toEqual(NEW_DEFAULT);
  });

  it("keeps a waterfall the tenant chose, even one holding the same providers in another order", async () => {
    const chosen = await schemaBefore();
    const reordered = await schemaBefore();
    await db.query(`update "${chosen}".enrichment_settings set waterfall = '{email-verification,vendor:clearbit-like}'`);
    await db.query(`update "${reordered}".enrichment_settings set waterfall = '{company-homepage,tenant-dataset,ip-organization,email-verification}'`);
    await migrateTenant(db, chosen, THROUGH_0010);
    await migrateTenant(db, reordered, THROUGH_0010);
    expect(await waterfallOf(chosen)).toEqual(['email-verification', 'vendor:clearbit-like']);
    expect(await waterfallOf(reordered)).toEqual(['company-homepage', 'tenant-dataset', 'ip-organization', 'email-verification']);
  });

  it('gives existing companies empty facts and SaaS, and existing leads no link', async () => {
    const schema = await schemaBefore();
    await db.query(`insert into "${schema}".companies (id, domain, name) values ('co_1', 'acme.com', 'Acme')`);
    await db.query(`insert into "${schema}".leads (id, email, company_id, first_seen_at) values ('ld_1', 'a@acme.com', 'co_1', now())`);
    await migrateTenant(db, schema, THROUGH_0010);
    expect(await db.query(`select name, mail_provider, saas, dmarc_policy, facts from "${schema}".companies`)).toEqual([
      { name: 'Acme', mail_provider: null, saas: [], dmarc_policy: null, facts: {} },
    ]);
    expect(await db.query(`select company_id, company_link from "${schema}".leads`)).toEqual([{ company_id: 'co_1', company_link: null }]);
  });
});
