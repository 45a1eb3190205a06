/**
 * The operator's codec endpoint (Temporal's codec server protocol): Temporal's
 * UI and CLI send it the payloads a history holds and show what it answers.
 * Only the operator's token opens it; an offboarded tenant's payloads stay
 * encrypted, for it as for every codec (crypto-shredding).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Payload } from '@temporalio/common';
import { eventually } from '../../support/eventually.js';
import { rawRequest } from '../../support/raw-request.js';
import { createTenant, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { withEnrichmentStack } from '../../support/enrichment-stack.js';
import { encodingOf, payloadsOf, readHistories } from '../../support/workflow-histories.js';
import { exportPerson } from '../../workflows/privacy-operations.js';
import { createTenantPayloadCodec, ENCRYPTED_ENCODING } from '../../../workflows/tenant-payload-codec.js';
import { createTenantDataKeys } from '../../../tenants/secrets/tenant-data-keys.js';
import { findTemporalCli } from '../../../platform/embedded/temporal-dev-server.js';

const UI_ORIGIN = 'http://temporal-ui.test:8233';
type JsonPayload = { metadata: Record<string, string>; data: string };

const toJson = (payload: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});
const plain = (value: unknown): JsonPayload => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: Buffer.from(JSON.stringify(value)).toString('base64'),
});
const textOf = (payload: JsonPayload): string => Buffer.from(payload.data, 'base64').toString('utf8');
const encodingOfJson = (payload: JsonPayload): string => Buffer.from(payload.metadata['encoding'] ?? '', 'base64').toString('utf8');

describe('the operator’s Temporal codec endpoint', () => {
  let gateway: TestGateway;
  withEnrichmentStack({ name: 'codec', config: { TEMPORAL_UI_ORIGINS: UI_ORIGIN } }, (stack) => {
    gateway = stack.gateway;
  });

  const post = (action: 'encode' | 'decode', payloads: JsonPayload[], headers: Record<string, string> = {}, path = '/operator/temporal-codec') =>
    rawRequest(gateway.url, `${path}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': gateway.config.TEMPORAL_NAMESPACE, ...headers },
      body: JSON.stringify({ payloads }),
    });
  const operator = () => ({ authorization: `Bearer ${gateway.adminToken}` });
  const payloadsIn = (response: { body: Buffer }): JsonPayload[] => (JSON.parse(response.body.toString('utf8')) as { payloads: JsonPayload[] }).payloads;

  /** The payloads of the tenant's export workflow, as Temporal's server holds them. */
  async function exportHistoryPayloads(tenant: TestTenant): Promise<{ requestId: string; payloads: Payload[] }> {
    const request = await exportPerson(gateway, tenant, { email: `nobody-${randomBytes(3).toString('hex')}@codec.test` });
    const query = `WorkflowId = "export:${tenant.id}:${request.id}"`;
    const [history] = await eventually(
      () => readHistories(gateway.services.temporalClient, gateway.config.TEMPORAL_NAMESPACE, query),
      (read) => read.length === 1,
    );
    return { requestId: request.id, payloads: payloadsOf(history!) };
  }

  it('decodes a tenant’s history for the operator, and encodes for a named tenant', async () => {
    const tenant = await createTenant(gateway);
    const { requestId, payloads } = await exportHistoryPayloads(tenant);
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.every((p) => encodingOf(p) === ENCRYPTED_ENCODING)).toBe(true);

    const decoded = await post('decode', payloads.map(toJson), operator());
    expect(decoded.status).toBe(200);
    const texts = payloadsIn(decoded).map(textOf);
    expect(payloadsIn(decoded).map(encodingOfJson).filter((encoding) => !['json/plain', 'binary/null'].includes(encoding))).toEqual([]);
    // The workflow's input: the request's id, not who it is about.
    expect(texts).toContainEqual(JSON.stringify({ tenantId: tenant.id, schema: `t_${tenant.id}`, requestId }));

    // The CLI's {namespace} template, and what the UI sends when starting or signalling: encoded under the tenant's key.
    const encoded = await post('encode', [plain({ hello: 'world' })], { ...operator(), 'x-leadgraph-tenant': tenant.id }, `/operator/temporal-codec/${gateway.config.TEMPORAL_NAMESPACE}`);
    expect(encoded.status).toBe(200);
    const [sealed] = payloadsIn(encoded);
    expect(encodingOfJson(sealed!)).toBe(ENCRYPTED_ENCODING);
    expect(textOf(sealed!)).not.toContain('hello');
    const opened = payloadsIn(await post('decode', [sealed!], operator()));
    expect(opened.map(textOf)).toEqual([JSON.stringify({ hello: 'world' })]);
    // Payloads no codec encrypted (the platform's own workflows) come back as they are.
    expect(payloadsIn(await post('decode', [plain(1)], operator()))).toEqual([plain(1)]);
  });

  it('is what Temporal’s CLI shows a history through: `temporal workflow show --codec-endpoint … --codec-auth …`', async () => {
    const binary = findTemporalCli(process.env.TEMPORAL_CLI);
    expect(binary, 'Temporal CLI not found (TEMPORAL_CLI, PATH, ~/.cache/leadgraph)').toBeDefined();
    const tenant = await createTenant(gateway);
    const { requestId } = await exportHistoryPayloads(tenant);
    const show = ['workflow', 'show', '--address', gateway.config.TEMPORAL_ADDRESS ?? '', '--namespace', gateway.config.TEMPORAL_NAMESPACE];
    const args = [...show, '--workflow-id', `export:${tenant.id}:${requestId}`, '--output', 'json'];
    const endpoint = ['--codec-endpoint', `${gateway.url}/operator/temporal-codec/{namespace}`];
    const run = async (extra: string[]) => (await promisify(execFile)(binary!, [...args, ...extra])).stdout;
    // The CLI prints the started event's input as proto JSON, bytes in base64.
    const inputOf = (shown: string): JsonPayload => {
      const { events } = JSON.parse(shown) as { events: Array<{ workflowExecutionStartedEventAttributes?: { input?: { payloads?: JsonPayload[] } } }> };
      return events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] ?? { metadata: {}, data: '' };
    };
    // Without the codec the input is ciphertext; through it, the request's id (and nothing about the person).
    const raw = inputOf(await run([]));
    expect(encodingOfJson(raw)).toBe(ENCRYPTED_ENCODING);
    expect(textOf(raw)).not.toContain(requestId);
    const decoded = inputOf(await run([...endpoint, '--codec-auth', `Bearer ${gateway.adminToken}`]));
    expect(JSON.parse(textOf(decoded))).toEqual({ tenantId: tenant.id, schema: `t_${tenant.id}`, requestId });
  });

  it('answers 401 without the operator’s token, 403 to a tenant’s key, and decodes nothing for either', async () => {
    const tenant = await createTenant(gateway);
    const { payloads } = await exportHistoryPayloads(tenant);
    const body = payloads.map(toJson);
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer adm_not-the-token' }, { authorization: `Basic ${Buffer.from(`${gateway.adminToken}:`).toString('base64')}` }]) {
      const refused = await post('decode', body, headers);
      expect(refused.status).toBe(401);
      expect(refused.body.toString('utf8')).not.toContain(tenant.id);
    }
    // Another tenant's key and the tenant's own: neither is the operator.
    const other = await createTenant(gateway);
    for (const key of [tenant.secretKey, other.secretKey]) {
      const forbidden = await post('decode', body, { authorization: `Bearer ${key}` });
      expect(forbidden.status).toBe(403);
      expect(JSON.parse(forbidden.body.toString('utf8'))).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    }
    expect((await post('encode', [plain(1)], { authorization: `Bearer ${tenant.secretKey}`, 'x-leadgraph-tenant': tenant.id })).status).toBe(403);
  });

  it('refuses malformed bodies and an encode without a tenant with BAD_USER_INPUT', async () => {
    const bad = await rawRequest(gateway.url, '/operator/temporal-codec/decode', { method: 'POST', headers: { ...operator(), 'content-type': 'application/json' }, body: '{"payloads": "x"}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString('utf8'))).toMatchObject({ errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    expect((await post('encode', [plain(1)], operator())).status).toBe(400);
    expect((await post('encode', [plain(1)], { ...operator(), 'x-leadgraph-tenant': 'nosuchtenant00' })).status).toBe(400);
    expect((await rawRequest(gateway.url, '/operator/temporal-codec/decode', { headers: operator() })).status).toBe(405);
  });

  it('lets the configured Temporal UI call it from a browser, and no other origin', async () => {
    const preflight = await rawRequest(gateway.url, '/operator/temporal-codec/decode', {
      method: 'OPTIONS',
      headers: { origin: UI_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/authorization.*content-type.*x-namespace/);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    const decoded = await post('decode', [plain(1)], { ...operator(), origin: UI_ORIGIN });
    expect(decoded.headers['access-control-allow-origin']).toBe(UI_ORIGIN);

    const elsewhere = await rawRequest(gateway.url, '/operator/temporal-codec/decode', { method: 'OPTIONS', headers: { origin: 'https://evil.test' } });
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('cannot decode an offboarded tenant’s history: its data key is destroyed (crypto-shredding)', async () => {
    const leaving = await createTenant(gateway);
    const staying = await createTenant(gateway);
    const left = await exportHistoryPayloads(leaving);
    const kept = await exportHistoryPayloads(staying);
    expect(payloadsIn(await post('decode', left.payloads.map(toJson), operator())).map(textOf).join()).toContain(left.requestId);

    const deletion = (await gateway.data<{ deleteTenant: { id: string } }>(gateway.adminToken, 'mutation ($id: ID!) { deleteTenant(id: $id) { id } }', { id: leaving.id })).deleteTenant;
    const done = await eventually(
      () => gateway.data<{ tenantDeletion: { status: string; erased: Record<string, number> } }>(gateway.adminToken, 'query ($id: ID!) { tenantDeletion(id: $id) { status erased } }', { id: deletion.id }),
      (read) => read.tenantDeletion.status === 'COMPLETED',
    );
    expect(done.tenantDeletion).toMatchObject({ status: 'COMPLETED', erased: { dataKeys: 1 } });
    const [row] = await gateway.services.db.query<{ sealed: string | null; destroyed_at: Date | null }>('select sealed, destroyed_at from control.tenant_data_keys where tenant_id = $1', [leaving.id]);
    expect(row).toMatchObject({ sealed: null, destroyed_at: expect.any(Date) });

    // Through the endpoint the leaving tenant's payloads come back encrypted; the staying tenant's still open.
    const after = payloadsIn(await post('decode', left.payloads.map(toJson), operator()));
    expect(after).toEqual(left.payloads.map(toJson));
    expect(after.every((p) => encodingOfJson(p) === ENCRYPTED_ENCODING)).toBe(true);
    expect(payloadsIn(await post('decode', kept.payloads.map(toJson), operator())).map(textOf).join()).toContain(kept.requestId);
    // Nor can any process holding the master key: a codec of its own reads the key anew and finds none.
    const fresh = createTenantPayloadCodec(createTenantDataKeys({ control: gateway.services.control, secrets: gateway.services.secrets, cacheMs: 0, now: Date.now }));
    await expect(fresh.decode(left.payloads)).rejects.toThrow(/destroyed or unknown/);
    // And no key is made for it again.
    await expect(fresh.encodeFor(leaving.id, [left.payloads[0]!])).rejects.toThrow(/destroyed/);
  }, 120_000);
});
