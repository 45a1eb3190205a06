import { BlockList, isIP } from 'node:net';

/** Accepts `10.0.0.0/8`, `2001:db8::/32` or a bare address; returns a reason when it can't. */
export function checkCidr(entry: string): string | undefined {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `${entry} is not an IP address or CIDR range`;
  if (bits === undefined) return undefined;
  const prefix = Number(bits);
  const max = family === 4 ? 32 : 128;
  if (!/^\d+$/.test(bits) || prefix > max) return `${entry} has an invalid prefix length`;
  return undefined;
}

function normalise(ip: string): string {
  // Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d.
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

export function buildBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** An empty allowlist allows every address. */
export function ipAllowed(allowlist: BlockList | undefined, ip: string): boolean {
  if (allowlist === undefined) return true;
  const peer = normalise(ip);
  const family = isIP(peer);
  if (family === 0) return false;
  return allowlist.check(peer, family === 6 ? 'ipv6' : 'ipv4');
}

export function checkOrigin(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    if (url.origin !== entry || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      return `${entry} is not an origin like https://www.example.com`;
    }
    return undefined;
  } catch {
    return `${entry} is not an origin like https://www.example.com`;
  }
}

/** For publishable keys used from browsers; an empty list allows any origin. */
export function originAllowed(allowedOrigins: readonly string[], origin: string | undefined): boolean {
  if (allowedOrigins.length === 0) return true;
  return origin !== undefined && allowedOrigins.includes(origin);
}
