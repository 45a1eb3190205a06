import { describe, expect, it } from 'vitest';
import { maskIp } from '../../../intelligence/ip/mask-ip.js';

describe('IP masking', () => {
  it('keeps, truncates or drops an address as the tenant chose', () => {
    expect(maskIp('203.0.113.77', 'full')).toBe('203.0.113.77');
    expect(maskIp('203.0.113.77', 'truncated')).toBe('203.0.113.0');
    expect(maskIp('::ffff:203.0.113.77', 'truncated')).toBe('203.0.113.0');
    expect(maskIp('2001:db8:abcd:12::1', 'truncated')).toBe('2001:db8:abcd::');
    expect(maskIp('2001:DB8::1', 'full')).toBe('2001:db8::1');
    expect(maskIp('203.0.113.77', 'none')).toBeNull();
  });

  it('never keeps what is not an address', () => {
    expect(maskIp('not-an-ip', 'full')).toBeNull();
    expect(maskIp('', 'truncated')).toBeNull();
    expect(maskIp(null, 'full')).toBeNull();
  });
});
