import { describe, expect, it } from 'vitest';
import { buildBlockList, checkCidr, checkOrigin, ipAllowed, originAllowed } from '../../tenants/api-keys/network-allowlist.js';

describe('IP allowlists', () => {
  it('accepts addresses and CIDR ranges of both families and names what it refuses', () => {
    expect(checkCidr('10.0.0.0/8')).toBeUndefined();
    expect(checkCidr('192.0.2.7')).toBeUndefined();
    expect(checkCidr('2001:db8::/32')).toBeUndefined();
    expect(checkCidr('10.0.0.0/33')).toMatch(/prefix length/);
    expect(checkCidr('2001:db8::/129')).toMatch(/prefix length/);
    expect(checkCidr('nonsense')).toMatch(/not an IP address/);
    expect(checkCidr('10.0.0.0/8/1')).toMatch(/not an IP address/);
  });

  it('lets in only addresses inside the list; an empty list lets everyone in', () => {
    const list = buildBlockList(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    expect(ipAllowed(list, '10.20.30.40')).toBe(true);
    expect(ipAllowed(list, '::ffff:10.20.30.40')).toBe(true);
    expect(ipAllowed(list, '192.0.2.7')).toBe(true);
    expect(ipAllowed(list, '2001:db8::1')).toBe(true);
    expect(ipAllowed(list, '11.0.0.1')).toBe(false);
    expect(ipAllowed(list, '192.0.2.8')).toBe(false);
    expect(ipAllowed(list, '')).toBe(false);
    expect(ipAllowed(undefined, '203.0.113.9')).toBe(true);
  });
});

describe('allowed origins of publishable keys', () => {
  it('takes origins only, not URLs with paths', () => {
    expect(checkOrigin('https://www.example.com')).toBeUndefined();
    expect(checkOrigin('http://localhost:3000')).toBeUndefined();
    expect(checkOrigin('https://www.example.com/pricing')).toMatch(/not an origin/);
    expect(checkOrigin('ftp://example.com')).toMatch(/not an origin/);
    expect(checkOrigin('example.com')).toMatch(/not an origin/);
  });

  it('matches the Origin header exactly; an empty list allows any origin', () => {
    expect(originAllowed(['https://www.example.com'], 'https://www.example.com')).toBe(true);
    expect(originAllowed(['https://www.example.com'], 'https://evil.example.com')).toBe(false);
    expect(originAllowed(['https://www.example.com'], undefined)).toBe(false);
    expect(originAllowed([], 'https://anything.example')).toBe(true);
  });
});
