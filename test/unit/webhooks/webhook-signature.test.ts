import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhook } from '../../../modules/webhooks/webhook-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1_614_265_330;
const BODY = '{"test": 2432232314}';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** What a receiver does with a Standard Webhooks library: the payload, or the library's refusal. */
function receive(secret: string, body: string | Buffer, headers: Record<string, string>): unknown {
  try {
    return new Webhook(secret).verify(body, headers);
  } catch (error) {
    if (error instanceof WebhookVerificationError) return `refused: ${error.message}`;
    throw error;
  }
}

describe('Standard Webhooks signatures', () => {
  it('signs with the three headers, and a receiver verifies them with the Standard Webhooks library', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ id: ID, timestamp: nowSeconds(), body: BODY, secret });
    expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(receive(secret, BODY, headers)).toEqual({ test: 2432232314 });
    expect(receive(secret, Buffer.from(BODY), headers)).toEqual({ test: 2432232314 });
  });

  it('makes secrets of 32 random bytes behind whsec_', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('matches the documented algorithm computed independently, and the specification example', () => {
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${ID}.${TIMESTAMP}.${BODY}`).digest('base64');
    const headers = signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: SECRET });
    expect(headers).toEqual({ 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP), 'webhook-signature': `v1,${expected}` });
    expect(expected).toBe('g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is refused for a tampered body, another secret, another id, and outside the five-minute window', () => {
    const headers = signWebhook({ id: ID, timestamp: nowSeconds(), body: BODY, secret: SECRET });
    expect(receive(SECRET, '{"test": 2432232315}', headers)).toMatch(/^refused/);
    expect(receive(generateWebhookSecret(), BODY, headers)).toMatch(/^refused/);
    expect(receive(SECRET, BODY, { ...headers, 'webhook-id': 'msg_other' })).toMatch(/^refused/);
    const old = signWebhook({ id: ID, timestamp: nowSeconds() - 330, body: BODY, secret: SECRET });
    expect(receive(SECRET, BODY, old)).toBe('refused: Message timestamp too old');
    const future = signWebhook({ id: ID, timestamp: nowSeconds() + 330, body: BODY, secret: SECRET });
    expect(receive(SECRET, BODY, future)).toBe('refused: Message timestamp too new');
  });

  it('throws for a secret that is no key', () => {
    expect(() => signWebhook({ id: ID, timestamp: TIMESTAMP, body: BODY, secret: 'whsec_' })).toThrow();
  });
});
