import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export interface EmailPixelPayload {
  tenantId: string;
  email: string;
  campaign?: string;
  /** Milliseconds since the epoch. Not an expiry: mail is opened months later; the route may judge age. */
  issuedAt: number;
}

/*
 * Token: base64url(JSON { t, e, c?, i }) "." base64url(HMAC-SHA256(secret, LABEL + payload part)).
 *
 * The email travels signed, not encrypted: anyone holding the URL can base64-decode it. That
 * is accepted because the token is made for one message to that very address, and carrying
 * the email lets the open be recorded (and the lead found or created) without `emailPixel`,
 * a query, having to store a row per pixel. Don't put these URLs anywhere but that mail.
 * The label keeps these MACs apart from anything else signed with the same secret.
 */
const LABEL = 'email-open-pixel/v1\n';
const MIN_SECRET_BYTES = 16;
const MAX_TOKEN_LENGTH = 4096;
const MAC_BYTES = 32;

const wirePayload = z
  .object({
    t: z.string().min(1).max(200),
    e: z.string().min(1).max(320),
    c: z.string().max(500).optional(),
    i: z.number().int().nonnegative(),
  })
  .strict();

const mac = (part: string, secret: Buffer): Buffer => createHmac('sha256', secret).update(LABEL).update(part).digest();

/** base64url decoding that refuses what Buffer.from would quietly skip or round off. */
function strictBase64url(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

/** Throws on a secret shorter than 16 bytes or a malformed payload: both are programming errors. */
export function signEmailPixelToken(payload: EmailPixelPayload, secret: Buffer): string {
  if (secret.length < MIN_SECRET_BYTES) throw new RangeError(`the email pixel secret must be at least ${MIN_SECRET_BYTES} bytes`);
  const wire = wirePayload.parse({
    t: payload.tenantId,
    e: payload.email,
    ...(payload.campaign === undefined ? {} : { c: payload.campaign }),
    i: payload.issuedAt,
  });
  const part = Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url');
  return `${part}.${mac(part, secret).toString('base64url')}`;
}

/**
 * The tenant a token claims, UNVERIFIED: secrets are per tenant, so the route reads this to
 * pick the secret, then trusts nothing until `verifyEmailPixelToken` accepts the token.
 */
export function claimedEmailPixelTenant(token: string): string | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const bytes = strictBase64url(token.split('.')[0] ?? '');
  if (bytes === undefined) return undefined;
  try {
    const wire = wirePayload.safeParse(JSON.parse(bytes.toString('utf8')));
    return wire.success ? wire.data.t : undefined;
  } catch {
    return undefined;
  }
}

/** The payload of an untampered token, else undefined; never throws, whatever the input. */
export function verifyEmailPixelToken(token: string, secret: Buffer): EmailPixelPayload | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || secret.length < MIN_SECRET_BYTES) return undefined;
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [part, signature] = parts as [string, string];
  const payloadBytes = strictBase64url(part);
  const given = strictBase64url(signature);
  if (payloadBytes === undefined || given === undefined || given.length !== MAC_BYTES) return undefined;
  if (!timingSafeEqual(given, mac(part, secret))) return undefined;

  let json: unknown;
  try {
    json = JSON.parse(payloadBytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const wire = wirePayload.safeParse(json);
  if (!wire.success) return undefined;
  const { t, e, c, i } = wire.data;
  return c === undefined ? { tenantId: t, email: e, issuedAt: i } : { tenantId: t, email: e, campaign: c, issuedAt: i };
}
