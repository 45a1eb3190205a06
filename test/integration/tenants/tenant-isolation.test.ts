import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSettings } from '../../../schema/entities/tenant/tenant-settings.entity.js';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';

const SETTINGS = '{ tenant { settings { cookieName globalName } } }';

describe('tenant isolation below the resolvers', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it("reads each tenant's own schema through the key's fork, whatever the other holds", async () => {
    const a = await createTenant(gateway, { name: 'A' });
    const b = await createTenant(gateway, { name: 'B' });
    await gateway.services.db.query(`update "t_${b.id}".settings set cookie_name = '_b_visitor', global_name = 'bee'`);

    const seenByA = await gateway.gql<{ tenant: { settings: { cookieName: string; globalName: string } } }>(a.secretKey, SETTINGS);
    const seenByB = await gateway.gql<{ tenant: { settings: { cookieName: string; globalName: string } } }>(b.secretKey, SETTINGS);
    expect(seenByA.data?.tenant.settings).toEqual({ cookieName: '_lg_aid', globalName: 'lg' });
    expect(seenByB.data?.tenant.settings).toEqual({ cookieName: '_b_visitor', globalName: 'bee' });
  });

  it('refuses tenant-scoped entities through the root EntityManager or an unscoped fork', async () => {
    const { orm } = gateway.services;
    await expect(orm.em.findOne(TenantSettings, { id: true })).rejects.toThrow(/global EntityManager/i);
    // Without a tenant schema the fork resolves to a schema that holds no tenant tables.
    await expect(orm.em.fork().findOne(TenantSettings, { id: true })).rejects.toThrow(/does not exist/);
  });

  it("binds a TenantDb to its tenant's schema: the same statement reads each tenant's own rows", async () => {
    const a = await createTenant(gateway, { name: 'A' });
    const b = await createTenant(gateway, { name: 'B' });
    const dbA = gateway.services.tenantDbs.ofResolved({ tenantId: a.id, schema: `t_${a.id}` });
    const dbB = gateway.services.tenantDbs.ofResolved({ tenantId: b.id, schema: `t_${b.id}` });
    await dbB.kysely.updateTable('settings').set({ cookie_name: '_b_visitor' }).execute();

    expect(await dbA.kysely.selectFrom('settings').select('cookie_name').execute()).toEqual([{ cookie_name: '_lg_aid' }]);
    expect(await dbB.kysely.selectFrom('settings').select('cookie_name').execute()).toEqual([{ cookie_name: '_b_visitor' }]);
    expect(await dbA.query<{ cookie_name: string }>('select cookie_name from {t}.settings')).toEqual([{ cookie_name: '_lg_aid' }]);
    // Inside a transaction the handle stays the tenant's.
    expect(await dbA.transaction((tx) => tx.kysely.selectFrom('settings').select('cookie_name').execute())).toEqual([{ cookie_name: '_lg_aid' }]);
  });

  it("refuses a workflow input whose schema is not its tenant's", async () => {
    const a = await createTenant(gateway, { name: 'A' });
    const b = await createTenant(gateway, { name: 'B' });
    const { tenantDbs } = gateway.services;
    expect(await tenantDbs.ofWorkflowInput({ tenantId: a.id, schema: `t_${b.id}` })).toBeUndefined();
    expect(await tenantDbs.ofWorkflowInput({ tenantId: 'nosuchtenant', schema: 't_nosuchtenant' })).toBeUndefined();
    expect((await tenantDbs.ofWorkflowInput({ tenantId: a.id, schema: `t_${a.id}` }))?.schema).toBe(`t_${a.id}`);
  });

  it('runs MikroORM on the process\'s one Kysely instance: one pool, not two', () => {
    const { orm, db } = gateway.services;
    expect(orm.em.getConnection().getClient()).toBe(db.kysely);
  });
});
