import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDecodedBody } from '../../../api/http/decoded-body.js';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES } from '../../../modules/leads/ingest/segment-message.js';
import { createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { LEADS } from '../leads/lead-operations.js';
import { countEvents, countLeads, lanesBehindOnceProcessed, track } from './segment-http.js';

/** POST a body already encoded as the test says, the key as the Basic user name, answered once processed (`Prefer: processed`). */
async function postEncoded(
  gateway: TestGateway,
  path: string,
  body: Uint8Array,
  opts: { key: string; encoding?: string },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${opts.key}:`).toString('base64')}`,
      prefer: 'processed',
      ...(opts.encoding === undefined ? {} : { 'content-encoding': opts.encoding }),
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A batch whose JSON is `size` bytes or more, almost all of it one repeated letter: it compresses about a thousandfold. */
function paddedBatch(size: number): Buffer {
  return json({ batch: [track('bomb', { properties: { pad: 'a'.repeat(size) } })] });
}

describe('compressed request bodies on /v1/*', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  /** What the tenant's own API shows: the number of leads it holds. */
  const leadCount = async (tenant: TestTenant): Promise<number> => {
    const response = await gateway.gql<{ leads: { totalCount: number } }>(tenant.secretKey, LEADS, {});
    if (response.errors !== undefined) throw new Error(`leads failed: ${JSON.stringify(response.errors)}`);
    return response.data?.leads.totalCount ?? -1;
  };

  describe('happy', () => {
    it('takes gzip, x-gzip, zlib deflate, raw deflate and identity bodies on the typed endpoints and the batch', async () => {
      const tenant = await createTenant(gateway);
      const other = await createTenant(gateway);
      const key = tenant.publishableKey;
      const sent = [
        ['/v1/batch', 'gzip', gzipSync(json({ batch: [track('z1'), track('z2')] }))],
        ['/v1/track', 'GZIP', gzipSync(json({ event: 'Upper', anonymousId: 'z3' }))],
        ['/v1/page', 'x-gzip', gzipSync(json({ name: 'Home', anonymousId: 'z4' }))],
        ['/v1/identify', 'deflate', deflateSync(json({ anonymousId: 'z5', userId: 'u5', traits: { email: 'z5@acme.test' } }))],
        ['/v1/track', 'deflate', deflateRawSync(json({ event: 'Raw', anonymousId: 'z6' }))],
        ['/v1/track', 'identity', json({ event: 'Plain', anonymousId: 'z7' })],
      ] as const;
      for (const [path, encoding, body] of sent) {
        const response = await postEncoded(gateway, path, body, { key, encoding });
        expect({ path, encoding, status: response.status, body: response.body }).toMatchObject({
          path,
          encoding,
          status: 200,
          body: { success: true, duplicates: 0, processed: true },
        });
      }
      expect(await countEvents(gateway, tenant.id)).toBe(7);
      expect(await leadCount(tenant)).toBe(7);
      expect(await lanesBehindOnceProcessed(gateway, other.id)).toEqual([]);
      const identified = await gateway.gql<{ leadByEmail: { userId: string } | null }>(
        tenant.secretKey,
        'query ($email: String!) { leadByEmail(email: $email) { userId } }',
        { email: 'z5@acme.test' },
      );
      expect(identified.data?.leadByEmail).toEqual({ userId: 'u5' });
      expect(await leadCount(other)).toBe(0);
    });

    it('decodes a zlib deflate body however it is split on the wire (its header is read before the decoder is chosen)', async () => {
      const body = json({ batch: [track('split')] });
      const source = Object.assign(new PassThrough(), { headers: { 'content-encoding': 'deflate' } });
      const read = readDecodedBody(source, MAX_BATCH_BYTES);
      for (const byte of deflateSync(body)) source.write(Buffer.from([byte]));
      source.end();
      expect(await read).toEqual({ ok: true, text: body.toString('utf8') });
    });

    it('applies the 500 KB batch limit to the decompressed body: a batch just under it is taken however small it travels', async () => {
      const tenant = await createTenant(gateway);
      const events = Array.from({ length: 30 }, (_, i) => track(`big-${i}`, { properties: { blob: 'q'.repeat(16 * 1024) } }));
      const plain = json({ batch: events });
      expect(plain.length).toBeLessThan(MAX_BATCH_BYTES);
      expect(plain.length).toBeGreaterThan(MAX_EVENT_BYTES * 14);
      const response = await postEncoded(gateway, '/v1/batch', gzipSync(plain), { key: tenant.publishableKey, encoding: 'gzip' });
      expect(response.status).toBe(200);
      expect(await countEvents(gateway, tenant.id)).toBe(30);
    });
  });

  describe('error', () => {
    it('answers an unknown or stacked encoding with 415 naming the ones it takes, and writes nothing', async () => {
      const tenant = await createTenant(gateway);
      const body = gzipSync(json({ batch: [track('br')] }));
      for (const encoding of ['br', 'compress', 'gzip, deflate']) {
        const response = await postEncoded(gateway, '/v1/batch', body, { key: tenant.publishableKey, encoding });
        expect({ encoding, status: response.status, error: response.body['error'] }).toEqual({ encoding, status: 415, error: 'unsupported_encoding' });
        expect(response.body['reason']).toMatch(/not supported.*gzip or deflate/);
        expect(response.headers.get('accept-encoding')).toBe('gzip, deflate');
      }
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });

    it('answers a corrupt, truncated or mislabelled compressed body with 400, and writes nothing', async () => {
      const tenant = await createTenant(gateway);
      const good = gzipSync(json({ batch: [track('c1'), track('c2')] }));
      const flipped = Buffer.from(good);
      flipped[flipped.length - 6] = (flipped[flipped.length - 6] ?? 0) ^ 0xff; // the CRC no longer matches
      const cases = [
        ['gzip', flipped],
        ['gzip', good.subarray(0, good.length - 10)],
        ['gzip', json({ batch: [track('c3')] })],
        ['deflate', Buffer.from('not deflate at all')],
        ['gzip', Buffer.alloc(0)],
      ] as const;
      for (const [encoding, body] of cases) {
        const response = await postEncoded(gateway, '/v1/batch', body, { key: tenant.publishableKey, encoding });
        expect({ status: response.status, error: response.body['error'] }).toEqual({ status: 400, error: 'bad_request' });
        expect(response.body['reason']).toMatch(new RegExp(`^the ${encoding} body cannot be decoded`));
      }
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });

    it('applies the 32 KB event limit to the decompressed body, on a typed endpoint and inside a batch', async () => {
      const tenant = await createTenant(gateway);
      const big = track('big', { properties: { blob: 'x'.repeat(33 * 1024) } });
      const single = await postEncoded(gateway, '/v1/track', gzipSync(json(big)), { key: tenant.publishableKey, encoding: 'gzip' });
      expect(single.status).toBe(413);
      expect(single.body['error']).toBe('too_large');
      const inBatch = await postEncoded(gateway, '/v1/batch', gzipSync(json({ batch: [track('ok'), big] })), {
        key: tenant.publishableKey,
        encoding: 'gzip',
      });
      expect(inBatch.status).toBe(413);
      expect(inBatch.body['reason']).toMatch(/^batch\[1\]/);
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });
  });

  describe('security', () => {
    it('refuses a gzip bomb (a few KB inflating past the batch limit) with 413 and writes nothing', async () => {
      const tenant = await createTenant(gateway);
      const inflated = paddedBatch(8 * 1024 * 1024);
      const bomb = gzipSync(inflated, { level: 9 });
      expect(bomb.length).toBeLessThan(16 * 1024);
      expect(inflated.length).toBeGreaterThan(16 * MAX_BATCH_BYTES);
      for (const [path, encoding, body] of [
        ['/v1/batch', 'gzip', bomb],
        ['/v1/batch', 'deflate', deflateSync(inflated, { level: 9 })],
        ['/v1/track', 'gzip', gzipSync(json(track('bomb', { properties: { pad: 'a'.repeat(MAX_BATCH_BYTES) } })))],
      ] as const) {
        const response = await postEncoded(gateway, path, body, { key: tenant.publishableKey, encoding });
        expect({ path, encoding, status: response.status, error: response.body['error'] }).toEqual({ path, encoding, status: 413, error: 'too_large' });
        expect(response.body['reason']).toMatch(/decompresses to more than/);
      }
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
      expect(await countLeads(gateway, tenant.id)).toBe(0);
      expect(await leadCount(tenant)).toBe(0);
      // The connection still serves the tenant: the refusal was an answer, not a reset.
      const after = await postEncoded(gateway, '/v1/batch', gzipSync(json({ batch: [track('after')] })), {
        key: tenant.publishableKey,
        encoding: 'gzip',
      });
      expect(after.status).toBe(200);
      expect(await leadCount(tenant)).toBe(1);
    });

    it('answers 413 while the bomb is still being uploaded: the limit is counted as the body inflates', async () => {
      const tenant = await createTenant(gateway);
      // ~40 MB inflated; only its first part is sent, and the upload is never finished.
      const bomb = gzipSync(paddedBatch(40 * 1024 * 1024), { level: 9 });
      const firstPart = bomb.subarray(0, Math.floor(bomb.length / 2));
      const url = new URL(gateway.url);
      const status = await new Promise<number>((resolve, reject) => {
        const upload = request(
          {
            host: url.hostname,
            port: url.port,
            path: '/v1/batch',
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-encoding': 'gzip',
              authorization: `Basic ${Buffer.from(`${tenant.publishableKey}:`).toString('base64')}`,
            },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
            upload.destroy();
          },
        );
        upload.on('error', (error) => (upload.destroyed ? undefined : reject(error)));
        upload.write(firstPart);
      });
      expect(status).toBe(413);
      expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
      expect(await countEvents(gateway, tenant.id)).toBe(0);
    });

    it('stops inflating at the limit: the reader settles before the compressed stream has even ended', async () => {
      const bomb = gzipSync(paddedBatch(40 * 1024 * 1024), { level: 9 });
      const source = Object.assign(new PassThrough(), { headers: { 'content-encoding': 'gzip' } });
      const read = readDecodedBody(source, MAX_BATCH_BYTES);
      source.write(bomb.subarray(0, Math.floor(bomb.length / 2)));
      // Never ended: a reader that inflated everything before counting would wait here forever.
      expect(await read).toEqual({ ok: false, status: 413, reason: `the gzip body decompresses to more than ${MAX_BATCH_BYTES} bytes` });
      source.destroy();
    });
  });
});
