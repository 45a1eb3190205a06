import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';

const PREFIX: Record<ApiKeyKind, string> = { [ApiKeyKind.SECRET]: 'sk_', [ApiKeyKind.PUBLISHABLE]: 'pk_' };

/**
 * Keys carry 192 random bits, so a plain SHA-256 is a safe digest (no password
 * stretching needed) and keeps key resolution a single indexed lookup.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface GeneratedKey {
  readonly secret: string;
  readonly hash: string;
  readonly prefix: string;
}

export function generateKey(kind: ApiKeyKind): GeneratedKey {
  const secret = `${PREFIX[kind]}${randomBytes(24).toString('base64url')}`;
  return { secret, hash: hashSecret(secret), prefix: secret.slice(0, 10) };
}

export function keyKindOf(secret: string): ApiKeyKind | undefined {
  if (secret.startsWith('sk_')) return ApiKeyKind.SECRET;
  if (secret.startsWith('pk_')) return ApiKeyKind.PUBLISHABLE;
  return undefined;
}

/** Short random ids for records whose ids are shown to tenants. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}
