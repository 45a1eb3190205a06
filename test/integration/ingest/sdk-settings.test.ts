import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../../support/raw-request.js';
import { createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { countEvents, postSegment } from './segment-http.js';

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/**
 * The settings browser SDKs fetch from their vendor before sending anything
 * (Segment: /v1/projects/<writeKey>/settings, RudderStack: /sourceConfig),
 * answered by the collector so the SDK needs only its host pointed here.
 */
describe('SDK settings documents', () => {
  let gateway: TestGateway;
  let tenant: TestTenant;
  let neighbour: TestTenant;
  const pixelHost = `collect.sdk-${randomBytes(3).toString('hex')}.example`;

  const get = async (path: string, opts: { host?: string; headers?: Record<string, string>; method?: string } = {}) => {
    const response = await rawRequest(gateway.url, path, { host: opts.host, headers: opts.headers, method: opts.method });
    const text = response.body.toString('utf8');
    return { status: response.status, headers: response.headers, text, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };

  beforeAll(async () => {
    gateway = await startTestGateway();
    tenant = await createTenant(gateway, { pixelHosts: [pixelHost] });
    neighbour = await createTenant(gateway);
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('happy', () => {
    it("gives analytics.js a settings document that sends every call back to the host it asked, and nothing to Segment", async () => {
      const port = new URL(gateway.url).port;
      for (const [host, apiHost] of [
        [undefined, `127.0.0.1:${port}/v1`],
        [pixelHost, `${pixelHost}/v1`],
      ] as const) {
        const response = await get(`/v1/projects/${tenant.publishableKey}/settings`, { host, headers: { origin: 'https://www.shop.test' } });
        expect(response.status).toBe(200);
        expect(response.headers['access-control-allow-origin']).toBe('*');
        const integrations = response.json['integrations'] as Record<string, Record<string, unknown>>;
        expect(Object.keys(integrations)).toEqual(['Segment.io']);
        expect(integrations['Segment.io']).toMatchObject({ apiKey: tenant.publishableKey, apiHost, protocol: 'http' });
        // analytics.js reports its own metrics to Segment at a 100% sample unless told otherwise.
        expect(response.json['metrics']).toEqual({ sampleRate: 0 });
        expect(response.json).toMatchObject({ remotePlugins: [], enabledMiddleware: {}, legacyVideoPluginsEnabled: false });
      }
    });

    it("gives RudderStack's SDK an enabled source with no destinations, by query or Basic key, and answers its preflight", async () => {
      const byQuery = await get(`/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=${tenant.publishableKey}`, { host: pixelHost });
      expect(byQuery.status).toBe(200);
      expect(byQuery.json['source']).toMatchObject({ writeKey: tenant.publishableKey, enabled: true, destinations: [] });
      expect(byQuery.json['source']).toMatchObject({ config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } } });
      const byAuth = await get('/sourceConfig', { headers: { authorization: basic(tenant.publishableKey) } });
      expect(byAuth.status).toBe(200);
      expect((byAuth.json['source'] as { id: string }).id).toBe((byQuery.json['source'] as { id: string }).id);
      const preflight = await get('/sourceConfig/', {
        host: pixelHost,
        method: 'OPTIONS',
        headers: { origin: 'https://www.shop.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-headers']).toBe('authorization');
    });

    it('names neither the platform nor the tenant on a pixel host', async () => {
      const segment = await get(`/v1/projects/${tenant.publishableKey}/settings`, { host: pixelHost });
      const rudderstack = await get(`/sourceConfig/?writeKey=${tenant.publishableKey}`, { host: pixelHost });
      for (const text of [segment.text, rudderstack.text]) {
        expect(text).not.toMatch(/leadgraph/i);
        expect(text).not.toContain(tenant.id);
      }
    });
  });

  describe('error', () => {
    it('answers 404 for an unknown, missing or secret key, and 405 for anything but GET', async () => {
      for (const path of ['/v1/projects/pk_unknown/settings', `/v1/projects/${tenant.secretKey}/settings`, '/sourceConfig/', '/sourceConfig/?writeKey=pk_unknown']) {
        const response = await get(path);
        expect({ path, status: response.status, error: response.json['error'] }).toEqual({ path, status: 404, error: 'not_found' });
      }
      const posted = await get(`/v1/projects/${tenant.publishableKey}/settings`, { method: 'POST' });
      expect(posted.status).toBe(405);
    });

    it('reads the ids an SDK sends empty ("" or null) as absent, as Segment does, and still wants one of them', async () => {
      const fresh = await createTenant(gateway);
      const key = fresh.publishableKey;
      const page = await postSegment(gateway, '/v1/page', { userId: '', anonymousId: 'anon-r', properties: { path: '/' } }, { key });
      expect(page.status).toBe(200);
      const track = await postSegment(gateway, '/v1/track', { event: 'Clicked', userId: null, anonymousId: 'anon-r', messageId: '' }, { key });
      expect(track.status).toBe(200);
      const identify = await postSegment(gateway, '/v1/identify', { anonymousId: ' ', userId: 'u-r' }, { key });
      expect(identify.status).toBe(200);
      const neither = await postSegment(gateway, '/v1/track', { event: 'Clicked', userId: '', anonymousId: '' }, { key });
      expect(neither.status).toBe(400);
      expect(neither.body['reason']).toMatch(/anonymousId or userId is required/);
      const users = await gateway.services.db.query<{ user_id: string | null }>(`select user_id from "t_${fresh.id}".leads`);
      // anon-r's lead has no userId (not ""), and the identify's blank anonymousId made none either.
      expect(users.map((row) => row.user_id ?? 'none').sort()).toEqual(['none', 'u-r']);
      expect(await countEvents(gateway, fresh.id)).toBe(3);
    });
  });

  describe('security', () => {
    it("does not serve another tenant's key on a tenant's pixel host", async () => {
      const segment = await get(`/v1/projects/${neighbour.publishableKey}/settings`, { host: pixelHost });
      expect(segment.status).toBe(404);
      const rudderstack = await get(`/sourceConfig/?writeKey=${neighbour.publishableKey}`, { host: pixelHost });
      expect(rudderstack.status).toBe(404);
      // On the gateway's own host each key has its own document.
      expect((await get(`/v1/projects/${neighbour.publishableKey}/settings`)).status).toBe(200);
    });

    it('refuses origins the publishable key does not allow', async () => {
      const created = await gateway.gql<{ createApiKey: { key: string } }>(
        tenant.secretKey,
        'mutation ($input: ApiKeyInput!) { createApiKey(input: $input) { key } }',
        { input: { name: 'Shop', kind: 'PUBLISHABLE', allowedOrigins: ['https://www.shop.test'] } },
      );
      const key = created.data?.createApiKey.key ?? '';
      const foreign = await get(`/v1/projects/${key}/settings`, { headers: { origin: 'https://evil.test' } });
      expect({ status: foreign.status, error: foreign.json['error'] }).toEqual({ status: 403, error: 'forbidden' });
      expect((await get(`/v1/projects/${key}/settings`, { headers: { origin: 'https://www.shop.test' } })).status).toBe(200);
    });
  });
});
