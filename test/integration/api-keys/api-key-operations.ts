import type { TestGateway } from '../../support/test-gateway.js';

/** The public shape of a key, as `apiKeys`, `createApiKey` and `revokeApiKey` return it. */
export interface ApiKeyView {
  readonly id: string;
  readonly kind: 'SECRET' | 'PUBLISHABLE';
  readonly name: string;
  readonly prefix: string;
  readonly scopes: string[];
  readonly ipAllowlist: string[];
  readonly allowedOrigins: string[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface ApiKeyInput {
  name: string;
  kind?: 'SECRET' | 'PUBLISHABLE';
  scopes?: string[];
  ipAllowlist?: string[];
  allowedOrigins?: string[];
}

const FIELDS = 'id kind name prefix scopes ipAllowlist allowedOrigins createdAt revokedAt';

export const API_KEYS = `{ apiKeys { ${FIELDS} } }`;
export const CREATE_API_KEY = `mutation ($input: ApiKeyInput!) { createApiKey(input: $input) { apiKey { ${FIELDS} } key } }`;
export const REVOKE_API_KEY = `mutation ($id: ID!) { revokeApiKey(id: $id) { ${FIELDS} } }`;
export const TENANT = '{ tenant { id } }';

/** Creates a key through the public mutation; fails loudly so a broken setup is not mistaken for the behaviour under test. */
export async function createApiKey(
  gateway: TestGateway,
  token: string,
  input: ApiKeyInput,
): Promise<{ apiKey: ApiKeyView; key: string }> {
  const response = await gateway.gql<{ createApiKey: { apiKey: ApiKeyView; key: string } }>(token, CREATE_API_KEY, { input });
  const created = response.data?.createApiKey;
  if (created === undefined) throw new Error(`createApiKey failed: ${JSON.stringify(response.errors)}`);
  return created;
}

export async function listApiKeys(gateway: TestGateway, token: string): Promise<ApiKeyView[]> {
  const response = await gateway.gql<{ apiKeys: ApiKeyView[] }>(token, API_KEYS);
  const keys = response.data?.apiKeys;
  if (keys === undefined) throw new Error(`apiKeys failed: ${JSON.stringify(response.errors)}`);
  return keys;
}

/** The id of the key `secret`, found the way a tenant would: by the prefix `apiKeys` shows. */
export async function idOfKey(gateway: TestGateway, token: string, secret: string): Promise<string> {
  const matching = (await listApiKeys(gateway, token)).filter((key) => secret.startsWith(key.prefix));
  if (matching.length !== 1) throw new Error(`expected one key with the prefix of ${secret.slice(0, 10)}…, found ${matching.length}`);
  return matching[0]!.id;
}

/** Rows of one tenant only: files running in parallel create keys of their own tenants meanwhile. */
export async function countApiKeyRows(gateway: TestGateway, tenantId: string): Promise<number> {
  const rows = await gateway.services.db.query<{ n: number }>('select count(*)::int as n from control.api_keys where tenant_id = $1', [
    tenantId,
  ]);
  return rows[0]!.n;
}
