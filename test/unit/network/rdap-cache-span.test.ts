import { describe, expect, it } from 'vitest';
import { rdapCacheBlock, rdapCacheSpan } from '../../../intelligence/network/rdap-cache-span.js';

describe('rdapCacheSpan', () => {
  it('clips a network larger than the block to the asked address /24', () => {
    expect(rdapCacheSpan('96.64.200.9', { startAddress: '96.64.0.0', endAddress: '96.95.255.255' })).toEqual({
      block: '96.64.200.0/24',
      start: '96.64.200.0',
      end: '96.64.200.255',
    });
  });

  it('keeps a network smaller than the block as it is', () => {
    expect(rdapCacheSpan('96.64.10.3', { startAddress: '96.64.10.0', endAddress: '96.64.10.7' })).toEqual({
      block: '96.64.10.0/24',
      start: '96.64.10.0',
      end: '96.64.10.7',
    });
  });

  it('clips IPv6 networks to the /48, and covers the whole block when no registry holds the address', () => {
    expect(rdapCacheSpan('2a01:4f8:c17:1::1', { startAddress: '2a01:4f8::', endAddress: '2a01:4ff:ffff:ffff:ffff:ffff:ffff:ffff' })).toEqual({
      block: '2a01:4f8:c17::/48',
      start: '2a01:4f8:c17::',
      end: '2a01:4f8:c17:ffff:ffff:ffff:ffff:ffff',
    });
    expect(rdapCacheSpan('5.1.2.3', undefined)).toEqual({ block: '5.1.2.0/24', start: '5.1.2.0', end: '5.1.2.255' });
  });

  it('reads IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(rdapCacheBlock('::ffff:8.8.8.8')).toEqual({ address: '8.8.8.8', block: '8.8.8.0/24', first: '8.8.8.0', last: '8.8.8.255' });
  });

  it('reuses nothing when the network does not contain the address, or for what is not an address', () => {
    expect(rdapCacheSpan('8.8.4.4', { startAddress: '8.8.8.0', endAddress: '8.8.8.255' })).toBeUndefined();
    expect(rdapCacheSpan('8.8.8.8', { startAddress: '2001:db8::', endAddress: '2001:db8::ff' })).toBeUndefined();
    expect(rdapCacheSpan('nope', undefined)).toBeUndefined();
    expect(rdapCacheBlock('1.2.3')).toBeUndefined();
  });
});
