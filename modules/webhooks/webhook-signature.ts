/**
 * Webhook signatures as Standard Webhooks defines them (standardwebhooks.com),
 * made by its own library (`standardwebhooks`), so receivers verify with any
 * of its libraries: HMAC-SHA256 over `<id>.<timestamp>.<body>` keyed with the
 * bytes of the `whsec_` secret, sent as `webhook-signature: v1,<base64>`.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

// A type rather than an interface, so it passes where a plain header record is expected.
export type WebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** `whsec_` and the base64 of 32 random bytes, as the receiver will configure it (the library makes none). */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The three headers of a message; `timestamp` in unix seconds. Throws for a secret that is not (`whsec_` and) base64. */
export function signWebhook(message: { id: string; timestamp: number; body: string | Buffer; secret: string }): WebhookHeaders {
  const timestamp = Math.floor(message.timestamp);
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': new Webhook(message.secret).sign(message.id, new Date(timestamp * 1000), message.body),
  };
}
