import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../support/raw-request.js';
import { startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { dnsServersFor, provePixelHost } from '../../support/pixel-hosts.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway } from '../../support/test-gateway.js';
import { lanesBehindOnceProcessed } from '../ingest/segment-http.js';

const UPDATE = `mutation ($input: TrackingSettingsInput!) {
  updateTrackingSettings(input: $input) { scriptPath globalName cookieName requireConsent ipStorage }
}`;
const ADD_HOST = 'mutation ($host: String!) { addPixelHost(host: $host) }';
const REMOVE_HOST = 'mutation ($host: String!) { removePixelHost(host: $host) }';

async function getWithHost(gateway: TestGateway, path: string, host: string): Promise<{ status: number; body: string }> {
  const response = await rawRequest(gateway.url, path, { host });
  return { status: response.status, body: response.body.toString() };
}

describe('white-label settings, pixel hosts and email pixels', () => {
  let gateway: TestGateway;
  // The tenants' DNS provider: pixel hosts are proven through it.
  let dns: DnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({});
    gateway = await startTestGateway({ config: testConfig({ PIXEL_HOST_DNS_SERVERS: dnsServersFor(dns) }) });
  });
  afterAll(async () => {
    await gateway.close();
    await dns.close();
  });

  it('serves the script at the configured path, under the configured names, on a newly registered host once proven', async () => {
    const tenant = await createTenant(gateway);
    const host = `px-${Date.now()}.shop.test`;
    // Claimed, not yet serving: the active hosts do not list it.
    const added = await gateway.gql<{ addPixelHost: string[] }>(tenant.secretKey, ADD_HOST, { host: host.toUpperCase() });
    expect(added.errors).toBeUndefined();
    expect(added.data?.addPixelHost).toEqual([]);
    expect((await getWithHost(gateway, '/p.gif', host)).status).toBe(401);
    await provePixelHost(gateway, dns, tenant.secretKey, host);
    const active = await gateway.gql<{ pixelHosts: string[] }>(tenant.secretKey, '{ pixelHosts }');
    expect(active.data?.pixelHosts).toEqual([host]);
    const updated = await gateway.gql<{ updateTrackingSettings: Record<string, unknown> }>(tenant.secretKey, UPDATE, {
      input: { scriptPath: '/assets/app.js', globalName: 'shopStats', cookieName: 'shop_vid', ipStorage: 'truncated' },
    });
    expect(updated.data?.updateTrackingSettings).toEqual({
      scriptPath: '/assets/app.js',
      globalName: 'shopStats',
      cookieName: 'shop_vid',
      requireConsent: false,
      ipStorage: 'truncated',
    });
    const script = await getWithHost(gateway, '/assets/app.js', host);
    expect(script.status).toBe(200);
    expect(script.body).toContain('shopStats');
    expect(script.body).toContain('shop_vid');
    expect((await getWithHost(gateway, '/t.js', host)).status).toBe(404);

    const removed = await gateway.gql<{ removePixelHost: string[] }>(tenant.secretKey, REMOVE_HOST, { host });
    expect(removed.data?.removePixelHost).toEqual([]);
  });

  it('refuses invalid settings with the path, and a host another tenant holds; nothing changes', async () => {
    const tenant = await createTenant(gateway);
    for (const [input, path] of [
      [{ scriptPath: 'app.js' }, ['input', 'scriptPath']],
      [{ scriptPath: '/graphql/x.js' }, ['input', 'scriptPath']],
      [{ globalName: 'window' }, ['input', 'globalName']],
      [{ globalName: '1abc' }, ['input', 'globalName']],
      [{ cookieName: 'a b' }, ['input', 'cookieName']],
      [{ ipStorage: 'some' }, ['input', 'ipStorage']],
      [{ eventRetentionDays: 0 }, ['input', 'eventRetentionDays']],
      [{ eventRetentionDays: 3651 }, ['input', 'eventRetentionDays']],
    ] as const) {
      const response = await gateway.gql(tenant.secretKey, UPDATE, { input });
      expect({ input, code: codeOf(response), path: response.errors?.[0]?.extensions?.['argumentPath'] }).toEqual({
        input,
        code: 'BAD_USER_INPUT',
        path,
      });
    }
    const settings = await gateway.gql<{ tenant: { settings: { globalName: string; cookieName: string; eventRetentionDays: number } } }>(
      tenant.secretKey,
      '{ tenant { settings { globalName cookieName eventRetentionDays } } }',
    );
    expect(settings.data?.tenant.settings).toEqual({ globalName: 'lg', cookieName: '_lg_aid', eventRetentionDays: 396 });
  });

  it('keeps visitor addresses only as the tenant chose: truncated, or not at all', async () => {
    for (const [ipStorage, kept] of [
      ['truncated', '203.0.113.0'],
      ['none', null],
    ] as const) {
      const tenant = await createTenant(gateway);
      await gateway.gql(tenant.secretKey, UPDATE, { input: { ipStorage } });
      // Answered once the event is processed (the address is masked as it is processed), so what was stored can be read.
      const response = await fetch(`${gateway.url}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${tenant.publishableKey}:`).toString('base64')}`,
          prefer: 'processed',
        },
        body: JSON.stringify({ event: 'Viewed', anonymousId: 'v', context: { ip: '203.0.113.77' } }),
      });
      expect({ status: response.status, body: (await response.json()) as unknown }).toEqual({
        status: 200,
        body: { success: true, accepted: 1, duplicates: 0, processed: true },
      });
      const stored = await gateway.services.db.query<{ ip: string | null; context_ip: string | null }>(
        `select s.ip, e.context->>'ip' as context_ip from "t_${tenant.id}".events e join "t_${tenant.id}".sessions s on s.id = e.session_id`,
      );
      expect({ ipStorage, stored }).toEqual({ ipStorage, stored: [{ ip: kept, context_ip: kept }] });
    }
  });

  it("cannot take or remove another tenant's pixel host", async () => {
    const host = `held-${Date.now()}.shop.test`;
    const a = await createTenant(gateway, { pixelHosts: [host] });
    const b = await createTenant(gateway);
    expect(codeOf(await gateway.gql(b.secretKey, ADD_HOST, { host }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gateway.gql(b.secretKey, REMOVE_HOST, { host }))).toBe('NOT_FOUND');
    const held = await gateway.gql<{ pixelHosts: string[] }>(a.secretKey, '{ pixelHosts }');
    expect(held.data?.pixelHosts).toEqual([host]);
  });

  it('hands out an email pixel that records an open for its own tenant only', async () => {
    const tenant = await createTenant(gateway);
    const response = await gateway.gql<{ emailPixel: string }>(tenant.secretKey, '{ emailPixel(email: "Reader@Shop.test", campaign: "nov") }');
    const url = new URL(response.data?.emailPixel ?? '');
    expect(url.pathname).toMatch(/^\/o\/[\w.-]+\.gif$/);
    const opened = await fetch(`${gateway.url}${url.pathname}`);
    expect(opened.status).toBe(200);
    expect(opened.headers.get('content-type')).toBe('image/gif');
    // A mail client's pixel cannot ask to wait: the open is read once the processor has taken up the tenant's log.
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    const events = await gateway.services.db.query<{ name: string }>(`select name from "t_${tenant.id}".events`);
    expect(events.map((e) => e.name)).toEqual(['email_open']);

    expect(codeOf(await gateway.gql(tenant.secretKey, '{ emailPixel(email: "not-an-email") }'))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gateway.gql(gateway.adminToken, '{ emailPixel(email: "a@b.io") }'))).toBe('FORBIDDEN');
  });
});

describe('lookupIp', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('names the network of an address and flags hosting networks', async () => {
    const tenant = await createTenant(gateway);
    const response = await gateway.gql<{ lookupIp: Record<string, unknown> }>(
      tenant.secretKey,
      '{ lookupIp(ip: "8.8.8.8") { ip asn organization isHosting networkKind company { id } } }',
    );
    expect(response.data?.lookupIp).toMatchObject({ ip: '8.8.8.8', asn: 15169, isHosting: true, networkKind: 'hosting', company: null });
    expect(String(response.data?.lookupIp['organization'])).toMatch(/google/i);
  });

  it('refuses what is not an address, and needs a tenant key', async () => {
    const tenant = await createTenant(gateway);
    const bad = await gateway.gql(tenant.secretKey, '{ lookupIp(ip: "999.1.1.1") { asn } }');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(codeOf(await gateway.gql(tenant.publishableKey, '{ lookupIp(ip: "8.8.8.8") { asn } }'))).toBe('UNAUTHENTICATED');
  });
});
