import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * What a customer's receiver does with a delivery: verifies it with the
 * Standard Webhooks library and the endpoint's secret, and reads the payload.
 * Throws the library's WebhookVerificationError when it does not verify.
 */
export function verifiedPayload(secret: string, body: string, headers: IncomingHttpHeaders): unknown {
  const single: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) single[name] = Array.isArray(value) ? value.join(', ') : value;
  return new Webhook(secret).verify(body, single);
}
