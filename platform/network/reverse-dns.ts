import { dnsErrorCode, dnsResolver, NO_RECORD_CODES, PERMANENT_DNS_CODES } from './dns.js';
import ipaddr from 'ipaddr.js';
import { failure, invalidInput, success, unavailable, type Outcome } from '../outcome.js';

/**
 * The PTR names of an address (RFC 1035 in-addr.arpa, RFC 3596 ip6.arpa),
 * asked of the deployment's resolvers (`ENRICHMENT_DNS_SERVERS`, the
 * system's when none), one try each, as every other DNS lookup of the
 * enrichment providers.
 */

export interface ReverseDns {
  /**
   * The address's names; no name (NXDOMAIN, NODATA) is an answer: `[]`. A
   * resolver that gives none is an `unavailable` problem, retryable after a
   * timeout, SERVFAIL, a refused or unreachable server; what is not an
   * address is `invalid-input`.
   */
  reverse(address: string): Promise<Outcome<string[]>>;
}

export interface ReverseDnsSettings {
  /** `host` or `host:port` (`[v6]:port`); the system's resolvers when none. */
  readonly servers?: readonly string[] | undefined;
  readonly timeoutMs: number;
}

const normalize = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');

/** The reverse-lookup name of an address (RFC 1035 in-addr.arpa, RFC 3596 ip6.arpa); undefined when it is not one. */
export function reverseLookupName(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const parsed = ipaddr.parse(address);
  const bytes = parsed.toByteArray().reverse();
  if (parsed.kind() === 'ipv4') return `${bytes.join('.')}.in-addr.arpa`;
  return `${bytes.flatMap((byte) => [(byte & 0xf).toString(16), (byte >> 4).toString(16)]).join('.')}.ip6.arpa`;
}

export function createReverseDns(settings: ReverseDnsSettings): ReverseDns {
  const resolver = dnsResolver(settings);
  return {
    async reverse(address) {
      const ip = address.trim();
      // Strict forms only: ipaddr.js would also read `1.2.3` or `0x7f.1` as an address.
      const name = ipaddr.IPv4.isValidFourPartDecimal(ip) || (ip.includes(':') && ipaddr.IPv6.isValid(ip)) ? reverseLookupName(ip) : undefined;
      if (name === undefined) return failure(invalidInput(['ip'], `not an IP address: ${JSON.stringify(address)}`));
      try {
        // A PTR query, not `resolver.reverse`: c-ares's reverse lookup reports a timeout or SERVFAIL as "not found".
        const names = await resolver.resolvePtr(name);
        return success([...new Set(names.map(normalize).filter((name) => name !== ''))]);
      } catch (error) {
        const code = dnsErrorCode(error);
        if (code !== undefined && NO_RECORD_CODES.has(code)) return success([]);
        const message = `reverse lookup of ${ip} failed: ${code ?? (error instanceof Error ? error.message : 'unknown error')}`;
        if (code === 'ETIMEOUT') return failure(unavailable(message, { retryable: true, cause: 'timeout' }));
        if (code !== undefined && PERMANENT_DNS_CODES.has(code)) return failure(unavailable(message, { retryable: false, cause: 'rejected' }));
        return failure(unavailable(message, { retryable: true, cause: 'unavailable' }));
      }
    },
  };
}
