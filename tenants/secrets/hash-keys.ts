/**
 * Keys for hashes that must reveal nothing (suppressed identifiers, the answer
 * cache's key names): derived from the sealing master key with HKDF, one per
 * purpose and tenant. Without the master key, a database or Redis dump cannot
 * be matched against guessed addresses; one tenant's hashes cannot be joined
 * with another's. Every process holding the master key (gateway, worker)
 * derives the same keys.
 */
import { createHmac, hkdfSync } from 'node:crypto';

export type HashPurpose = 'suppression' | 'answer-cache' | 'rate-limit';

export interface HashKeys {
  /** HMAC-SHA256 of `message` under the tenant's key for `purpose`, base64url. */
  hash(purpose: HashPurpose, tenantId: string, message: string): string;
}

const KEY_BYTES = 32;
// Fixed and public: HKDF's salt separates this use of the master key from any other; the secret is the key itself.
const SALT = 'leadgraph/hash-keys/v1';
// Derivation is cheap but runs per identifier on ingestion; tenants are few enough to keep every key.
const MAX_CACHED = 10_000;

export function createHashKeys(masterKey: Buffer): HashKeys {
  if (masterKey.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes, not ${masterKey.length}`);
  const master = Buffer.from(masterKey);
  const derived = new Map<string, Buffer>();

  const keyOf = (purpose: HashPurpose, tenantId: string): Buffer => {
    const info = `${purpose}:tenant:${tenantId}`;
    let key = derived.get(info);
    if (key === undefined) {
      key = Buffer.from(hkdfSync('sha256', master, SALT, info, KEY_BYTES));
      if (derived.size >= MAX_CACHED) derived.clear();
      derived.set(info, key);
    }
    return key;
  };

  return {
    hash: (purpose, tenantId, message) => createHmac('sha256', keyOf(purpose, tenantId)).update(message).digest('base64url'),
  };
}
