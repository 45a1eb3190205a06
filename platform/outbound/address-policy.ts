/**
 * Which addresses a request made on a tenant's or a lead's behalf may reach:
 * only public unicast space. The special ranges come from ipaddr.js (RFC 6890
 * and successors), not from a list kept here; IPv6 forms that carry an IPv4
 * address are judged by that address too, since a NAT64 gateway or a
 * dual-stack socket turns them into a connection to it.
 */
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { readonly public: true } | { readonly public: false; readonly range: string };

const PUBLIC: AddressVerdict = { public: true };
const refused = (range: string): AddressVerdict => ({ public: false, range });

function ipv4Verdict(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  return range === 'unicast' ? PUBLIC : refused(range);
}

/** The IPv4 address in the last 32 bits of an IPv6 address. */
function lowIpv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const parts = address.parts;
  const high = parts[6] ?? 0;
  const low = parts[7] ?? 0;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function ipv6Verdict(address: ipaddr.IPv6): AddressVerdict {
  const range = address.range();
  const parts = address.parts;
  // ::ffff:a.b.c.d is an IPv4 connection; 64:ff9b::a.b.c.d is one through the well-known NAT64 prefix.
  if (range === 'ipv4Mapped') return ipv4Verdict(address.toIPv4Address());
  if (range === 'rfc6052' && parts[2] === 0) {
    const embedded = ipv4Verdict(lowIpv4(address));
    return embedded.public ? PUBLIC : refused(`rfc6052 (${embedded.range})`);
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) is "unicast" to ipaddr.js; some stacks still route it to the IPv4 address.
  if (range === 'unicast' && parts.slice(0, 6).every((part) => part === 0)) return refused('ipv4Compatible');
  // Everything else that is not plain unicast: loopback, link-local, unique-local, multicast, the local-use NAT64
  // prefix 64:ff9b:1::/48 (site-specific by design), 6to4 and Teredo tunnels (their relays reach IPv4 space
  // we cannot judge from here), documentation, benchmarking and reserved space.
  return range === 'unicast' ? PUBLIC : refused(range);
}

/** Whether a literal address is public unicast; anything that does not parse is not. */
export function addressVerdict(text: string): AddressVerdict {
  const literal = text.replace(/^\[|\]$/g, '');
  // Zone ids (fe80::1%eth0) name a local interface: never public, and ipaddr.js parses them.
  if (!ipaddr.isValid(literal)) return refused('invalid');
  const address = ipaddr.parse(literal);
  return address.kind() === 'ipv4' ? ipv4Verdict(address as ipaddr.IPv4) : ipv6Verdict(address as ipaddr.IPv6);
}

export const isPublicUnicast = (text: string): boolean => addressVerdict(text).public;

/** An IP literal (brackets allowed), as opposed to a name. */
export function isIpLiteral(host: string): boolean {
  const literal = host.replace(/^\[|\]$/g, '');
  return ipaddr.IPv4.isValidFourPartDecimal(literal) || ipaddr.IPv6.isValid(literal);
}

/** Names that mean this machine whatever DNS says (RFC 6761). */
export function isLocalName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
