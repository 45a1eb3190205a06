import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, testConfig, type GqlResponse, type TestGateway } from '../../support/test-gateway.js';
import { API_KEYS, CREATE_API_KEY, REVOKE_API_KEY, TENANT, createApiKey, listApiKeys } from './api-key-operations.js';

/** POST /graphql with headers of the test's choosing, as a client behind (or pretending to be behind) a proxy would. */
async function postWithHeaders(gateway: TestGateway, headers: Record<string, string>, query: string): Promise<GqlResponse<unknown>> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: GqlResponse<unknown>['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

describe('API keys: isolation and authentication', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('across tenants', () => {
    it("answers NOT_FOUND when one tenant revokes another's key id, and that key keeps working", async () => {
      const a = await createTenant(gateway, { name: 'A' });
      const b = await createTenant(gateway, { name: 'B' });
      const aKey = await createApiKey(gateway, a.secretKey, { name: 'A integration' });

      const response = await gateway.gql(b.secretKey, REVOKE_API_KEY, { id: aKey.apiKey.id });
      expect(codeOf(response)).toBe('NOT_FOUND');
      expect(response.data).toBeNull();

      const stored = await gateway.services.db.query<{ revoked_at: Date | null }>('select revoked_at from control.api_keys where id = $1', [
        aKey.apiKey.id,
      ]);
      expect(stored[0]?.revoked_at).toBeNull();
      const stillWorks = await gateway.gql<{ tenant: { id: string } }>(aKey.key, TENANT);
      expect(stillWorks.data?.tenant).toEqual({ id: a.id });
    });

    it("never lists another tenant's keys", async () => {
      const a = await createTenant(gateway, { name: 'A' });
      const b = await createTenant(gateway, { name: 'B' });
      await createApiKey(gateway, a.secretKey, { name: 'A only' });
      await createApiKey(gateway, b.secretKey, { name: 'B only' });

      const seenByB = await listApiKeys(gateway, b.secretKey);
      const ownedByB = await gateway.services.db.query<{ id: string }>('select id from control.api_keys where tenant_id = $1', [b.id]);
      const ownedByA = await gateway.services.db.query<{ id: string }>('select id from control.api_keys where tenant_id = $1', [a.id]);
      expect(seenByB.map((k) => k.id).sort()).toEqual(ownedByB.map((k) => k.id).sort());
      expect(ownedByA).toHaveLength(3);
      for (const { id } of ownedByA) expect(seenByB.map((k) => k.id)).not.toContain(id);
      expect(seenByB.map((k) => k.name)).not.toContain('A only');
    });
  });

  describe('who may call', () => {
    it('refuses a publishable key on /graphql as UNAUTHENTICATED: it can only ingest', async () => {
      const tenant = await createTenant(gateway);
      const response = await gateway.gql(tenant.publishableKey, TENANT);
      expect(codeOf(response)).toBe('UNAUTHENTICATED');
      expect(response.status).toBe(401);
    });

    it.each<{ what: string; headers: Record<string, string> }>([
      { what: 'no Authorization header', headers: {} },
      { what: 'a bearer token that is no key', headers: { authorization: 'Bearer garbage' } },
      { what: 'an sk_ token that was never issued', headers: { authorization: `Bearer sk_${randomBytes(24).toString('base64url')}` } },
      { what: 'a scheme other than Bearer', headers: { authorization: 'Basic c2tfZm9vOg==' } },
    ])('answers $what with UNAUTHENTICATED (401)', async ({ headers }) => {
      const response = await postWithHeaders(gateway, headers, TENANT);
      expect(codeOf(response)).toBe('UNAUTHENTICATED');
      expect(response.status).toBe(401);
      expect(response.data ?? null).toBeNull();
    });

    it('is FORBIDDEN to the platform token: key operations belong to a tenant', async () => {
      const tenant = await createTenant(gateway);
      const [target] = await listApiKeys(gateway, tenant.secretKey);

      expect(codeOf(await gateway.gql(gateway.adminToken, API_KEYS))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(gateway.adminToken, CREATE_API_KEY, { input: { name: 'Operator made' } }))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(gateway.adminToken, REVOKE_API_KEY, { id: target!.id }))).toBe('FORBIDDEN');
      expect((await listApiKeys(gateway, tenant.secretKey)).find((k) => k.id === target!.id)?.revokedAt).toBeNull();
    });
  });

  describe('ipAllowlist', () => {
    it('is FORBIDDEN from an address outside the list and works from one inside it', async () => {
      const tenant = await createTenant(gateway);
      const elsewhere = await createApiKey(gateway, tenant.secretKey, { name: 'Private network', ipAllowlist: ['10.0.0.0/8'] });
      const local = await createApiKey(gateway, tenant.secretKey, { name: 'This host', ipAllowlist: ['127.0.0.1/32'] });

      const refused = await gateway.gql(elsewhere.key, TENANT);
      expect(codeOf(refused)).toBe('FORBIDDEN');
      expect(refused.status).toBe(403);

      const allowed = await gateway.gql<{ tenant: { id: string } }>(local.key, TENANT);
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data?.tenant).toEqual({ id: tenant.id });
    });

    it('lets an address-restricted key create keys only within its own restriction', async () => {
      const tenant = await createTenant(gateway);
      const restricted = await createApiKey(gateway, tenant.secretKey, { name: 'This host', ipAllowlist: ['127.0.0.1/32'] });

      const unrestricted = await gateway.gql(restricted.key, CREATE_API_KEY, { input: { name: 'Anywhere' } });
      expect(codeOf(unrestricted)).toBe('BAD_USER_INPUT');
      expect(unrestricted.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'ipAllowlist']);
      const wider = await gateway.gql(restricted.key, CREATE_API_KEY, { input: { name: 'Wider', ipAllowlist: ['0.0.0.0/0'] } });
      expect(codeOf(wider)).toBe('BAD_USER_INPUT');

      const same = await createApiKey(gateway, restricted.key, { name: 'Same host', ipAllowlist: ['127.0.0.1/32'] });
      expect(same.apiKey.ipAllowlist).toEqual(['127.0.0.1/32']);
    });

    it('does not believe X-Forwarded-For when no trusted proxy is configured', async () => {
      expect(gateway.config.TRUST_PROXY).toBe(false);
      const tenant = await createTenant(gateway);
      const { key } = await createApiKey(gateway, tenant.secretKey, { name: 'Private network', ipAllowlist: ['10.0.0.0/8'] });

      const spoofed = await postWithHeaders(gateway, { authorization: `Bearer ${key}`, 'x-forwarded-for': '10.1.2.3' }, TENANT);
      expect(codeOf(spoofed)).toBe('FORBIDDEN');
      expect(spoofed.status).toBe(403);
    });
  });

  describe('revocation across gateway instances', () => {
    it('stops a revoked key on every instance within a second, though each had it cached for an hour', async () => {
      // One Redis namespace, as the instances of one deployment share; a cache TTL far beyond the test,
      // so only the revocation broadcast can explain the key stopping on the second instance.
      const shared = { REDIS_KEY_PREFIX: `lg-test-${randomBytes(4).toString('hex')}:`, KEY_CACHE_TTL_SECONDS: '3600' };
      const first = await startTestGateway({ config: testConfig(shared) });
      const second = await startTestGateway({ config: testConfig(shared) });
      try {
        const tenant = await createTenant(first);
        const { apiKey, key } = await createApiKey(first, tenant.secretKey, { name: 'Used everywhere' });
        expect((await first.gql(key, TENANT)).errors).toBeUndefined();
        expect((await second.gql(key, TENANT)).errors).toBeUndefined();

        const revoked = await first.gql(tenant.secretKey, REVOKE_API_KEY, { id: apiKey.id });
        expect(revoked.errors).toBeUndefined();
        expect(codeOf(await first.gql(key, TENANT))).toBe('UNAUTHENTICATED');

        const deadline = Date.now() + 1_000;
        let onSecond = await second.gql(key, TENANT);
        while (codeOf(onSecond) !== 'UNAUTHENTICATED' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          onSecond = await second.gql(key, TENANT);
        }
        expect(codeOf(onSecond)).toBe('UNAUTHENTICATED');
        expect(onSecond.status).toBe(401);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });
  });
});
