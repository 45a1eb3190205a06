import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { problemText } from '../../platform/outcome.js';
import { createSecretBox, masterKeyFrom, vendorSecretAad } from '../../tenants/secrets/secret-box.js';

const box = createSecretBox(randomBytes(32));
const aad = vendorSecretAad('tn_alpha', 'clearbit');
const secret = 'sk_live_4f9c2e7b1a';

/** Changes the first character of one part of a sealed value to another base64url character. */
function alter(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const text = parts[part] ?? '';
  parts[part] = (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
  return parts.join('.');
}

describe('sealing tenant secrets', () => {
  it('opens what it sealed, for the same tenant and purpose', () => {
    for (const plaintext of [secret, '', 'clé secrète ✓ 🔑', 'x'.repeat(10_000)]) {
      expect(box.open(box.seal(plaintext, aad), aad)).toBe(plaintext);
    }
  });

  it('writes a versioned value of base64url parts, different at every seal', () => {
    const sealed = box.seal(secret, aad);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(secret);
    expect(box.seal(secret, aad)).not.toBe(sealed);
  });

  it.each([
    ['the IV', 1],
    ['the ciphertext', 2],
    ['the tag', 3],
  ])('does not open when %s was altered', (_, part) => {
    const sealed = box.seal(secret, aad);
    expect(box.open(alter(sealed, part), aad)).toBeUndefined();
  });

  it('does not open a value with another version, missing or extra parts, or a shortened tag', () => {
    const sealed = box.seal(secret, aad);
    const [, iv, ciphertext, tag] = sealed.split('.');
    expect(box.open(`v2.${iv}.${ciphertext}.${tag}`, aad)).toBeUndefined();
    expect(box.open(`v1.${iv}.${ciphertext}`, aad)).toBeUndefined();
    expect(box.open(`${sealed}.AAAA`, aad)).toBeUndefined();
    expect(box.open(`v1.${iv}.${ciphertext}.${tag?.slice(0, 16)}`, aad)).toBeUndefined();
    expect(box.open(`v1.${iv}.${ciphertext}.${tag}=`, aad)).toBeUndefined();
    expect(box.open('', aad)).toBeUndefined();
  });

  it("does not open another tenant's secret, or the same tenant's for another purpose", () => {
    const sealed = box.seal(secret, aad);
    expect(box.open(sealed, vendorSecretAad('tn_beta', 'clearbit'))).toBeUndefined();
    expect(box.open(sealed, vendorSecretAad('tn_alpha', 'apollo'))).toBeUndefined();
  });

  it('does not open under another master key', () => {
    expect(createSecretBox(randomBytes(32)).open(box.seal(secret, aad), aad)).toBeUndefined();
  });

  it('refuses an empty AAD and a key of the wrong size', () => {
    expect(() => box.seal(secret, '')).toThrow(/AAD/);
    expect(() => box.open(box.seal(secret, aad), '')).toThrow(/AAD/);
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('keeps its own copy of the master key', () => {
    const key = randomBytes(32);
    const own = createSecretBox(key);
    const sealed = own.seal(secret, aad);
    key.fill(0);
    expect(own.open(sealed, aad)).toBe(secret);
  });
});

describe('reading the master key', () => {
  const key = randomBytes(32);

  it('takes 64 hex characters or 44 base64 characters, around whitespace', () => {
    for (const text of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), `${key.toString('base64url')}=`, ` ${key.toString('hex')}\n`]) {
      const parsed = masterKeyFrom(text);
      expect(parsed.ok && parsed.value.equals(key)).toBe(true);
    }
  });

  it('refuses anything else, saying what it wants without repeating the text', () => {
    const passphrase = 'correct horse battery staple';
    for (const text of [passphrase, key.toString('hex').slice(0, 62), key.toString('base64').replace(/=$/, ''), randomBytes(33).toString('base64'), '']) {
      const parsed = masterKeyFrom(text);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) continue;
      expect(problemText(parsed.problem)).toMatch(/64 hex characters or 44 base64 characters/);
      if (text !== '') expect(problemText(parsed.problem)).not.toContain(text);
    }
  });

  it('refuses a placeholder key of one repeated byte', () => {
    const parsed = masterKeyFrom('0'.repeat(64));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : problemText(parsed.problem)).toMatch(/placeholder/);
  });
});
