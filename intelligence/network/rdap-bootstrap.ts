import ipaddr from 'ipaddr.js';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';

/**
 * IANA's RDAP bootstrap registries (RFC 9224): which registry's RDAP service
 * answers for an address block or an AS number range. The files are
 * `{ version, publication, services: [[entries, urls], ...] }`; the entries
 * are CIDR prefixes (`ipv4.json`, `ipv6.json`) or AS number ranges
 * (`asn.json`). Pure: the caller fetches the files.
 */

export type IpBootstrapFile = 'ipv4.json' | 'ipv6.json';

interface IpService {
  readonly prefix: [ipaddr.IPv4 | ipaddr.IPv6, number];
  readonly urls: readonly string[];
}

interface AsnService {
  readonly first: number;
  readonly last: number;
  readonly urls: readonly string[];
}

export interface IpBootstrap {
  readonly kind: 'ip';
  readonly publication?: string;
  readonly services: readonly IpService[];
}

export interface AsnBootstrap {
  readonly kind: 'asn';
  readonly publication?: string;
  readonly services: readonly AsnService[];
}

interface RawService {
  readonly entries: readonly string[];
  readonly urls: readonly string[];
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The common shape of all three files; the URLs that are not http(s) are dropped, https first (RFC 9224 §4 asks clients to prefer it). */
function parseRegistry(json: unknown): Outcome<{ publication?: string; services: RawService[] }> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return failure(invalidInput([], 'an RDAP bootstrap file is a JSON object'));
  const { services, publication } = json as { services?: unknown; publication?: unknown };
  if (!Array.isArray(services)) return failure(invalidInput(['services'], 'an RDAP bootstrap file has a services array'));
  const parsed: RawService[] = [];
  for (const [index, service] of services.entries()) {
    if (!Array.isArray(service) || service.length < 2 || !isStringArray(service[0]) || !isStringArray(service[1])) {
      return failure(invalidInput(['services', index], 'a service is [[entries...], [urls...]]'));
    }
    const urls = preferHttps(service[1]);
    if (urls.length > 0) parsed.push({ entries: service[0], urls });
  }
  return success(typeof publication === 'string' ? { publication, services: parsed } : { services: parsed });
}

/** Absolute http(s) base URLs, each ending in `/` (RFC 9224 §3), https ones first. */
function preferHttps(urls: readonly string[]): string[] {
  const valid: URL[] = [];
  for (const text of urls) {
    const url = URL.parse(text);
    if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) continue;
    if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
    valid.push(url);
  }
  const https = valid.filter((url) => url.protocol === 'https:');
  const http = valid.filter((url) => url.protocol === 'http:');
  return [...https, ...http].map((url) => url.href);
}

/** `ipv4.json` or `ipv6.json`; a malformed prefix makes the whole file a problem rather than a silently smaller map. */
export function parseIpBootstrap(json: unknown): Outcome<IpBootstrap> {
  const registry = parseRegistry(json);
  if (!registry.ok) return registry;
  const services: IpService[] = [];
  for (const [index, service] of registry.value.services.entries()) {
    for (const entry of service.entries) {
      let prefix: [ipaddr.IPv4 | ipaddr.IPv6, number];
      try {
        prefix = ipaddr.parseCIDR(entry);
      } catch {
        return failure(invalidInput(['services', index], `not a CIDR prefix: ${JSON.stringify(entry)}`));
      }
      services.push({ prefix, urls: service.urls });
    }
  }
  const { publication } = registry.value;
  return success(publication === undefined ? { kind: 'ip', services } : { kind: 'ip', publication, services });
}

/** `asn.json`: entries are `first-last` or a single number. */
export function parseAsnBootstrap(json: unknown): Outcome<AsnBootstrap> {
  const registry = parseRegistry(json);
  if (!registry.ok) return registry;
  const services: AsnService[] = [];
  for (const [index, service] of registry.value.services.entries()) {
    for (const entry of service.entries) {
      const match = /^(\d{1,10})(?:-(\d{1,10}))?$/.exec(entry.trim());
      const first = Number(match?.[1]);
      const last = Number(match?.[2] ?? match?.[1]);
      if (match === null || first > last || last > 0xffff_ffff) {
        return failure(invalidInput(['services', index], `not an AS number range: ${JSON.stringify(entry)}`));
      }
      services.push({ first, last, urls: service.urls });
    }
  }
  const { publication } = registry.value;
  return success(publication === undefined ? { kind: 'asn', services } : { kind: 'asn', publication, services });
}

/** The address as parsed, an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as the IPv4 address it carries; undefined when not an address. */
export function parseRdapAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const text = address.trim();
  // A zone (`fe80::1%eth0`) names an interface of this machine: never a registry's business, and not an `inet`.
  if (text.includes('%') || !ipaddr.isValid(text)) return undefined;
  // ipaddr.js also reads legacy IPv4 forms (`010.1`, hex); only the canonical dotted quad is an address here.
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return ipaddr.process(text);
}

/** Which bootstrap file covers the address; undefined when it is not one. */
export function bootstrapFileFor(address: string): IpBootstrapFile | undefined {
  const parsed = parseRdapAddress(address);
  if (parsed === undefined) return undefined;
  return parsed.kind() === 'ipv4' ? 'ipv4.json' : 'ipv6.json';
}

/** The base URLs of the registry holding the longest prefix that contains the address, https first; empty when none does. */
export function rdapBaseUrlsForAddress(bootstrap: IpBootstrap, address: string): readonly string[] {
  const parsed = parseRdapAddress(address);
  if (parsed === undefined) return [];
  let best: IpService | undefined;
  for (const service of bootstrap.services) {
    const [network, length] = service.prefix;
    if (network.kind() !== parsed.kind() || (best !== undefined && best.prefix[1] >= length)) continue;
    if (parsed.match(service.prefix)) best = service;
  }
  return best?.urls ?? [];
}

/** The base URLs of the registry whose range holds the AS number, https first; empty when none does. */
export function rdapBaseUrlsForAsn(bootstrap: AsnBootstrap, asn: number): readonly string[] {
  if (!Number.isInteger(asn) || asn < 0) return [];
  // Ranges never overlap in IANA's file; the narrowest wins should one ever be nested.
  let best: AsnService | undefined;
  for (const service of bootstrap.services) {
    if (asn < service.first || asn > service.last) continue;
    if (best === undefined || service.last - service.first < best.last - best.first) best = service;
  }
  return best?.urls ?? [];
}
