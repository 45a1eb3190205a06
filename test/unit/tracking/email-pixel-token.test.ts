import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { claimedEmailPixelTenant, signEmailPixelToken, verifyEmailPixelToken } from '../../../api/ingest/pixels/email-pixel-token.js';

const secret = randomBytes(32);
const payload = { tenantId: 't_4f2a', email: 'ada@customer.com', campaign: 'spring-launch', issuedAt: 1_760_000_000_000 };

/** Replaces the character at `index` with another base64url character. */
const flip = (token: string, index: number): string => {
  const at = index < 0 ? token.length + index : index;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
};

describe('email open pixel tokens', () => {
  it('round-trip, with and without a campaign, in characters a URL path takes as they are', () => {
    const token = signEmailPixelToken(payload, secret);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyEmailPixelToken(token, secret)).toEqual(payload);

    const bare = { tenantId: 't_4f2a', email: 'ada@customer.com', issuedAt: 0 };
    expect(verifyEmailPixelToken(signEmailPixelToken(bare, secret), secret)).toEqual(bare);
  });

  it('are refused when signed with another secret', () => {
    expect(verifyEmailPixelToken(signEmailPixelToken(payload, randomBytes(32)), secret)).toBeUndefined();
  });

  it('are refused, never thrown on, when anything is tampered with or malformed', () => {
    const token = signEmailPixelToken(payload, secret);
    const [body = '', mac = ''] = token.split('.');
    const otherEmail = Buffer.from(JSON.stringify({ t: 't_4f2a', e: 'eve@evil.example', c: 'spring-launch', i: 1_760_000_000_000 })).toString('base64url');
    const tampered = [
      flip(token, 3),
      flip(token, -3),
      `${otherEmail}.${mac}`,
      token.slice(0, -1),
      token.slice(0, token.length - 10),
      body,
      `${body}.`,
      `.${mac}`,
      `${token}.`,
      `${body}.${mac}.${mac}`,
      `${body}=.${mac}`,
      `${body}.${mac}==`,
      `${body}.${Buffer.from(mac, 'base64url').toString('base64')}`,
      `${body}.${mac.slice(0, 22)}`,
      '!!!.###',
      '',
      '.',
      'garbage',
      'a'.repeat(100_000),
      `${body}.${'A'.repeat(43)}`,
    ];
    for (const candidate of tampered) {
      expect(() => verifyEmailPixelToken(candidate, secret)).not.toThrow();
      expect(verifyEmailPixelToken(candidate, secret), candidate.slice(0, 80)).toBeUndefined();
    }
    expect(verifyEmailPixelToken(token, Buffer.alloc(0))).toBeUndefined();
    expect(verifyEmailPixelToken(undefined as unknown as string, secret)).toBeUndefined();
  });

  it('name the tenant whose secret verifies them, before that is trusted', () => {
    const token = signEmailPixelToken(payload, secret);
    expect(claimedEmailPixelTenant(token)).toBe('t_4f2a');
    for (const garbage of ['', '.', '!!!.x', 'e30.x', flip(token, 3), 'a'.repeat(100_000)]) {
      expect(() => claimedEmailPixelTenant(garbage)).not.toThrow();
    }
    expect(claimedEmailPixelTenant('e30.x')).toBeUndefined();
  });

  it('are not made with a short secret or a malformed payload', () => {
    expect(() => signEmailPixelToken(payload, randomBytes(8))).toThrow(/secret/);
    expect(() => signEmailPixelToken({ ...payload, tenantId: '' }, secret)).toThrow();
    expect(() => signEmailPixelToken({ ...payload, issuedAt: Number.NaN }, secret)).toThrow();
  });
});
