import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { API_KEYS, CREATE_API_KEY, REVOKE_API_KEY, TENANT, countApiKeyRows, createApiKey, listApiKeys } from './api-key-operations.js';

describe('API keys: refused requests', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('createApiKey', () => {
    it.each([
      { what: 'an unknown scope', input: { name: 'K', scopes: ['tenant:read', 'root'] }, path: ['input', 'scopes', 1] },
      { what: 'a prefix longer than 32 bits', input: { name: 'K', ipAllowlist: ['10.0.0.0/33'] }, path: ['input', 'ipAllowlist', 0] },
      { what: 'an allowlist entry that is no address', input: { name: 'K', ipAllowlist: ['127.0.0.1', 'nonsense'] }, path: ['input', 'ipAllowlist', 1] },
      { what: 'an origin with a path', input: { name: 'K', allowedOrigins: ['https://www.example.com/shop'] }, path: ['input', 'allowedOrigins', 0] },
      { what: 'an origin that is no URL', input: { name: 'K', allowedOrigins: ['https://ok.example.com', 'example.com'] }, path: ['input', 'allowedOrigins', 1] },
      { what: 'an empty name', input: { name: '  ' }, path: ['input', 'name'] },
    ])('refuses $what as BAD_USER_INPUT with the path of the offending value, and writes nothing', async ({ input, path }) => {
      const tenant = await createTenant(gateway);
      const before = await countApiKeyRows(gateway, tenant.id);

      const response = await gateway.gql(tenant.secretKey, CREATE_API_KEY, { input });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(path);
      expect(response.data).toBeNull();

      expect(await countApiKeyRows(gateway, tenant.id)).toBe(before);
    });

    it('refuses a kind that does not exist', async () => {
      const tenant = await createTenant(gateway);
      const before = await countApiKeyRows(gateway, tenant.id);
      const response = await gateway.gql(tenant.secretKey, CREATE_API_KEY, { input: { name: 'K', kind: 'MASTER' } });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(await countApiKeyRows(gateway, tenant.id)).toBe(before);
    });

    it('refuses to grant a scope the calling key does not hold, so a key cannot mint a stronger one', async () => {
      const tenant = await createTenant(gateway);
      const manager = await createApiKey(gateway, tenant.secretKey, { name: 'Key manager', scopes: ['keys:manage'] });
      const before = await countApiKeyRows(gateway, tenant.id);

      const response = await gateway.gql(manager.key, CREATE_API_KEY, { input: { name: 'Stronger', scopes: ['keys:manage', 'usage:read'] } });
      expect(codeOf(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'scopes']);
      expect(response.errors?.[0]?.message).toContain('usage:read');

      expect(await countApiKeyRows(gateway, tenant.id)).toBe(before);
      // The same key may still hand out what it holds.
      expect((await createApiKey(gateway, manager.key, { name: 'Equal', scopes: ['keys:manage'] })).apiKey.scopes).toEqual(['keys:manage']);
    });
  });

  describe('revokeApiKey', () => {
    it('answers NOT_FOUND for an id that is no key, and changes nothing', async () => {
      const tenant = await createTenant(gateway);
      const response = await gateway.gql(tenant.secretKey, REVOKE_API_KEY, { id: 'key_doesnotexist' });
      expect(codeOf(response)).toBe('NOT_FOUND');
      expect(response.data).toBeNull();

      const revoked = await gateway.services.db.query<{ n: number }>(
        'select count(*)::int as n from control.api_keys where tenant_id = $1 and revoked_at is not null',
        [tenant.id],
      );
      expect(revoked[0]?.n).toBe(0);
      expect((await gateway.gql(tenant.secretKey, TENANT)).errors).toBeUndefined();
    });

    it("is FORBIDDEN to a key without 'keys:manage', and the targeted key keeps working", async () => {
      const tenant = await createTenant(gateway);
      const target = await createApiKey(gateway, tenant.secretKey, { name: 'Target' });
      const reader = await createApiKey(gateway, tenant.secretKey, { name: 'Reader', scopes: ['tenant:read'] });

      const response = await gateway.gql(reader.key, REVOKE_API_KEY, { id: target.apiKey.id });
      expect(codeOf(response)).toBe('FORBIDDEN');

      expect((await listApiKeys(gateway, tenant.secretKey)).find((k) => k.id === target.apiKey.id)?.revokedAt).toBeNull();
      expect((await gateway.gql(target.key, TENANT)).errors).toBeUndefined();
    });
  });

  describe('apiKeys', () => {
    it('is UNAUTHENTICATED with a revoked key', async () => {
      const tenant = await createTenant(gateway);
      const { apiKey, key } = await createApiKey(gateway, tenant.secretKey, { name: 'Soon gone' });
      expect((await gateway.gql(key, API_KEYS)).errors).toBeUndefined();
      await gateway.gql(tenant.secretKey, REVOKE_API_KEY, { id: apiKey.id });

      const response = await gateway.gql(key, API_KEYS);
      expect(codeOf(response)).toBe('UNAUTHENTICATED');
      expect(response.status).toBe(401);
    });
  });
});
