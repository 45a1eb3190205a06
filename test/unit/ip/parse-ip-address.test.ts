import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipv6ToBigInt, ipv6WordsToBigInt, parseIpv4, parseIpv6 } from '../../../intelligence/ip/parse-ip-address.js';

/** A deterministic source of test addresses. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

describe('parseIpv4', () => {
  it.each([
    ['0.0.0.0', 0],
    ['1.2.3.4', 0x01020304],
    ['10.0.0.1', 0x0a000001],
    ['255.255.255.255', 0xffffffff],
    ['128.0.0.0', 0x80000000],
  ])('%s is %i', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
  });

  it('parses within bounds of a longer text', () => {
    expect(parseIpv4('ip=8.8.4.4;', 3, 10)).toBe(0x08080404);
  });

  it('agrees with node:net on what is an IPv4 address', () => {
    const samples = ['1.2.3', '1.2.3.4.5', '256.0.0.1', '1.256.0.1', '01.2.3.4', '1.2.3.04', '0.0.0.00', '1.2.3.', '.1.2.3', '1..2.3', '1.2.3.4 ', '+1.2.3.4', '1.2.3.1000', 'a.b.c.d', '١.٢.٣.٤', ''];
    const next = random(4);
    for (let i = 0; i < 2000; i += 1) {
      samples.push(Array.from({ length: 4 }, () => String(Math.floor(next() * 300))).join('.'));
    }
    for (const text of samples) expect(parseIpv4(text) >= 0, text).toBe(isIPv4(text));
  });
});

describe('parseIpv6', () => {
  const words = new Uint32Array(4);
  const value = (text: string) => (parseIpv6(text, words) ? ipv6WordsToBigInt(words) : undefined);

  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['1::', 1n << 112n],
    ['2001:db8::ff00:42:8329', 0x20010db8000000000000ff0000428329n],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', 0x20010db8000000000000ff0000428329n],
    ['::ffff:1.2.3.4', 0xffff01020304n],
    ['64:ff9b::192.0.2.33', 0x0064ff9b0000000000000000c0000221n],
    ['1:2:3:4:5:6:7::', 0x00010002000300040005000600070000n],
    ['::2:3:4:5:6:7:8', 0x00000002000300040005000600070008n],
    ['FFFF:ffff:FFFF:ffff:FFFF:ffff:FFFF:ffff', (1n << 128n) - 1n],
  ])('%s', (text, expected) => {
    expect(value(text)).toBe(expected);
  });

  it('reads back every address URL canonicalisation writes, compressed or not', () => {
    const next = random(6);
    for (let i = 0; i < 2000; i += 1) {
      // Runs of zero groups make the compressed forms appear.
      const groups = Array.from({ length: 8 }, () => (next() < 0.4 ? 0 : Math.floor(next() * 0x10000)));
      const full = groups.map((g) => g.toString(16)).join(':');
      const expected = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
      const canonical = new URL(`http://[${full}]/`).hostname.slice(1, -1);
      expect(value(full), full).toBe(expected);
      expect(value(canonical), canonical).toBe(expected);
    }
  });

  it('refuses what node:net refuses, and zone ids', () => {
    const samples = ['', ':', ':::', '::g', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', '1:', ':1', '1:2:3:4:5:6:7:8::', '::1.2.3', '::1.2.3.4.5', '1.2.3.4::', '::ffff:1.2.3.256', ' ::1', '::1 ', '[::1]', 'g::'];
    for (const text of samples) {
      expect(parseIpv6(text, words), text).toBe(false);
      expect(isIPv6(text), text).toBe(false);
    }
    expect(parseIpv6('fe80::1%eth0', words)).toBe(false);
  });

  it('gives BigInt values off the hot path', () => {
    expect(ipv6ToBigInt('2001:4860:4860::8888')).toBe(0x20014860486000000000000000008888n);
    expect(ipv6ToBigInt('nope')).toBeUndefined();
  });
});
