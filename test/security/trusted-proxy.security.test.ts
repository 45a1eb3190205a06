import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig } from '../../platform/config/config.js';
import { problemText } from '../../platform/outcome.js';
import { createApiKey, TENANT } from '../integration/api-keys/api-key-operations.js';
import { codeOf, createTenant, startTestGateway, testConfig, type GqlResponse, type TestGateway } from '../support/test-gateway.js';

/**
 * Finding: with TRUST_PROXY=true the gateway believed the leftmost
 * X-Forwarded-For entry, which the client writes itself, so a key restricted
 * to an office's addresses worked from anywhere behind the proxy.
 * Here the gateway sits behind one proxy (the test process, on 127.0.0.1),
 * which appends the address it saw to whatever the client sent.
 */

const OFFICE = '203.0.113.7';
const STRANGER = '198.51.100.9';

async function postThroughProxy(gateway: TestGateway, key: string, forwardedFor: string): Promise<GqlResponse<{ tenant: { id: string } }>> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ query: TENANT }),
  });
  const body = (await response.json()) as { data?: { tenant: { id: string } } | null; errors?: GqlResponse<unknown>['errors'] };
  return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
}

/** graphql-ws's handshake through the proxy: the close code says whether connection_init was accepted. */
function socketThroughProxy(gateway: TestGateway, key: string, forwardedFor: string): Promise<'acknowledged' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      headers: { 'x-forwarded-for': forwardedFor },
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type?: string }).type === 'connection_ack') {
        resolve('acknowledged');
        socket.close();
      }
    });
    socket.on('close', (code) => resolve(code));
    socket.on('error', reject);
  });
}

describe.each([
  ['a hop count', '1'],
  ['the proxy addresses', 'loopback'],
])('behind a trusted proxy named by %s (TRUST_PROXY=%s)', (_form, trustProxy) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TRUST_PROXY: trustProxy }) });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it("refuses an office-only key to a stranger who writes the office's address first in X-Forwarded-For", async () => {
    const office = await createTenant(gateway, { name: 'Office' });
    const other = await createTenant(gateway, { name: 'Other' });
    const { key } = await createApiKey(gateway, office.secretKey, { name: 'Office only', ipAllowlist: [`${OFFICE}/32`] });

    // The stranger sends "X-Forwarded-For: <office>", the proxy appends the stranger's own address.
    const spoofed = await postThroughProxy(gateway, key, `${OFFICE}, ${STRANGER}`);
    expect(codeOf(spoofed)).toBe('FORBIDDEN');
    expect(spoofed.data ?? null).toBeNull();
    expect(await socketThroughProxy(gateway, key, `${OFFICE}, ${STRANGER}`)).toBe(4403);

    // From the office itself, the proxy's entry is the office: the key works, for its own tenant only.
    const fromOffice = await postThroughProxy(gateway, key, OFFICE);
    expect(fromOffice.errors).toBeUndefined();
    expect(fromOffice.data?.tenant).toEqual({ id: office.id });
    expect(fromOffice.data?.tenant.id).not.toBe(other.id);
    expect(await socketThroughProxy(gateway, key, OFFICE)).toBe('acknowledged');
  });
});

describe('TRUST_PROXY', () => {
  it('refuses "true", which would trust every hop, naming the variable and the forms it takes', () => {
    for (const value of ['true', 'yes']) {
      const parsed = parseConfig({ TRUST_PROXY: value });
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(problemText(parsed.problem)).toMatch(/TRUST_PROXY: .*number of proxies.*loopback/);
    }
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/99' }).ok).toBe(false);
  });

  it('reads a hop count, a list of addresses and ranges, or false', () => {
    const read = (value: string) => {
      const parsed = parseConfig({ TRUST_PROXY: value });
      return parsed.ok ? parsed.value.TRUST_PROXY : problemText(parsed.problem);
    };
    expect(read('2')).toEqual({ hops: 2 });
    expect(read('loopback, 10.0.0.0/8,fd00::1')).toEqual({ addresses: ['loopback', '10.0.0.0/8', 'fd00::1'] });
    expect(read('false')).toBe(false);
    expect(read('0')).toBe(false);
  });
});
