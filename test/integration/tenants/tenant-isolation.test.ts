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
});
