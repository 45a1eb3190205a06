import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';

const CREATE = `mutation ($input: CreateTenantInput!) {
  createTenant(input: $input) { tenant { id name credits { balance } } secretKey publishableKey }
}`;

describe('createTenant', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('creates a schema, migrates it, issues one secret and one publishable key and grants the opening credits', async () => {
    const response = await gateway.gql<{
      createTenant: { tenant: { id: string; name: string; credits: { balance: number } }; secretKey: string; publishableKey: string };
    }>(gateway.adminToken, CREATE, { input: { name: 'Acme', credits: 250 } });
    expect(response.errors).toBeUndefined();
    const created = response.data!.createTenant;
    expect(created.tenant.name).toBe('Acme');
    expect(created.tenant.credits.balance).toBe(250);
    expect(created.secretKey).toMatch(/^sk_/);
    expect(created.publishableKey).toMatch(/^pk_/);

    const schemas = await gateway.services.db.query<{ name: string }>(
      `select name from ${'"t_' + created.tenant.id + '"'}.schema_migrations order by name`,
    );
    // Other files' fan-out tests may add their probe migrations to every tenant meanwhile.
    expect(schemas.map((s) => s.name)).toEqual(expect.arrayContaining(['0001-tenant-settings']));
    const keys = await gateway.services.db.query<{ kind: string; secret_hash: string }>(
      'select kind, secret_hash from control.api_keys where tenant_id = $1 order by kind',
      [created.tenant.id],
    );
    expect(keys.map((k) => k.kind)).toEqual(['publishable', 'secret']);
    // Stored as hashes only.
    expect(keys.map((k) => k.secret_hash)).not.toContain(created.secretKey);

    const own = await gateway.gql<{ tenant: { id: string; credits: { balance: number } } }>(
      created.secretKey,
      '{ tenant { id credits { balance } } }',
    );
    expect(own.data?.tenant).toEqual({ id: created.tenant.id, credits: { balance: 250 } });
  });

  it('refuses invalid input with the path of the argument and writes nothing', async () => {
    // Other files create tenants in parallel: count only the names these refused calls would have written.
    const name = `Refused ${Date.now()}`;
    const count = async () =>
      (await gateway.services.db.query<{ n: number }>('select count(*)::int as n from control.tenants where name = $1', [name]))[0]?.n;
    const empty = await gateway.gql(gateway.adminToken, CREATE, { input: { name: '   ' } });
    expect(codeOf(empty)).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'name']);

    const badHost = await gateway.gql(gateway.adminToken, CREATE, { input: { name, pixelHosts: ['ok.example.com', 'not a host'] } });
    expect(codeOf(badHost)).toBe('BAD_USER_INPUT');
    expect(badHost.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'pixelHosts', 1]);

    const negative = await gateway.gql(gateway.adminToken, CREATE, { input: { name, credits: -1 } });
    expect(codeOf(negative)).toBe('BAD_USER_INPUT');

    expect(await count()).toBe(0);
    const hosts = await gateway.services.db.query('select 1 from control.pixel_hosts where host = $1', ['ok.example.com']);
    expect(hosts).toHaveLength(0);
  });

  it('needs the platform token: a tenant key is FORBIDDEN, no key UNAUTHENTICATED', async () => {
    const tenant = await createTenant(gateway);
    expect(codeOf(await gateway.gql(tenant.secretKey, CREATE, { input: { name: 'Sneaky' } }))).toBe('FORBIDDEN');
    const anonymous = await gateway.gql(undefined, CREATE, { input: { name: 'Anon' } });
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    expect(anonymous.status).toBe(401);
  });

  it("refuses a pixel host that another tenant registered, and keeps each tenant's data apart", async () => {
    const host = `t-${Date.now()}.acme.example`;
    const a = await createTenant(gateway, { name: 'A', pixelHosts: [host] });
    const clash = await gateway.gql(gateway.adminToken, CREATE, { input: { name: 'B', pixelHosts: [host] } });
    expect(codeOf(clash)).toBe('BAD_USER_INPUT');
    expect(clash.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'pixelHosts', 0]);

    const b = await createTenant(gateway, { name: 'B' });
    const seenByA = await gateway.gql<{ tenant: { id: string; name: string } }>(a.secretKey, '{ tenant { id name } }');
    const seenByB = await gateway.gql<{ tenant: { id: string; name: string } }>(b.secretKey, '{ tenant { id name } }');
    expect(seenByA.data?.tenant).toEqual({ id: a.id, name: 'A' });
    expect(seenByB.data?.tenant).toEqual({ id: b.id, name: 'B' });
  });
});
