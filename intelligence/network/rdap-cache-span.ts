import ipaddr from 'ipaddr.js';
import { parseRdapAddress } from './rdap-bootstrap.js';

/**
 * Which addresses one RDAP answer may be reused for. A registry answers its
 * most specific network for the address asked; a larger network may hold
 * more specific assignments elsewhere (an ISP's /12 with a company's /24
 * inside), which that answer cannot show. So an answer is reused only within
 * the asked address's /24 (IPv4) or /48 (IPv6), the smallest blocks routed
 * between networks and the usual floor of a registry assignment, and within
 * the network itself. Pure.
 */
export interface RdapCacheSpan {
  /** The /24 or /48 holding the asked address, as `a.b.c.0/24`. */
  readonly block: string;
  readonly start: string;
  readonly end: string;
}

const BLOCK_BITS = { ipv4: 24, ipv6: 48 } as const;

function compareBytes(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * The /24 or /48 holding the address, its first and last address, and the
 * address as it is written in the cache (an IPv4-mapped IPv6 address as the
 * IPv4 one it carries); undefined when not an address.
 */
export function rdapCacheBlock(
  address: string,
): { readonly address: string; readonly block: string; readonly first: string; readonly last: string } | undefined {
  const parsed = parseRdapAddress(address);
  if (parsed === undefined) return undefined;
  const cidr = `${parsed.toString()}/${BLOCK_BITS[parsed.kind()]}`;
  const family = parsed.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
  const first = family.networkAddressFromCIDR(cidr).toString();
  return { address: parsed.toString(), block: `${first}/${BLOCK_BITS[parsed.kind()]}`, first, last: family.broadcastAddressFromCIDR(cidr).toString() };
}

/**
 * The span an answer for `address` covers: the network clipped to the
 * address's block, or the whole block when no registry holds it (`network`
 * undefined). Undefined when the network does not contain the address (a
 * registry's slip): such an answer is not reused.
 */
export function rdapCacheSpan(address: string, network: { readonly startAddress: string; readonly endAddress: string } | undefined): RdapCacheSpan | undefined {
  const block = rdapCacheBlock(address);
  const asked = parseRdapAddress(address);
  if (block === undefined || asked === undefined) return undefined;
  if (network === undefined) return { block: block.block, start: block.first, end: block.last };
  const start = parseRdapAddress(network.startAddress);
  const end = parseRdapAddress(network.endAddress);
  if (start === undefined || end === undefined || start.kind() !== asked.kind() || end.kind() !== asked.kind()) return undefined;
  const bytes = asked.toByteArray();
  if (compareBytes(start.toByteArray(), bytes) > 0 || compareBytes(end.toByteArray(), bytes) < 0) return undefined;
  const first = parseRdapAddress(block.first);
  const last = parseRdapAddress(block.last);
  if (first === undefined || last === undefined) return undefined;
  const clippedStart = compareBytes(start.toByteArray(), first.toByteArray()) > 0 ? start : first;
  const clippedEnd = compareBytes(end.toByteArray(), last.toByteArray()) < 0 ? end : last;
  return { block: block.block, start: clippedStart.toString(), end: clippedEnd.toString() };
}
