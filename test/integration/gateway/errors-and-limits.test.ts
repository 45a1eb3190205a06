import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codeOf,
  createTenant,
  startTestGateway,
  testConfig,
  type GqlResponse,
  type TestGateway,
  type TestTenant,
} from '../../support/test-gateway.js';

/** API.md: every GraphQL error carries one of these, and nothing else. */
const API_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'CREDITS_EXHAUSTED',
  'QUERY_TOO_COMPLEX',
  'INTERNAL',
];

function expectOnlyApiCodes(response: GqlResponse<unknown>): void {
  expect(response.errors?.length, 'expected at least one error').toBeGreaterThan(0);
  for (const error of response.errors ?? []) {
    expect(API_CODES, `code of "${error.message}"`).toContain(error.extensions?.['code']);
  }
}

/** `{ __type(name: "Query") { ofType { … name } } }` nested to exactly `depth` fields, and no list anywhere. */
function typeChainOfDepth(depth: number): string {
  const ofTypes = depth - 2;
  return `{ __type(name: "Query") { ${'ofType { '.repeat(ofTypes)}name${' }'.repeat(ofTypes)} } }`;
}

describe('GraphQL errors and query limits', () => {
  let gateway: TestGateway;
  let tenant: TestTenant;
  beforeAll(async () => {
    gateway = await startTestGateway();
    tenant = await createTenant(gateway);
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('every error carries a code of the closed set', () => {
    const cases: Array<{ name: string; as: 'tenant' | 'admin' | 'nobody' | 'bad key'; query: string; variables?: Record<string, unknown>; code: string }> = [
      { name: 'no Authorization header', as: 'nobody', query: '{ tenant { id } }', code: 'UNAUTHENTICATED' },
      { name: 'an unknown key', as: 'bad key', query: '{ tenant { id } }', code: 'UNAUTHENTICATED' },
      { name: 'the platform token on a tenant query', as: 'admin', query: '{ tenant { id } }', code: 'FORBIDDEN' },
      { name: 'a tenant key on a platform mutation', as: 'tenant', query: 'mutation { grantCredits(tenantId: "x", amount: 1, reason: "r") { balance } }', code: 'FORBIDDEN' },
      { name: 'an id that does not exist', as: 'tenant', query: 'mutation { revokeApiKey(id: "00000000-0000-0000-0000-000000000000") { id } }', code: 'NOT_FOUND' },
      { name: 'a syntax error', as: 'tenant', query: '{ tenant { id }', code: 'BAD_USER_INPUT' },
      { name: 'an unknown field', as: 'tenant', query: '{ tenant { id nickname } }', code: 'BAD_USER_INPUT' },
      { name: 'an argument literal of the wrong type', as: 'tenant', query: '{ auditLog(first: "ten") { id } }', code: 'BAD_USER_INPUT' },
      { name: 'a variable of the wrong type', as: 'tenant', query: 'query ($n: Int!) { auditLog(first: $n) { id } }', variables: { n: 'ten' }, code: 'BAD_USER_INPUT' },
      { name: 'a missing required variable', as: 'tenant', query: 'query ($n: Int!) { auditLog(first: $n) { id } }', code: 'BAD_USER_INPUT' },
      { name: 'an undeclared variable', as: 'tenant', query: '{ auditLog(first: $n) { id } }', code: 'BAD_USER_INPUT' },
      { name: 'two operations and no operationName', as: 'tenant', query: 'query A { tenant { id } } query B { tenant { name } }', code: 'BAD_USER_INPUT' },
      { name: 'a mutation and a query and no operationName', as: 'tenant', query: 'mutation M { revokeApiKey(id: "x") { id } } query Q { tenant { id } }', code: 'BAD_USER_INPUT' },
      { name: 'a page larger than MAX_PAGE_SIZE', as: 'tenant', query: '{ auditLog(first: 101) { id } }', code: 'BAD_USER_INPUT' },
      { name: 'a query nested too deep', as: 'tenant', query: typeChainOfDepth(40), code: 'QUERY_TOO_COMPLEX' },
    ];

    it.each(cases)('$name → $code', async ({ as, query, variables, code }) => {
      const token = { tenant: tenant.secretKey, admin: gateway.adminToken, nobody: undefined, 'bad key': 'sk_not_a_real_key' }[as];
      const response = await gateway.gql(token, query, variables);
      expectOnlyApiCodes(response);
      expect(codeOf(response)).toBe(code);
    });
  });

  it('answers an operationName the document does not hold with BAD_USER_INPUT', async () => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.secretKey}` },
      body: JSON.stringify({ query: 'query A { tenant { id } } query B { tenant { name } }', operationName: 'C' }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    expect(response.status).toBe(400);
    expect(body.errors?.map((error) => error.extensions?.['code'])).toEqual(['BAD_USER_INPUT']);
    expect(body.errors?.[0]?.message).toContain('"C"');
    expect(body.data).toBeUndefined();
  });

  it('answers a syntax error with 400 and where it is', async () => {
    const response = await gateway.gql(tenant.secretKey, '{ tenant { id }');
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/Syntax Error/);
    expect(response.data).toBeUndefined();
  });

  it('answers an unknown field with BAD_USER_INPUT naming the field, and runs nothing', async () => {
    const response = await gateway.gql(tenant.secretKey, '{ tenant { id nickname } }');
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toContain('nickname');
    expect(response.data).toBeUndefined();
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT naming the variable', async () => {
    const response = await gateway.gql(tenant.secretKey, 'query ($n: Int!) { auditLog(first: $n) { id } }', { n: 'ten' });
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toContain('$n');
  });

  it('lets a query as deep as MAX_QUERY_DEPTH through and refuses one level more with QUERY_TOO_COMPLEX', async () => {
    const max = gateway.config.MAX_QUERY_DEPTH;
    const atLimit = await gateway.gql(tenant.secretKey, typeChainOfDepth(max));
    expect(atLimit.errors).toBeUndefined();
    expect(atLimit.data).toEqual({ __type: { ofType: null } });

    const tooDeep = await gateway.gql(tenant.secretKey, typeChainOfDepth(max + 1));
    expect(tooDeep.status).toBe(400);
    expect(codeOf(tooDeep)).toBe('QUERY_TOO_COMPLEX');
    expect(tooDeep.errors?.[0]?.extensions).toMatchObject({ depth: max + 1, maxDepth: max });
    expect(tooDeep.data).toBeUndefined();
  });

  it('refuses the nested introspection query past MAX_QUERY_DEPTH', async () => {
    // __schema types fields type, then enough ofType levels to pass the limit.
    const levels = gateway.config.MAX_QUERY_DEPTH;
    const query = `{ __schema { types { fields { type { ${'ofType { '.repeat(levels)}fields { name }${' }'.repeat(levels)} } } } } }`;
    const response = await gateway.gql(tenant.secretKey, query);
    expect(codeOf(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors?.[0]?.message).toContain(`exceeds ${gateway.config.MAX_QUERY_DEPTH}`);
  });

  it('refuses a shallow query whose lists multiply past MAX_QUERY_COST with QUERY_TOO_COMPLEX', async () => {
    // 100 types × 100 fields × 100 args: shallow, but a million items.
    const response = await gateway.gql(tenant.secretKey, '{ __schema { types { fields { args { name } } } } }');
    expect(codeOf(response)).toBe('QUERY_TOO_COMPLEX');
    const extensions = response.errors?.[0]?.extensions ?? {};
    expect(extensions['depth']).toBeLessThanOrEqual(gateway.config.MAX_QUERY_DEPTH);
    expect(extensions['cost']).toBeGreaterThan(gateway.config.MAX_QUERY_COST);
  });

  it('bounds page sizes: auditLog(first: 101) and first: -1 are BAD_USER_INPUT, first: 100 runs', async () => {
    const tooMany = await gateway.gql(tenant.secretKey, '{ auditLog(first: 101) { id } }');
    expect(tooMany.status).toBe(400);
    expect(codeOf(tooMany)).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ argumentPath: 'auditLog.first', value: 101 });

    const viaVariable = await gateway.gql(tenant.secretKey, 'query ($n: Int!) { auditLog(first: $n) { id } }', { n: 101 });
    expect(codeOf(viaVariable)).toBe('BAD_USER_INPUT');

    const negative = await gateway.gql(tenant.secretKey, '{ auditLog(first: -1) { id } }');
    expect(codeOf(negative)).toBe('BAD_USER_INPUT');

    const atLimit = await gateway.gql(tenant.secretKey, '{ auditLog(first: 100) { id } }');
    expect(atLimit.errors).toBeUndefined();
    expect(Array.isArray((atLimit.data as { auditLog: unknown[] }).auditLog)).toBe(true);
  });

  it('audits a mutation that failed on its variables as BAD_USER_INPUT, never as ok', async () => {
    const own = await createTenant(gateway);
    const badVariable = await gateway.gql(own.secretKey, 'mutation ($input: ApiKeyInput!) { createApiKey(input: $input) { key } }', {
      input: { name: 'x', kind: 'SIDEWAYS' },
    });
    expect(codeOf(badVariable)).toBe('BAD_USER_INPUT');
    expect(await auditTrail(gateway, own)).toEqual([{ operation: 'createApiKey', outcome: 'BAD_USER_INPUT' }]);
  });
});

async function auditTrail(gateway: TestGateway, tenant: TestTenant): Promise<Array<{ operation: string; outcome: string }>> {
  const log = await gateway.gql<{ auditLog: Array<{ operation: string; outcome: string }> }>(
    tenant.secretKey,
    '{ auditLog(first: 100) { operation outcome } }',
  );
  expect(log.errors).toBeUndefined();
  return log.data!.auditLog;
}

describe('MAX_QUERY_DEPTH from the configuration', () => {
  let gateway: TestGateway;
  let tenant: TestTenant;
  const apiKeyCount = async () => {
    const rows = await gateway.services.db.query<{ n: number }>(
      'select count(*)::int as n from control.api_keys where tenant_id = $1',
      [tenant.id],
    );
    return rows[0]?.n;
  };
  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ MAX_QUERY_DEPTH: '2' }) });
    // The shared createTenant helper selects tenant { id } (depth 3); this gateway only allows 2.
    const created = await gateway.gql<{ createTenant: { secretKey: string } }>(
      gateway.adminToken,
      'mutation { createTenant(input: { name: "Shallow" }) { secretKey } }',
    );
    const secretKey = created.data!.createTenant.secretKey;
    const own = await gateway.gql<{ tenant: { id: string } }>(secretKey, '{ tenant { id } }');
    tenant = { id: own.data!.tenant.id, secretKey, publishableKey: '' };
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('holds queries to the configured depth', async () => {
    expect((await gateway.gql(tenant.secretKey, '{ tenant { id } }')).errors).toBeUndefined();
    const tooDeep = await gateway.gql(tenant.secretKey, '{ tenant { credits { balance } } }');
    expect(codeOf(tooDeep)).toBe('QUERY_TOO_COMPLEX');
    expect(tooDeep.errors?.[0]?.extensions).toMatchObject({ depth: 3, maxDepth: 2 });
    expect(tooDeep.data).toBeUndefined();
  });

  it('refuses a too-deep mutation before it runs: no key is created and nothing is audited', async () => {
    const keysBefore = await apiKeyCount();
    const response = await gateway.gql(tenant.secretKey, 'mutation { createApiKey(input: { name: "deep" }) { apiKey { id } } }');
    expect(codeOf(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.data).toBeUndefined();
    expect(await apiKeyCount()).toBe(keysBefore);
    // auditLog { operation outcome } is itself depth 2.
    expect(await auditTrail(gateway, tenant)).toEqual([]);
  });
});

describe('rate limit per key', () => {
  const LIMIT = 5;
  let gateway: TestGateway;
  let first: TestTenant;
  let second: TestTenant;
  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ RATE_LIMIT_PER_MINUTE: String(LIMIT) }) });
    first = await createTenant(gateway);
    second = await createTenant(gateway);
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('lets RATE_LIMIT_PER_MINUTE requests through, then answers 429 RATE_LIMITED with when to retry', async () => {
    for (let n = 1; n <= LIMIT; n += 1) {
      const response = await gateway.gql(first.secretKey, '{ tenant { id } }');
      expect(response.errors, `request ${n} of ${LIMIT}`).toBeUndefined();
      expect(response.status).toBe(200);
    }

    const limited = await gateway.gql(first.secretKey, '{ tenant { id } }');
    expect(limited.status).toBe(429);
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(limited.data).toBeUndefined();
    const retryAfter = limited.errors?.[0]?.extensions?.['retryAfter'];
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('retry-after')).toBe(String(retryAfter));
    // The internal HTTP hint stays on the server.
    expect(limited.errors?.[0]?.extensions?.['http']).toBeUndefined();

    // Still limited on the next try, mutations included.
    const mutation = await gateway.gql(first.secretKey, 'mutation { createApiKey(input: { name: "late" }) { key } }');
    expect(mutation.status).toBe(429);
    expect(codeOf(mutation)).toBe('RATE_LIMITED');
  });

  it("does not count one key's requests against another tenant's key", async () => {
    // The first key is over its limit (previous test); the second has used none of its own.
    expect(codeOf(await gateway.gql(first.secretKey, '{ tenant { id } }'))).toBe('RATE_LIMITED');
    for (let n = 1; n <= LIMIT; n += 1) {
      const response = await gateway.gql<{ tenant: { id: string } }>(second.secretKey, '{ tenant { id } }');
      expect(response.errors, `request ${n} of ${LIMIT}`).toBeUndefined();
      expect(response.data?.tenant.id).toBe(second.id);
    }
    expect(codeOf(await gateway.gql(second.secretKey, '{ tenant { id } }'))).toBe('RATE_LIMITED');
  });
});

describe('introspection', () => {
  const INTROSPECT = '{ __schema { types { name } } }';

  it('is available outside production', async () => {
    const gateway = await startTestGateway();
    try {
      const tenant = await createTenant(gateway);
      const response = await gateway.gql<{ __schema: { types: Array<{ name: string }> } }>(tenant.secretKey, INTROSPECT);
      expect(response.errors).toBeUndefined();
      expect(response.data?.__schema.types.map((type) => type.name)).toEqual(expect.arrayContaining(['Query', 'Mutation', 'Tenant']));
    } finally {
      await gateway.close();
    }
  });

  it('is refused in production with BAD_USER_INPUT, while ordinary queries and __typename still work', async () => {
    const gateway = await startTestGateway({ config: testConfig({ NODE_ENV: 'production' }) });
    try {
      const tenant = await createTenant(gateway);
      for (const query of [INTROSPECT, '{ __type(name: "Tenant") { fields { name } } }']) {
        const response = await gateway.gql(tenant.secretKey, query);
        expect(response.status, query).toBe(400);
        expectOnlyApiCodes(response);
        expect(codeOf(response), query).toBe('BAD_USER_INPUT');
        expect(response.data, query).toBeUndefined();
      }
      const ordinary = await gateway.gql<{ __typename: string; tenant: { id: string } }>(tenant.secretKey, '{ __typename tenant { id } }');
      expect(ordinary.errors).toBeUndefined();
      expect(ordinary.data).toEqual({ __typename: 'Query', tenant: { id: tenant.id } });
    } finally {
      await gateway.close();
    }
  });
});
