import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { API_KEYS, REVOKE_API_KEY, TENANT, createApiKey, idOfKey } from '../api-keys/api-key-operations.js';

interface AuditEntry {
  id: string;
  actor: string;
  keyId: string | null;
  operation: string;
  outcome: string;
  at: string;
}

const AUDIT_LOG = `query ($first: Int, $before: ID) { auditLog(first: $first, before: $before) { id actor keyId operation outcome at } }`;

describe('auditLog', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  async function auditLog(token: string, variables: { first?: number; before?: string } = {}): Promise<AuditEntry[]> {
    const response = await gateway.gql<{ auditLog: AuditEntry[] }>(token, AUDIT_LOG, variables);
    if (response.data?.auditLog === undefined) throw new Error(`auditLog failed: ${JSON.stringify(response.errors)}`);
    return response.data.auditLog;
  }

  const auditRowsOf = async (tenantId: string) =>
    (await gateway.services.db.query<{ n: number }>('select count(*)::int as n from control.audit_log where tenant_id = $1', [tenantId]))[0]!.n;

  it('records a mutation with the calling key, its name and its outcome', async () => {
    const tenant = await createTenant(gateway);
    const callerId = await idOfKey(gateway, tenant.secretKey, tenant.secretKey);

    await createApiKey(gateway, tenant.secretKey, { name: 'Jane jane@example.com' });

    const entries = await auditLog(tenant.secretKey);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'key', keyId: callerId, operation: 'createApiKey', outcome: 'ok' });
    expect(Number.isNaN(Date.parse(entries[0]!.at))).toBe(false);
  });

  it('records a failed mutation with the error code the caller received', async () => {
    const tenant = await createTenant(gateway);
    const callerId = await idOfKey(gateway, tenant.secretKey, tenant.secretKey);

    const refused = await gateway.gql(tenant.secretKey, REVOKE_API_KEY, { id: 'key_doesnotexist' });
    expect(codeOf(refused)).toBe('NOT_FOUND');

    const entries = await auditLog(tenant.secretKey);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: 'key', keyId: callerId, operation: 'revokeApiKey', outcome: 'NOT_FOUND' });
  });

  it('records each field of a mutation with several, with its own outcome', async () => {
    const tenant = await createTenant(gateway);
    await gateway.gql(
      tenant.secretKey,
      `mutation { made: createApiKey(input: { name: "Batch" }) { key } missing: revokeApiKey(id: "key_doesnotexist") { id } }`,
    );

    const entries = await auditLog(tenant.secretKey);
    expect(entries.map(({ operation, outcome }) => ({ operation, outcome })).sort((x, y) => x.operation.localeCompare(y.operation))).toEqual([
      { operation: 'createApiKey', outcome: 'ok' },
      { operation: 'revokeApiKey', outcome: 'NOT_FOUND' },
    ]);
  });

  it('keeps no arguments, so no personal data, in the audit table', async () => {
    const tenant = await createTenant(gateway);
    await createApiKey(gateway, tenant.secretKey, { name: 'Jane jane@example.com' });

    // The address did reach the database, as the key's name; the audit table must not have it.
    const keys = await gateway.services.db.query('select * from control.api_keys where tenant_id = $1', [tenant.id]);
    expect(JSON.stringify(keys)).toContain('jane@example.com');
    expect(await auditRowsOf(tenant.id)).toBe(1);
    const audit = await gateway.services.db.query('select * from control.audit_log');
    expect(JSON.stringify(audit)).not.toContain('jane@example.com');
  });

  it('does not record queries', async () => {
    const tenant = await createTenant(gateway);
    expect((await gateway.gql(tenant.secretKey, TENANT)).errors).toBeUndefined();
    expect((await gateway.gql(tenant.secretKey, API_KEYS)).errors).toBeUndefined();
    await auditLog(tenant.secretKey);
    expect(await auditRowsOf(tenant.id)).toBe(0);

    await createApiKey(gateway, tenant.secretKey, { name: 'A mutation, for contrast' });
    expect(await auditRowsOf(tenant.id)).toBe(1);
  });

  it('lists newest first and pages with before', async () => {
    const tenant = await createTenant(gateway);
    await createApiKey(gateway, tenant.secretKey, { name: 'Older' });
    await gateway.gql(tenant.secretKey, REVOKE_API_KEY, { id: 'key_doesnotexist' });

    const [newest] = await auditLog(tenant.secretKey, { first: 1 });
    expect(newest).toMatchObject({ operation: 'revokeApiKey' });
    const older = await auditLog(tenant.secretKey, { first: 1, before: newest!.id });
    expect(older.map((entry) => entry.operation)).toEqual(['createApiKey']);
    expect(await auditLog(tenant.secretKey, { before: older[0]!.id })).toEqual([]);
  });

  it("never shows another tenant's entries", async () => {
    const a = await createTenant(gateway, { name: 'A' });
    const b = await createTenant(gateway, { name: 'B' });
    const aKeyId = await idOfKey(gateway, a.secretKey, a.secretKey);
    const bKeyId = await idOfKey(gateway, b.secretKey, b.secretKey);
    await createApiKey(gateway, a.secretKey, { name: 'A key' });
    await gateway.gql(a.secretKey, REVOKE_API_KEY, { id: 'key_doesnotexist' });
    await createApiKey(gateway, b.secretKey, { name: 'B key' });

    const seenByA = await auditLog(a.secretKey);
    const seenByB = await auditLog(b.secretKey);
    expect(seenByA.map((entry) => entry.keyId)).toEqual([aKeyId, aKeyId]);
    expect(seenByB).toHaveLength(1);
    expect(seenByB[0]).toMatchObject({ keyId: bKeyId, operation: 'createApiKey' });
    for (const entry of seenByA) expect(seenByB.map((e) => e.id)).not.toContain(entry.id);

    // Paging from one of A's ids does not reach into A's entries either.
    expect((await auditLog(b.secretKey, { before: seenByA[0]!.id })).every((entry) => entry.keyId === bKeyId)).toBe(true);
  });

  it('refuses a page larger than 100 as BAD_USER_INPUT', async () => {
    const tenant = await createTenant(gateway);
    const tooMany = await gateway.gql(tenant.secretKey, AUDIT_LOG, { first: 101 });
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.extensions?.['argumentPath']).toBe('auditLog.first');

    const negative = await gateway.gql(tenant.secretKey, AUDIT_LOG, { first: -1 });
    expect(codeOf(negative)).toBe('BAD_USER_INPUT');

    expect((await gateway.gql(tenant.secretKey, AUDIT_LOG, { first: 100 })).errors).toBeUndefined();
  });

  it('refuses a before that is no entry id as BAD_USER_INPUT', async () => {
    const tenant = await createTenant(gateway);
    const response = await gateway.gql(tenant.secretKey, AUDIT_LOG, { before: 'yesterday' });
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(['before']);
  });

  it("is FORBIDDEN to a key without 'audit:read', and to the platform token", async () => {
    const tenant = await createTenant(gateway);
    const { key } = await createApiKey(gateway, tenant.secretKey, { name: 'No audit', scopes: ['tenant:read', 'keys:manage'] });

    const response = await gateway.gql(key, AUDIT_LOG);
    expect(codeOf(response)).toBe('FORBIDDEN');
    expect(response.errors?.[0]?.extensions?.['requiredScope']).toBe('audit:read');
    expect(codeOf(await gateway.gql(gateway.adminToken, AUDIT_LOG))).toBe('FORBIDDEN');
  });
});
