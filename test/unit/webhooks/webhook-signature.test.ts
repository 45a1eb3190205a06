import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook, verifyWebhook } from '../../../tenants/webhooks/webhook-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1_614_265_330;
const BODY = '{"test": 2432232314}';
const AT = new Date(TIMESTAMP * 1000);

describe('Standard Webhooks signatures', () => {
  it('signs what it verifies, with the three headers', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret });
    expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(headers['webhook-timestamp']).toBe(String(TIMESTAMP));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verifyWebhook({ headers, body: BODY, secret, now: AT })).toEqual({ ok: true });
    // As a receiver gets them from fetch, too.
    expect(verifyWebhook({ headers: new Headers({ ...headers }), body: Buffer.from(BODY), secret, now: AT })).toEqual({ ok: true });
  });

  it('makes secrets of 32 random bytes behind whsec_', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('matches the documented algorithm computed independently', () => {
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${ID}.${TIMESTAMP}.${BODY}`).digest('base64');
    expect(signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: SECRET })['webhook-signature']).toBe(`v1,${expected}`);
    // The example of the Standard Webhooks specification.
    expect(expected).toBe('g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('refuses a tampered body and the wrong secret', () => {
    const headers = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
    expect(verifyWebhook({ headers, body: '{"test": 2432232315}', secret: SECRET, now: AT })).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verifyWebhook({ headers, body: BODY, secret: generateWebhookSecret(), now: AT })).toMatchObject({ ok: false, reason: 'bad-signature' });
    const otherId = { ...headers, 'webhook-id': 'msg_other' };
    expect(verifyWebhook({ headers: otherId, body: BODY, secret: SECRET, now: AT })).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a timestamp outside the replay window, either way, and accepts one at its edge', () => {
    const headers = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
    const at = (seconds: number) => new Date((TIMESTAMP + seconds) * 1000);
    expect(verifyWebhook({ headers, body: BODY, secret: SECRET, now: at(301) })).toMatchObject({ ok: false, reason: 'outside-window' });
    expect(verifyWebhook({ headers, body: BODY, secret: SECRET, now: at(-301) })).toMatchObject({ ok: false, reason: 'outside-window' });
    expect(verifyWebhook({ headers, body: BODY, secret: SECRET, now: at(300) })).toEqual({ ok: true });
    expect(verifyWebhook({ headers, body: BODY, secret: SECRET, now: at(-300) })).toEqual({ ok: true });
    expect(verifyWebhook({ headers, body: BODY, secret: SECRET, now: at(60), toleranceSeconds: 30 })).toMatchObject({ ok: false, reason: 'outside-window' });
  });

  it('accepts a message when any of several signatures matches, and only v1 ones', () => {
    const headers = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
    const signature = headers['webhook-signature'];
    const other = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: generateWebhookSecret() })['webhook-signature'];
    const verify = (list: string) => verifyWebhook({ headers: { ...headers, 'webhook-signature': list }, body: BODY, secret: SECRET, now: AT });
    expect(verify(`${other} ${signature}`)).toEqual({ ok: true });
    expect(verify(`${signature} ${other}`)).toEqual({ ok: true });
    expect(verify(`v1a,${signature.slice(3)} ${other}`)).toMatchObject({ ok: false, reason: 'bad-signature' });
    expect(verify(`v2,${signature.slice(3)}`)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('calls missing headers, a timestamp that is not seconds and a bad secret malformed', () => {
    const headers = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
    const { 'webhook-signature': _dropped, ...unsigned } = headers;
    expect(verifyWebhook({ headers: unsigned, body: BODY, secret: SECRET, now: AT })).toMatchObject({ ok: false, reason: 'malformed' });
    const iso = { ...headers, 'webhook-timestamp': AT.toISOString() };
    expect(verifyWebhook({ headers: iso, body: BODY, secret: SECRET, now: AT })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyWebhook({ headers, body: BODY, secret: 'whsec_not base64!', now: AT })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(() => signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: 'whsec_' })).toThrow(/whsec_/);
  });
});
