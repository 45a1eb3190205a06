import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEmailPixelToken } from '../../../api/ingest/pixels/email-pixel-token.js';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { rawRequest } from '../../support/raw-request.js';
import { countEvents, lanesBehindOnceProcessed } from './segment-http.js';

const send = (gateway: TestGateway, path: string, opts: Parameters<typeof rawRequest>[2] = {}) => rawRequest(gateway.url, path, opts);

const isGif = (body: Buffer) => body.subarray(0, 6).toString('latin1') === 'GIF89a';

// Beacons and pixels are answered once their message is appended and cannot ask to wait for processing:
// each test waits for the processor to take up the tenant's log before it reads what was (or was not) stored.

describe('tracking script and pixels', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('serves the script for a publishable key, and refuses an unknown one', async () => {
    const tenant = await createTenant(gateway);
    const script = await send(gateway, `/t.js?k=${tenant.publishableKey}`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.body.toString()).toContain(tenant.publishableKey);
    expect((await send(gateway, '/t.js?k=pk_unknown')).status).toBe(401);
  });

  it("on a tenant's pixel host serves script and collection with no trace of the platform, and nothing else", async () => {
    const host = `t.shop-${Date.now()}.test`;
    const tenant = await createTenant(gateway, { pixelHosts: [host] });
    const script = await send(gateway, '/t.js', { host });
    expect(script.status).toBe(200);
    const visible = `${script.body.toString()} ${JSON.stringify(script.headers)}`;
    expect(visible.toLowerCase()).not.toContain('leadgraph');
    expect(script.body.toString()).not.toContain('pk_');

    const beacon = await send(gateway, '/v1/batch', {
      host,
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ batch: [{ type: 'page', anonymousId: 'v1', properties: { path: '/' } }] }),
    });
    expect(beacon.status).toBe(200);
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    expect(await countEvents(gateway, tenant.id)).toBe(1);

    for (const path of ['/graphql', '/metrics', '/readyz']) {
      const refused = await send(gateway, path, { host });
      expect({ path, status: refused.status }).toEqual({ path, status: 404 });
      expect(refused.body.toString().toLowerCase()).not.toContain('leadgraph');
    }
  });

  it('records a page view from the no-JavaScript pixel and gives a first visit its cookie', async () => {
    const tenant = await createTenant(gateway);
    const query = new URLSearchParams({ k: tenant.publishableKey, url: 'https://shop.test/pricing?utm_source=ads', title: 'Pricing' });
    const pixel = await send(gateway, `/p.gif?${query.toString()}`);
    expect(pixel.status).toBe(200);
    expect(isGif(pixel.body)).toBe(true);
    expect(String(pixel.headers['set-cookie'])).toMatch(/^_lg_aid=[0-9a-f-]{36}; Max-Age=/);
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    const events = await gateway.services.db.query<{ name: string; properties: Record<string, unknown> }>(
      `select name, properties from "t_${tenant.id}".events`,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ name: 'page_view', properties: { title: 'Pricing', path: '/pricing' } });

    const unknown = await send(gateway, '/p.gif?k=pk_unknown');
    expect(unknown.status).toBe(401);
    expect(isGif(unknown.body)).toBe(true);
  });

  it('records an email open for a signed token, and nothing for a tampered or foreign one, answering a GIF each time', async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const secretOf = async (id: string) =>
      (await gateway.services.db.query<{ pixel_secret: Buffer }>('select pixel_secret from control.tenants where id = $1', [id]))[0]
        ?.pixel_secret ?? Buffer.alloc(0);
    const token = signEmailPixelToken({ tenantId: tenant.id, email: 'Reader@Example.com', campaign: 'nov', issuedAt: Date.now() }, await secretOf(tenant.id));

    const opened = await send(gateway, `/o/${token}.gif`);
    expect(opened.status).toBe(200);
    expect(isGif(opened.body)).toBe(true);
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    const rows = await gateway.services.db.query<{ name: string; email: string }>(
      `select e.name, l.email from "t_${tenant.id}".events e join "t_${tenant.id}".leads l on l.id = e.lead_id`,
    );
    expect(rows).toEqual([{ name: 'email_open', email: 'reader@example.com' }]);

    const [payload, mac] = token.split('.');
    const tampered = await send(gateway, `/o/${payload}x.${mac}.gif`);
    expect(tampered.status).toBe(200);
    expect(isGif(tampered.body)).toBe(true);
    // Signed with the other tenant's secret but claiming this tenant: refused.
    const forged = signEmailPixelToken({ tenantId: tenant.id, email: 'x@y.io', issuedAt: Date.now() }, await secretOf(other.id));
    expect(isGif((await send(gateway, `/o/${forged}.gif`)).body)).toBe(true);
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    expect(await lanesBehindOnceProcessed(gateway, other.id)).toEqual([]);
    expect(await countEvents(gateway, tenant.id)).toBe(1);
    expect(await countEvents(gateway, other.id)).toBe(0);
  });
});
