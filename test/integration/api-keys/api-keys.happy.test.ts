import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import {
  API_KEYS,
  CREATE_API_KEY,
  REVOKE_API_KEY,
  TENANT,
  createApiKey,
  idOfKey,
  listApiKeys,
  type ApiKeyView,
} from './api-key-operations.js';

describe('API keys: what a tenant can do with them', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('createApiKey', () => {
    it('issues a working secret key that holds the scopes of the calling key when none are asked for', async () => {
      const tenant = await createTenant(gateway);
      const callerId = await idOfKey(gateway, tenant.secretKey, tenant.secretKey);
      const caller = (await listApiKeys(gateway, tenant.secretKey)).find((key) => key.id === callerId)!;

      const { apiKey, key } = await createApiKey(gateway, tenant.secretKey, { name: 'CI pipeline' });
      expect(key).toMatch(/^sk_/);
      expect(apiKey).toMatchObject({
        kind: 'SECRET',
        name: 'CI pipeline',
        ipAllowlist: [],
        allowedOrigins: [],
        revokedAt: null,
      });
      expect(key.startsWith(apiKey.prefix)).toBe(true);
      expect(apiKey.prefix.length).toBeLessThan(key.length);
      expect(Number.isNaN(Date.parse(apiKey.createdAt))).toBe(false);
      expect([...apiKey.scopes].sort()).toEqual([...caller.scopes].sort());

      const own = await gateway.gql<{ tenant: { id: string } }>(key, TENANT);
      expect(own.errors).toBeUndefined();
      expect(own.data?.tenant).toEqual({ id: tenant.id });
    });

    it('defaults to the scopes of a narrower calling key, not to every scope', async () => {
      const tenant = await createTenant(gateway);
      const manager = await createApiKey(gateway, tenant.secretKey, { name: 'Key manager', scopes: ['tenant:read', 'keys:manage'] });

      const { apiKey } = await createApiKey(gateway, manager.key, { name: 'Made by the manager' });
      expect([...apiKey.scopes].sort()).toEqual(['keys:manage', 'tenant:read']);
    });

    it('keeps the allowlist and origins it was given, and a publishable key holds no scopes', async () => {
      const tenant = await createTenant(gateway);
      const secret = await createApiKey(gateway, tenant.secretKey, {
        name: 'Office only',
        scopes: ['tenant:read'],
        ipAllowlist: ['127.0.0.1/32', '2001:db8::/32'],
      });
      expect(secret.apiKey.ipAllowlist).toEqual(['127.0.0.1/32', '2001:db8::/32']);
      expect(secret.apiKey.scopes).toEqual(['tenant:read']);

      const publishable = await createApiKey(gateway, tenant.secretKey, {
        name: 'Website',
        kind: 'PUBLISHABLE',
        allowedOrigins: ['https://www.example.com'],
      });
      expect(publishable.key).toMatch(/^pk_/);
      expect(publishable.apiKey).toMatchObject({ kind: 'PUBLISHABLE', scopes: [], allowedOrigins: ['https://www.example.com'] });
    });

    it("shows the key text only once: apiKeys has its prefix, and the database only the key's SHA-256", async () => {
      const tenant = await createTenant(gateway);
      const { apiKey, key } = await createApiKey(gateway, tenant.secretKey, { name: 'Shown once' });

      const listed = await gateway.gql<{ apiKeys: ApiKeyView[] }>(tenant.secretKey, API_KEYS);
      expect(listed.data?.apiKeys.find((k) => k.id === apiKey.id)?.prefix).toBe(apiKey.prefix);
      expect(JSON.stringify(listed.data)).not.toContain(key);

      const rows = await gateway.services.db.query<Record<string, unknown>>('select * from control.api_keys where id = $1', [apiKey.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.['secret_hash']).toBe(createHash('sha256').update(key).digest('hex'));
      expect(JSON.stringify(rows)).not.toContain(key);
    });
  });

  describe('scopes', () => {
    it("lets a key with only 'tenant:read' read its tenant, and nothing that needs another scope", async () => {
      const tenant = await createTenant(gateway);
      const { key } = await createApiKey(gateway, tenant.secretKey, { name: 'Read only', scopes: ['tenant:read'] });

      const own = await gateway.gql<{ tenant: { id: string } }>(key, TENANT);
      expect(own.errors).toBeUndefined();
      expect(own.data?.tenant).toEqual({ id: tenant.id });

      const list = await gateway.gql(key, API_KEYS);
      expect(codeOf(list)).toBe('FORBIDDEN');
      expect(list.errors?.[0]?.extensions?.['requiredScope']).toBe('keys:manage');

      const create = await gateway.gql(key, CREATE_API_KEY, { input: { name: 'Escalation' } });
      expect(codeOf(create)).toBe('FORBIDDEN');
      expect(create.errors?.[0]?.extensions?.['requiredScope']).toBe('keys:manage');

      const usage = await gateway.gql(key, '{ usage { operation count credits } }');
      expect(codeOf(usage)).toBe('FORBIDDEN');
      expect(usage.errors?.[0]?.extensions?.['requiredScope']).toBe('usage:read');

      // The refused createApiKey wrote nothing: the tenant still has its two default keys and this one.
      expect(await listApiKeys(gateway, tenant.secretKey)).toHaveLength(3);
    });
  });

  describe('apiKeys', () => {
    it("lists the tenant's keys in the order they were made, revoked ones included", async () => {
      const tenant = await createTenant(gateway);
      const first = await createApiKey(gateway, tenant.secretKey, { name: 'First' });
      const second = await createApiKey(gateway, tenant.secretKey, { name: 'Second' });
      await gateway.gql(tenant.secretKey, REVOKE_API_KEY, { id: first.apiKey.id });

      const keys = await listApiKeys(gateway, tenant.secretKey);
      expect(keys).toHaveLength(4);
      // The two default keys are made together when the tenant is, so their order between themselves is not defined.
      expect(keys.slice(0, 2).map((k) => k.kind).sort()).toEqual(['PUBLISHABLE', 'SECRET']);
      expect(keys.slice(2).map((k) => k.id)).toEqual([first.apiKey.id, second.apiKey.id]);
      expect(keys.find((k) => k.id === first.apiKey.id)?.revokedAt).not.toBeNull();
      expect(keys.find((k) => k.id === second.apiKey.id)?.revokedAt).toBeNull();
    });
  });

  describe('revokeApiKey', () => {
    it('stops the key at once on the gateway that revoked it, even though the key was just in use', async () => {
      const tenant = await createTenant(gateway);
      const { apiKey, key } = await createApiKey(gateway, tenant.secretKey, { name: 'Leaked' });
      expect((await gateway.gql(key, TENANT)).errors).toBeUndefined();

      const revoked = await gateway.gql<{ revokeApiKey: ApiKeyView }>(tenant.secretKey, REVOKE_API_KEY, { id: apiKey.id });
      expect(revoked.errors).toBeUndefined();
      expect(revoked.data?.revokeApiKey.id).toBe(apiKey.id);
      expect(Number.isNaN(Date.parse(revoked.data?.revokeApiKey.revokedAt ?? ''))).toBe(false);

      const after = await gateway.gql(key, TENANT);
      expect(codeOf(after)).toBe('UNAUTHENTICATED');
      expect(after.status).toBe(401);
      // The key that revoked it is unaffected.
      expect((await gateway.gql(tenant.secretKey, TENANT)).errors).toBeUndefined();
    });

    it('is harmless the second time and answers with the original revocation time', async () => {
      const tenant = await createTenant(gateway);
      const { apiKey } = await createApiKey(gateway, tenant.secretKey, { name: 'Twice' });

      const once = await gateway.gql<{ revokeApiKey: ApiKeyView }>(tenant.secretKey, REVOKE_API_KEY, { id: apiKey.id });
      const twice = await gateway.gql<{ revokeApiKey: ApiKeyView }>(tenant.secretKey, REVOKE_API_KEY, { id: apiKey.id });
      expect(once.errors).toBeUndefined();
      expect(twice.errors).toBeUndefined();
      expect(once.data?.revokeApiKey.revokedAt).not.toBeNull();
      expect(twice.data?.revokeApiKey.revokedAt).toBe(once.data?.revokeApiKey.revokedAt);
      const listed = (await listApiKeys(gateway, tenant.secretKey)).find((k) => k.id === apiKey.id);
      expect(listed?.revokedAt).toBe(once.data?.revokeApiKey.revokedAt);
    });
  });
});
