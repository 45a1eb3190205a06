/**
 * How outbound requests turn a name into addresses: the system resolver
 * (getaddrinfo, /etc/hosts included) unless DNS servers are configured, then
 * those servers over the DNS protocol. One resolution per connection: the
 * guard checks and dials the same answer.
 */
import { lookup } from 'node:dns/promises';
import { dnsResolver } from '../network/dns.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type ResolveAddresses = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: ResolveAddresses = async (host) =>
  (await lookup(host, { all: true, order: 'verbatim' })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** Asks `servers` (host or host:port) for A and AAAA records; a name with neither fails as the system resolver does (ENOTFOUND). */
export function dnsServerResolver(servers: readonly string[], timeoutMs: number): ResolveAddresses {
  const resolver = dnsResolver({ servers, timeoutMs, tries: 2 });
  return async (host) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length > 0) return addresses;
    // The IPv4 answer's error says most (NXDOMAIN → ENOTFOUND); an IPv6-only name's ENODATA comes second.
    const failed = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined;
    throw failed instanceof Error ? failed : Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
  };
}
