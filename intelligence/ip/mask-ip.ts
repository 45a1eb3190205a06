import { parseIpv4, parseIpv6 } from './parse-ip-address.js';

/** What a tenant keeps of visitor addresses. */
export type IpStorage = 'full' | 'truncated' | 'none';

/**
 * The address as the tenant chose to keep it: whole, truncated to its
 * network (IPv4 /24, IPv6 /48, as analytics tools commonly anonymise), or
 * not at all. Something that is not an address is never kept.
 */
export function maskIp(ip: string | null | undefined, storage: IpStorage): string | null {
  if (ip === null || ip === undefined || storage === 'none') return null;
  const text = ip.startsWith('::ffff:') && parseIpv4(ip.slice(7)) >= 0 ? ip.slice(7) : ip;
  const v4 = parseIpv4(text);
  if (v4 >= 0) {
    const kept = storage === 'full' ? v4 : v4 & 0xffffff00;
    return [kept >>> 24, (kept >>> 16) & 255, (kept >>> 8) & 255, kept & 255].join('.');
  }
  const words = new Uint32Array(4);
  if (!parseIpv6(text, words)) return null;
  if (storage === 'full') return text.toLowerCase();
  const [w0 = 0, w1 = 0] = words;
  return `${(w0 >>> 16).toString(16)}:${(w0 & 0xffff).toString(16)}:${(w1 >>> 16).toString(16)}::`;
}
