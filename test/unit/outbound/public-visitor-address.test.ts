import { describe, expect, it } from 'vitest';
import { isPublicUnicast } from '../../../platform/outbound/address-policy.js';

describe('public visitor addresses (the outbound rule)', () => {
  it('counts internet addresses, IPv4, IPv6 and IPv4-mapped, as public', () => {
    for (const ip of ['17.5.7.9', '8.8.8.8', '100.128.0.1', '172.32.0.1', '2a00:1450:4001:81b::200e', '::ffff:17.5.7.9']) {
      expect(isPublicUnicast(ip), ip).toBe(true);
    }
  });

  it('never looks up loopback, private, link-local, CGNAT, multicast or unique-local space, nor text that is no address', () => {
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1',
      '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1', '::ffff:10.0.0.1', 'localhost', '']) {
      expect(isPublicUnicast(ip), ip).toBe(false);
    }
  });
});
