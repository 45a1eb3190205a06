import { parse } from 'tldts';

/**
 * Where a host's owner begins: the registrable domain ("eTLD+1") of the
 * Public Suffix List, through `tldts`, which ships the list. Private
 * suffixes count (`acme.github.io` is Acme's, not GitHub's), since the
 * question is always "whose name is this". Pure: the list is data in the
 * package, refreshed by upgrading it.
 */

// Hosts only: a URL, a port or a path is the caller's to strip, so a stray `/` cannot move the answer.
const PARSE_OPTIONS = { allowPrivateDomains: true, extractHostname: false, detectIp: true, validateHostname: true } as const;
const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

export interface DomainParts {
  /** `acme.co.uk` of `mail.eu.acme.co.uk`. */
  readonly registrable: string;
  /** `co.uk`. */
  readonly publicSuffix: string;
  /** `acme`: the registrable domain without its suffix. */
  readonly label: string;
  /** The suffix is one of the ICANN section (a country or generic TLD and its registries), not a private one. */
  readonly icann: boolean;
}

function normalize(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** The host's registrable domain and suffix; undefined for an IP address, a bare suffix (`co.uk`) or a single label. */
export function domainParts(host: string): DomainParts | undefined {
  const normalized = normalize(host);
  // tldts leaves a host it was not asked to extract unchecked: letters, digits, hyphens and dots only (IDNs in punycode).
  if (!HOST_NAME.test(normalized)) return undefined;
  const parsed = parse(normalized, PARSE_OPTIONS);
  if (parsed.isIp || parsed.domain === null || parsed.publicSuffix === null || parsed.domainWithoutSuffix === null) return undefined;
  return { registrable: parsed.domain, publicSuffix: parsed.publicSuffix, label: parsed.domainWithoutSuffix, icann: parsed.isIcann === true };
}

/** `acme.co.uk` of `www.acme.co.uk`; undefined when the host has none (see `domainParts`). */
export function registrableDomain(host: string): string | undefined {
  return domainParts(host)?.registrable;
}

/** Whether the host is itself a registrable domain (`acme.com`, not `www.acme.com` nor `co.uk`). */
export function isRegistrableDomain(host: string): boolean {
  const normalized = normalize(host);
  return domainParts(normalized)?.registrable === normalized;
}

/** The domain and each parent down to its registrable domain: `a.b.acme.com` → `a.b.acme.com`, `b.acme.com`, `acme.com`. */
export function domainAndParentsToRegistrable(host: string): string[] {
  const normalized = normalize(host);
  const registrable = registrableDomain(normalized);
  if (registrable === undefined) return [normalized];
  const names: string[] = [];
  for (let name = normalized; ; name = name.slice(name.indexOf('.') + 1)) {
    names.push(name);
    if (name === registrable || !name.includes('.')) break;
  }
  return names;
}
