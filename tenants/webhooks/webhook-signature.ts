/**
 * Webhook signatures as Standard Webhooks defines them (standardwebhooks.com),
 * so receivers can verify with any of its libraries: HMAC-SHA256 over
 * `<id>.<timestamp>.<body>` keyed with the bytes of the `whsec_` secret,
 * sent as `webhook-signature: v1,<base64>`. Pure: `now` is an argument.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
const VERSION = 'v1';
export const DEFAULT_TOLERANCE_SECONDS = 300;

// A type rather than an interface, so it passes where a plain header record is expected.
export type WebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** A fetch `Headers` or node:http's `IncomingHttpHeaders` (lower-case names). */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export type VerifyResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'malformed' | 'bad-signature' | 'outside-window'; readonly message: string };

/** `whsec_` and the base64 of 32 random bytes, as the receiver will configure it. */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The key bytes of a secret; a secret without the prefix is accepted as Standard Webhooks libraries do. */
function secretKey(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length === 0 ? undefined : key;
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The three headers of a message; `timestamp` in unix seconds. */
export function signWebhook(message: { id: string; timestamp: number; body: string | Buffer; secret: string }): WebhookHeaders {
  const key = secretKey(message.secret);
  if (key === undefined) throw new Error('a webhook secret must be whsec_ followed by base64');
  const timestamp = String(Math.floor(message.timestamp));
  return {
    'webhook-id': message.id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `${VERSION},${hmac(key, message.id, timestamp, message.body).toString('base64')}`,
  };
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Accepts a message when one of its signatures (space separated, so a sender
 * rotating secrets can send both) matches, and its timestamp is within
 * `toleranceSeconds` of `now` either way, which bounds replays.
 */
export function verifyWebhook(input: {
  headers: HeaderSource;
  body: string | Buffer;
  secret: string;
  now: Date;
  toleranceSeconds?: number;
}): VerifyResult {
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'malformed', message: 'a webhook-id, webhook-timestamp or webhook-signature header is missing' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'malformed', message: 'webhook-timestamp is not unix seconds' };
  const key = secretKey(input.secret);
  if (key === undefined) return { ok: false, reason: 'malformed', message: 'the secret is not whsec_ followed by base64' };

  const skew = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (skew > (input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'outside-window', message: `the timestamp is ${skew} s away from now` };
  }
  const expected = hmac(key, id, timestamp, input.body);
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== VERSION || signature === undefined) return false;
    const given = Buffer.from(signature, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'bad-signature', message: 'no v1 signature matches the body' };
}
