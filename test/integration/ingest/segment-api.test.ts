import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { countEvents, countLeads, lanesBehindOnceProcessed, postSegment, track } from './segment-http.js';

describe('POST /v1/* (Segment HTTP Tracking API)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('happy', () => {
    it('answers every typed endpoint and the batch once the events are durably appended, and processes them behind', async () => {
      const tenant = await createTenant(gateway);
      const key = tenant.publishableKey;
      for (const [path, body] of [
        ['/v1/track', { event: 'Viewed', anonymousId: 'a1' }],
        ['/v1/page', { name: 'Home', anonymousId: 'a1', properties: { path: '/' } }],
        ['/v1/identify', { anonymousId: 'a1', userId: 'u1', traits: { email: 'a@b.io' } }],
        ['/v1/group', { userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } }],
        ['/v1/alias', { previousId: 'a9', userId: 'u1' }],
      ] as const) {
        // The plain acknowledgement, as an SDK gets it: nothing asked of the processor.
        const response = await postSegment(gateway, path, body, { key, ackOnly: true });
        expect({ path, status: response.status, body: response.body }).toEqual({
          path,
          status: 200,
          body: { success: true, accepted: 1, duplicates: 0 },
        });
      }
      const batch = await postSegment(gateway, '/v1/batch', { batch: [track('a2'), track('a3')] }, { key, ackOnly: true });
      expect(batch.body).toEqual({ success: true, accepted: 2, duplicates: 0 });
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(7);
    });

    it('takes writeKey in the body and a text/plain body, as browsers send with sendBeacon', async () => {
      const tenant = await createTenant(gateway);
      const response = await postSegment(gateway, '/v1/batch', undefined, {
        headers: { 'content-type': 'text/plain' },
        raw: JSON.stringify({ writeKey: tenant.publishableKey, batch: [track('beacon')] }),
      });
      expect(response.status).toBe(200);
      expect(await countEvents(gateway, tenant.id)).toBe(1);
    });

    it('stores a messageId once, however often and however concurrently it is sent', async () => {
      const tenant = await createTenant(gateway);
      const ids = Array.from({ length: 10 }, () => randomUUID());
      const sends = Array.from({ length: 60 }, (_, i) =>
        postSegment(gateway, '/v1/batch', { batch: [track(`visitor-${i % 7}`, { messageId: ids[i % ids.length] })] }, { key: tenant.publishableKey }),
      );
      const responses = await Promise.all(sends);
      expect(responses.every((r) => r.status === 200)).toBe(true);
      const accepted = responses.reduce((sum, r) => sum + Number(r.body['accepted']), 0);
      const duplicates = responses.reduce((sum, r) => sum + Number(r.body['duplicates']), 0);
      expect(accepted).toBe(10);
      expect(duplicates).toBe(50);
      expect(await countEvents(gateway, tenant.id)).toBe(10);
    });

    it('answers a CORS preflight for browsers', async () => {
      const response = await fetch(`${gateway.url}/v1/batch`, {
        method: 'OPTIONS',
        headers: { origin: 'https://www.acme.test', 'access-control-request-method': 'POST' },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe('https://www.acme.test');
    });
  });

  describe('error', () => {
    it('refuses a whole batch when one event is malformed, naming its index, and writes none of it', async () => {
      const tenant = await createTenant(gateway);
      const response = await postSegment(
        gateway,
        '/v1/batch',
        { batch: [track('ok-1'), track('ok-2'), { type: 'track', anonymousId: 'x' }] },
        { key: tenant.publishableKey },
      );
      expect(response.status).toBe(400);
      expect(response.body['reason']).toMatch(/^batch\[2\]: event/);
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
      expect(await countLeads(gateway, tenant.id)).toBe(0);
    });

    it('answers 413 past 32 KB an event (naming it) and past 500 KB a batch', async () => {
      const tenant = await createTenant(gateway);
      const big = track('big', { properties: { blob: 'x'.repeat(33 * 1024) } });
      const oneTooBig = await postSegment(gateway, '/v1/batch', { batch: [track('small'), big] }, { key: tenant.publishableKey });
      expect(oneTooBig.status).toBe(413);
      expect(oneTooBig.body['reason']).toMatch(/^batch\[1\]/);
      const many = Array.from({ length: 40 }, (_, i) => track(`v${i}`, { properties: { blob: 'y'.repeat(15 * 1024) } }));
      const batchTooBig = await postSegment(gateway, '/v1/batch', { batch: many }, { key: tenant.publishableKey });
      expect(batchTooBig.status).toBe(413);
      const singleTooBig = await postSegment(gateway, '/v1/track', big, { key: tenant.publishableKey });
      expect(singleTooBig.status).toBe(413);
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });

    it('refuses a body that is not JSON, a far-future timestamp and deep nesting with a reason', async () => {
      const tenant = await createTenant(gateway);
      const key = tenant.publishableKey;
      const notJson = await postSegment(gateway, '/v1/batch', undefined, { key, raw: '{"batch": [' });
      expect(notJson.status).toBe(400);
      expect(notJson.body['reason']).toMatch(/malformed JSON/);
      const future = await postSegment(gateway, '/v1/track', track('f', { timestamp: '2099-01-01T00:00:00Z' }), { key });
      expect(future.status).toBe(400);
      expect(future.body['reason']).toMatch(/future/);
      let deep: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < 30; i += 1) deep = { d: deep };
      const nested = await postSegment(gateway, '/v1/track', track('n', { properties: deep }), { key });
      expect(nested.status).toBe(400);
      expect(nested.body['reason']).toMatch(/nested/);
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });
  });

  describe('security', () => {
    it('answers 401 without a key, with an unknown key, and with a secret key', async () => {
      const tenant = await createTenant(gateway);
      expect((await postSegment(gateway, '/v1/track', track('a'))).status).toBe(401);
      expect((await postSegment(gateway, '/v1/track', track('a'), { key: 'pk_unknown' })).status).toBe(401);
      expect((await postSegment(gateway, '/v1/track', track('a'), { key: tenant.secretKey })).status).toBe(401);
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });

    it("writes into the key's tenant only", async () => {
      const a = await createTenant(gateway);
      const b = await createTenant(gateway);
      await postSegment(gateway, '/v1/batch', { batch: [track('shared-visitor')] }, { key: a.publishableKey });
      expect(await countEvents(gateway, a.id)).toBe(1);
      expect(await lanesBehindOnceProcessed(gateway, b.id)).toEqual([]);
      expect(await countEvents(gateway, b.id)).toBe(0);
    });

    it('refuses origins a publishable key does not allow', async () => {
      const tenant = await createTenant(gateway);
      const created = await gateway.gql<{ createApiKey: { key: string } }>(
        tenant.secretKey,
        'mutation ($input: ApiKeyInput!) { createApiKey(input: $input) { key } }',
        { input: { name: 'Site', kind: 'PUBLISHABLE', allowedOrigins: ['https://www.acme.test'] } },
      );
      const key = created.data?.createApiKey.key ?? '';
      const foreign = await postSegment(gateway, '/v1/track', track('o'), { key, headers: { origin: 'https://evil.test' } });
      expect(foreign.status).toBe(403);
      const own = await postSegment(gateway, '/v1/track', track('o'), { key, headers: { origin: 'https://www.acme.test' } });
      expect(own.status).toBe(200);
      expect(await countEvents(gateway, tenant.id)).toBe(1);
    });
  });
});
