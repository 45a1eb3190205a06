import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type GqlResponse, type TestGateway, type TestTenant } from '../../support/test-gateway.js';

const MIB = 1024 * 1024;

interface ErrorBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

describe('GraphQL over HTTP at the edge', () => {
  let gateway: TestGateway;
  let tenant: TestTenant;
  let auditRowsBefore: number;
  let keysBefore: number;

  const countRows = async (sql: string): Promise<number> => {
    const rows = await gateway.services.db.query<{ n: number }>(sql, [tenant.id]);
    return rows[0]?.n ?? -1;
  };
  const auditRows = () => countRows('select count(*)::int as n from control.audit_log where tenant_id = $1');
  const apiKeys = () => countRows('select count(*)::int as n from control.api_keys where tenant_id = $1');

  /** A raw request as tenant, so the body and headers are exactly what the test says. */
  const send = async (init: { method?: string; path?: string; contentType?: string; encoding?: string; body?: RequestInit['body']; duplex?: 'half' }) => {
    const response = await fetch(`${gateway.url}${init.path ?? '/graphql'}`, {
      method: init.method ?? 'POST',
      headers: {
        authorization: `Bearer ${tenant.secretKey}`,
        ...(init.contentType === undefined ? {} : { 'content-type': init.contentType }),
        ...(init.encoding === undefined ? {} : { 'content-encoding': init.encoding }),
      },
      body: init.body,
      ...(init.duplex === undefined ? {} : { duplex: init.duplex }),
    });
    const text = await response.text();
    let body: ErrorBody | undefined;
    try {
      body = JSON.parse(text) as ErrorBody;
    } catch {
      body = undefined;
    }
    return { status: response.status, headers: response.headers, text, body };
  };
  const firstError = (body: ErrorBody | undefined) => body?.errors?.[0];

  beforeAll(async () => {
    gateway = await startTestGateway();
    tenant = await createTenant(gateway);
    auditRowsBefore = await auditRows();
    keysBefore = await apiKeys();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('answers malformed JSON with 400, the parser’s reason and BAD_USER_INPUT', async () => {
    const response = await send({ contentType: 'application/json', body: '{"query": "{ tenant { id } }"' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const error = firstError(response.body);
    expect(error?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(error?.message).toMatch(/^malformed JSON body: .+/);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await send({ contentType: 'text/plain', body: JSON.stringify({ query: '{ tenant { id } }' }) });
    expect(response.status).toBe(415);
    expect(firstError(response.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(firstError(response.body)?.message).toContain('application/json');

    const none = await send({ body: JSON.stringify({ query: '{ tenant { id } }' }) });
    // fetch labels a string body text/plain when no type is given.
    expect(none.status).toBe(415);
  });

  it('refuses batched requests (a JSON array) with 400', async () => {
    const response = await send({
      contentType: 'application/json',
      body: JSON.stringify([{ query: '{ tenant { id } }' }, { query: '{ tenant { name } }' }]),
    });
    expect(response.status).toBe(400);
    expect(firstError(response.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(firstError(response.body)?.message).toContain('batching');
    expect(response.body?.data).toBeUndefined();
  });

  it('refuses a JSON value that is not an object with 400', async () => {
    for (const body of ['42', '"{ tenant { id } }"', 'null']) {
      const response = await send({ contentType: 'application/json', body });
      expect(response.status, body).toBe(400);
      expect(firstError(response.body)?.extensions?.['code'], body).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a body over 1 MiB with 413, whether its length is declared or streamed', async () => {
    const padding = 'x'.repeat(MIB);
    const oversized = JSON.stringify({ query: `{ tenant { id } } # ${padding}` });
    expect(Buffer.byteLength(oversized)).toBeGreaterThan(MIB);

    const declared = await send({ contentType: 'application/json', body: oversized });
    expect(declared.status).toBe(413);
    expect(firstError(declared.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');

    // Chunked, without Content-Length: the limit holds while reading.
    const chunks = [oversized.slice(0, MIB / 2), oversized.slice(MIB / 2)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const streamed = await send({ contentType: 'application/json', body: stream, duplex: 'half' });
    expect(streamed.status).toBe(413);
    expect(firstError(streamed.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const query = '{ tenant { id } }';
    const envelope = JSON.stringify({ query: `${query} # ` });
    const padded = JSON.stringify({ query: `${query} # ${'x'.repeat(MIB - Buffer.byteLength(envelope))}` });
    expect(Buffer.byteLength(padded)).toBe(MIB);
    const response = await send({ contentType: 'application/json', body: padded });
    expect(response.status).toBe(200);
    expect(response.body?.errors).toBeUndefined();
    expect(response.body?.data).toEqual({ tenant: { id: tenant.id } });
  });

  it('reads a gzip or deflate body as the ingestion routes do, and refuses one that decodes past 1 MiB or an unknown coding', async () => {
    const request = JSON.stringify({ query: '{ tenant { id } }' });
    for (const [encoding, body] of [['gzip', gzipSync(request)], ['deflate', deflateSync(request)]] as const) {
      const response = await send({ contentType: 'application/json', encoding, body });
      expect({ encoding, status: response.status, data: response.body?.data }).toEqual({ encoding, status: 200, data: { tenant: { id: tenant.id } } });
    }
    // A few KB on the wire that would be 2 MiB decoded: refused while decoding.
    const bomb = gzipSync(JSON.stringify({ query: `{ tenant { id } } # ${'x'.repeat(2 * MIB)}` }));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const refused = await send({ contentType: 'application/json', encoding: 'gzip', body: bomb });
    expect(refused.status).toBe(413);
    expect(firstError(refused.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const unknown = await send({ contentType: 'application/json', encoding: 'br', body: request });
    expect(unknown.status).toBe(415);
    expect(firstError(unknown.body)?.message).toContain('gzip or deflate');
  });

  it('answers a JSON object that is not a GraphQL request with 400 and BAD_USER_INPUT', async () => {
    const response = await send({ contentType: 'application/json', body: JSON.stringify({ foo: 1 }) });
    expect(response.status).toBe(400);
    const codes = response.body?.errors?.map((error) => error.extensions?.['code']);
    expect(codes?.length).toBeGreaterThan(0);
    expect(new Set(codes)).toEqual(new Set(['BAD_USER_INPUT']));
  });

  it('answers an unknown route with 404 and names the path', async () => {
    const response = await send({ method: 'GET', path: '/graphql-nope' });
    expect(response.status).toBe(404);
    expect(firstError(response.body)?.extensions?.['code']).toBe('NOT_FOUND');
    expect(firstError(response.body)?.message).toContain('/graphql-nope');
  });

  it('refuses methods other than GET and POST with 405 and an Allow header', async () => {
    const response = await send({ method: 'PUT', contentType: 'application/json', body: JSON.stringify({ query: '{ tenant { id } }' }) });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(firstError(response.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('runs a query sent with GET', async () => {
    const response = await send({ method: 'GET', path: `/graphql?query=${encodeURIComponent('{tenant{id}}')}` });
    expect(response.status).toBe(200);
    expect(response.body?.errors).toBeUndefined();
    expect(response.body?.data).toEqual({ tenant: { id: tenant.id } });

    const withVariables = await send({
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('query ($n: Int!) { auditLog(first: $n) { id } }')}&variables=${encodeURIComponent('{"n":1}')}`,
    });
    expect(withVariables.status).toBe(200);
    expect(withVariables.body?.errors).toBeUndefined();
    expect(withVariables.body?.data).toEqual({ auditLog: [] });
  });

  it('refuses a mutation sent with GET, and runs nothing', async () => {
    const mutation = 'mutation { createApiKey(input: { name: "via GET" }) { key } }';
    const response = await send({ method: 'GET', path: `/graphql?query=${encodeURIComponent(mutation)}` });
    expect(response.status).toBe(405);
    expect(firstError(response.body)?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(response.body?.data).toBeUndefined();
    expect(await apiKeys()).toBe(keysBefore);
  });

  it('wrote nothing for any of the requests refused above', async () => {
    // Runs last in this file: every refused request above was made with the tenant's key.
    expect(await auditRows()).toBe(auditRowsBefore);
    expect(await apiKeys()).toBe(keysBefore);

    // The control: the same mutation over POST runs and is audited, so the count can move.
    const posted: GqlResponse<{ createApiKey: { key: string } }> = await gateway.gql(
      tenant.secretKey,
      'mutation { createApiKey(input: { name: "via POST" }) { key } }',
    );
    expect(codeOf(posted)).toBeUndefined();
    expect(posted.data?.createApiKey.key).toMatch(/^sk_/);
    expect(await auditRows()).toBe(auditRowsBefore + 1);
    expect(await apiKeys()).toBe(keysBefore + 1);
  });
});
