/**
 * Tenant secrets at rest (a vendor's API key): AES-256-GCM under the
 * deployment's master key. The AAD names the secret's tenant and purpose, so a
 * sealed value copied to another tenant's row, or to another purpose, does not open.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface SecretBox {
  /** `v1.<iv>.<ciphertext>.<tag>`, each part base64url. */
  seal(plaintext: string, aad: string): string;
  /** The plaintext, or undefined when the value was altered, sealed for another AAD or under another key. */
  open(sealed: string, aad: string): string | undefined;
}

/** The AAD of a tenant's vendor API key. */
export const vendorSecretAad = (tenantId: string, vendorId: string): string => `tenant:${tenantId}:vendor:${vendorId}`;

function requireAad(aad: string): Buffer {
  // An empty AAD would bind the secret to nothing: a bug in the caller, not a value to seal.
  if (aad === '') throw new Error('a secret must be sealed and opened with an AAD naming its tenant and purpose');
  return Buffer.from(aad, 'utf8');
}

/** Strict base64url: Buffer.from ignores stray characters and padding bits, which would let an altered part pass as the same bytes. */
function decodePart(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== KEY_BYTES) throw new Error(`the master key must be ${KEY_BYTES} bytes, not ${masterKey.length}`);
  const key: KeyObject = createSecretKey(Buffer.from(masterKey));

  return {
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(requireAad(aad));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
    },

    open(sealed, aad) {
      const additional = requireAad(aad);
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
      const [iv, ciphertext, tag] = parts.slice(1).map(decodePart);
      if (iv?.length !== IV_BYTES || ciphertext === undefined || tag?.length !== TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additional);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        return undefined; // the tag does not verify: altered, another AAD or another key
      }
    },
  };
}

const HELP = 'The master key must be 32 random bytes written as 64 hex characters or 44 base64 characters (openssl rand -base64 32)';

/**
 * Parses the master key from configuration; the message never repeats the text, which may be a near-miss of the real key.
 * A refusal's path is []: the caller knows which variable the text came from.
 */
export function masterKeyFrom(text: string): Outcome<Buffer> {
  const trimmed = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) key = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed) || /^[A-Za-z0-9_-]{43}=$/.test(trimmed)) {
    key = decodePart(trimmed.slice(0, -1).replaceAll('+', '-').replaceAll('/', '_'));
  }
  if (key?.length !== KEY_BYTES) return failure(invalidInput([], `${HELP}; got ${trimmed.length} characters that are neither.`));
  if (key.every((byte) => byte === key[0])) return failure(invalidInput([], `${HELP}; this one repeats a single byte, a placeholder rather than a key.`));
  return success(key);
}
