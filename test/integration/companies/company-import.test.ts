import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { postSegment } from '../ingest/segment-http.js';
import { tenantRows } from '../leads/lead-operations.js';

const IMPORT = `mutation ($companies: [CompanyInput!]!) { importCompanies(companies: $companies) { created updated } }`;
const COMPANY = `query ($domain: String!) { company(domain: $domain) { domain name industry employees revenue country techStack } }`;
const PSC_IP = '147.72.10.20'; // AS5050 Pittsburgh Supercomputing Center: a business network with no curated domain

describe('importCompanies', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it("creates and updates the tenant's companies by domain, keeping fields an import omits", async () => {
    const tenant = await createTenant(gateway);
    const first = await gateway.gql<{ importCompanies: { created: number; updated: number } }>(tenant.secretKey, IMPORT, {
      companies: [
        { domain: 'initech.com', name: 'Initech', industry: 'Software', employees: 250, revenue: 12.5e6, country: 'US', techStack: ['Go'] },
        { domain: 'https://www.globex.com', name: 'Globex' },
      ],
    });
    expect(first.data?.importCompanies).toEqual({ created: 2, updated: 0 });

    const second = await gateway.gql<{ importCompanies: { created: number; updated: number } }>(tenant.secretKey, IMPORT, {
      companies: [{ domain: 'initech.com', employees: 300 }, { domain: 'hooli.com', name: 'Hooli' }],
    });
    expect(second.data?.importCompanies).toEqual({ created: 1, updated: 1 });
    const initech = await gateway.gql<{ company: unknown }>(tenant.secretKey, COMPANY, { domain: 'initech.com' });
    expect(initech.data?.company).toEqual({
      domain: 'initech.com',
      name: 'Initech',
      industry: 'Software',
      employees: 300,
      revenue: 12.5e6,
      country: 'US',
      techStack: ['Go'],
    });
    expect((await gateway.gql<{ company: { name: string } }>(tenant.secretKey, COMPANY, { domain: 'globex.com' })).data?.company.name).toBe('Globex');
  });

  it('refuses the whole import for one bad row, naming it, and writes nothing', async () => {
    const tenant = await createTenant(gateway);
    const refused = await gateway.gql(tenant.secretKey, IMPORT, { companies: [{ domain: 'good.com', name: 'Good' }, { domain: 'good.com', employees: -5 }] });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.extensions?.['argumentPath']).toEqual(['companies', 1, 'domain']);
    const rows = await tenantRows<{ n: number }>(gateway, tenant.id, 'select count(*)::int as n from {t}.companies');
    expect(rows[0]?.n).toBe(0);
  });

  it("makes an imported company the one a visitor's network names", async () => {
    const tenant = await createTenant(gateway);
    await gateway.gql(tenant.secretKey, IMPORT, { companies: [{ domain: 'psc.edu', name: 'Pittsburgh Supercomputing Center, Inc.' }] });
    const lookup = await gateway.gql<{ lookupIp: { company: { domain: string } | null } }>(tenant.secretKey, `{ lookupIp(ip: "${PSC_IP}") { company { domain } } }`);
    expect(lookup.data?.lookupIp.company).toEqual({ domain: 'psc.edu' });
    // Another tenant's import names nothing for this one.
    const other = await createTenant(gateway);
    const elsewhere = await gateway.gql<{ lookupIp: { company: unknown } }>(other.secretKey, `{ lookupIp(ip: "${PSC_IP}") { company { domain } } }`);
    expect(elsewhere.data?.lookupIp.company).toBeNull();
    await postSegment(gateway, '/v1/page', { anonymousId: 'visitor', context: { ip: PSC_IP } }, { key: tenant.publishableKey });
    const sessions = await tenantRows<{ domain: string }>(
      gateway,
      tenant.id,
      'select c.domain from {t}.sessions s join {t}.companies c on c.id = s.company_id',
    );
    expect(sessions).toEqual([{ domain: 'psc.edu' }]);
  });

  it("is the caller's tenant only, and needs a secret key with leads:write", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    await gateway.gql(a.secretKey, IMPORT, { companies: [{ domain: 'only-a.com', name: 'Only A' }] });
    expect((await gateway.gql<{ company: unknown }>(b.secretKey, COMPANY, { domain: 'only-a.com' })).data?.company).toBeNull();
    expect(codeOf(await gateway.gql(a.publishableKey, IMPORT, { companies: [{ domain: 'x.com' }] }))).toBe('UNAUTHENTICATED');
    const readOnly = await gateway.gql<{ createApiKey: { key: string } }>(
      a.secretKey,
      'mutation { createApiKey(input: { name: "reader", scopes: ["leads:read"] }) { key } }',
    );
    const reader = readOnly.data?.createApiKey.key;
    expect(reader).toMatch(/^sk_/);
    expect(codeOf(await gateway.gql(reader, IMPORT, { companies: [{ domain: 'x.com' }] }))).toBe('FORBIDDEN');
  });
});
