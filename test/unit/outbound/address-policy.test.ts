import { describe, expect, it } from 'vitest';
import { addressVerdict, isIpLiteral, isLocalName, isPublicUnicast } from '../../../platform/outbound/address-policy.js';

describe('which addresses outbound requests may reach', () => {
  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['2606:4700:4700::1111'],
    ['::ffff:8.8.8.8'],
    // NAT64 (RFC 6052 well-known prefix) to a public address: how an IPv6-only deployment reaches IPv4 sites.
    ['64:ff9b::808:808'],
  ])('lets %s through: public unicast', (address) => {
    expect(addressVerdict(address)).toEqual({ public: true });
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052 (linkLocal)'],
    ['64:ff9b::7f00:1', 'rfc6052 (loopback)'],
    ['64:ff9b:1::a9fe:a9fe', 'rfc6052'],
    ['2002:a9fe:a9fe::', '6to4'],
    ['2002:808:808::1', '6to4'],
    ['2001::1', 'teredo'],
    ['::a9fe:a9fe', 'ipv4Compatible'],
    ['::7f00:1', 'ipv4Compatible'],
    ['::ffff:0:7f00:1', 'rfc6145'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'linkLocal'],
    ['not-an-address', 'invalid'],
  ])('refuses %s (%s)', (address, range) => {
    expect(addressVerdict(address)).toEqual({ public: false, range });
    expect(isPublicUnicast(address)).toBe(false);
  });

  it('tells literals from names, and names that mean this machine', () => {
    expect(isIpLiteral('[2002:a9fe:a9fe::]')).toBe(true);
    expect(isIpLiteral('127.0.0.1')).toBe(true);
    expect(isIpLiteral('hooks.example.com')).toBe(false);
    expect(isLocalName('localhost')).toBe(true);
    expect(isLocalName('API.localhost.')).toBe(true);
    expect(isLocalName('localhost.example.com')).toBe(false);
  });
});
