import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';

const LOCATION = `query ($ip: String!) { lookupIp(ip: $ip) { ip country region city networkKind } }`;

interface Located {
  lookupIp: { ip: string; country: string | null; region: string | null; city: string | null; networkKind: string | null };
}

describe('lookupIp: where an address is', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway();
  }, 60_000);
  afterAll(async () => {
    await gateway.close();
  });

  it.each([
    ['8.8.8.8', 'US', 'hosting'],
    ['81.130.10.20', 'GB', 'isp'], // AS2856 BT
    ['2a00:1450:4001:80b::200e', 'DE', 'hosting'],
  ])('places %s in %s with its region and city', async (ip, country, networkKind) => {
    const tenant = await createTenant(gateway);
    const answer = await gateway.gql<Located>(tenant.secretKey, LOCATION, { ip });
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.lookupIp).toEqual({ ip, country, region: expect.any(String), city: expect.any(String), networkKind });
  });

  it('answers nulls for an address no one is in', async () => {
    const tenant = await createTenant(gateway);
    const answer = await gateway.gql<Located>(tenant.secretKey, LOCATION, { ip: '10.1.2.3' });
    expect(answer.data?.lookupIp).toEqual({ ip: '10.1.2.3', country: null, region: null, city: null, networkKind: null });
  });

  it('refuses text that is not an address', async () => {
    const tenant = await createTenant(gateway);
    const answer = await gateway.gql<Located>(tenant.secretKey, LOCATION, { ip: 'example.com' });
    expect(answer.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('needs a key that may read leads', async () => {
    const tenant = await createTenant(gateway);
    const answer = await gateway.gql<Located>(tenant.publishableKey, LOCATION, { ip: '8.8.8.8' });
    expect(answer.data?.lookupIp).toBeUndefined();
    expect(answer.errors?.[0]?.extensions?.['code']).toEqual(expect.any(String));
  });
});
