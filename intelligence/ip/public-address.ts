import { parseIpv4, parseIpv6 } from './parse-ip-address.js';

// [network, mask] pairs of IPv4 space that is never routed on the public internet.
const PRIVATE_V4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 0xff000000], // 0.0.0.0/8
  [0x0a000000, 0xff000000], // 10.0.0.0/8
  [0x64400000, 0xffc00000], // 100.64.0.0/10, carrier-grade NAT
  [0x7f000000, 0xff000000], // 127.0.0.0/8
  [0xa9fe0000, 0xffff0000], // 169.254.0.0/16
  [0xac100000, 0xfff00000], // 172.16.0.0/12
  [0xc0a80000, 0xffff0000], // 192.168.0.0/16
];

function isPublicIpv4(v4: number): boolean {
  return !PRIVATE_V4.some(([network, mask]) => ((v4 & mask) >>> 0) === network) && v4 < 0xe0000000; // 224/3: multicast, reserved
}

/**
 * Whether an address could belong to a network on the internet: loopback,
 * private, link-local, CGNAT and unique-local space never does, so looking
 * it up is pointless (a visitor seen from behind a proxy with no forwarded
 * address, a test on localhost).
 */
export function isPublicAddress(ip: string): boolean {
  const v4 = parseIpv4(ip);
  if (v4 >= 0) return isPublicIpv4(v4);
  const words = new Uint32Array(4);
  if (!parseIpv6(ip, words)) return false;
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = words;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return isPublicIpv4(w3);
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 <= 1) return false; // :: and ::1
  const top = w0 >>> 16;
  return (top & 0xfe00) !== 0xfc00 && (top & 0xffc0) !== 0xfe80 && (top & 0xff00) !== 0xff00; // fc00::/7, fe80::/10, ff00::/8
}
