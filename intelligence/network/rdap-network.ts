import { registrableDomain } from '../domains/registrable-domain.js';
import { mailDomainKind } from '../enrichment/mail-domain-kind.js';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import { parseRdapAddress } from './rdap-bootstrap.js';

/**
 * What a registry's RDAP answer for an address says of its network
 * (RFC 9083 §5.4, `objectClassName: "ip network"`): who holds it and which
 * domains its holder's contacts use. Pure.
 */
export interface RdapNetwork {
  readonly handle: string;
  /** The registry's name of the block, e.g. `GOOGLE`, `HETZNER-FSN1-DC1`. */
  readonly name?: string;
  /** e.g. `DIRECT ALLOCATION`, `ASSIGNED PA`. */
  readonly type?: string;
  readonly startAddress: string;
  readonly endAddress: string;
  readonly country?: string;
  /** The entity with the role registrant, else the first contact that is not the registry itself. */
  readonly registrant?: { readonly name: string; readonly handle?: string };
  /** Registrable domains of the registrant's and its administrative and technical contacts' mail and web addresses, most cited first. */
  readonly domains: readonly string[];
  /** Description lines of the network's remarks (RIPE and APNIC put the holder's own words there). */
  readonly remarks: readonly string[];
  readonly parentHandle?: string;
}

/**
 * Domains of the registries themselves (the five RIRs, IANA, and the national
 * registries under APNIC and LACNIC that answer RDAP): a contact there is the
 * registry's, never the holder's. 14 names; a registry's domain taken for a
 * holder's would make every network it serves "theirs".
 */
const REGISTRY_DOMAINS: ReadonlySet<string> = new Set([
  'arin.net',
  'ripe.net',
  'apnic.net',
  'lacnic.net',
  'afrinic.net',
  'iana.org',
  'icann.org',
  'nic.ad.jp',
  'jpnic.ad.jp',
  'kisa.or.kr',
  'twnic.net.tw',
  'cnnic.cn',
  'registro.br',
  'nic.br',
]);

/** Roles whose contacts speak for the holder; abuse and NOC desks are often an upstream's. */
const HOLDER_ROLES: ReadonlySet<string> = new Set(['registrant', 'administrative', 'technical']);

interface Card {
  readonly handle?: string;
  readonly roles: readonly string[];
  readonly name?: string;
  readonly emails: readonly string[];
  readonly urls: readonly string[];
  readonly country?: string;
  readonly depth: number;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** A jCard property's value as text: structured values (`org`, `adr`) give their first non-empty component. */
function propertyText(values: readonly unknown[]): string | undefined {
  for (const value of values) {
    if (Array.isArray(value)) {
      const first = value.map(text).find((part) => part !== undefined);
      if (first !== undefined) return first;
    } else {
      const single = text(value);
      if (single !== undefined) return single;
    }
  }
  return undefined;
}

/** The jCard (RFC 7095: `["vcard", [[name, params, type, value...], ...]]`) properties of an entity, by lowercased name. */
function jcardProperties(vcardArray: unknown): Map<string, { params: Json; values: unknown[] }[]> {
  const properties = new Map<string, { params: Json; values: unknown[] }[]>();
  if (!Array.isArray(vcardArray) || vcardArray[0] !== 'vcard' || !Array.isArray(vcardArray[1])) return properties;
  for (const property of vcardArray[1] as unknown[]) {
    if (!Array.isArray(property) || typeof property[0] !== 'string' || property.length < 4) continue;
    const name = property[0].toLowerCase();
    const list = properties.get(name) ?? [];
    list.push({ params: isObject(property[1]) ? property[1] : {}, values: property.slice(3) });
    properties.set(name, list);
  }
  return properties;
}

/** `adr`'s country: the RFC 8605 `cc` parameter, else a two-letter country component. */
function countryOf(addresses: readonly { params: Json; values: unknown[] }[]): string | undefined {
  for (const { params, values } of addresses) {
    const cc = text(params['cc']);
    if (cc !== undefined && /^[a-z]{2}$/i.test(cc)) return cc.toUpperCase();
    const components = Array.isArray(values[0]) ? (values[0] as unknown[]) : [];
    const last = text(components[6]);
    if (last !== undefined && /^[a-z]{2}$/i.test(last)) return last.toUpperCase();
  }
  return undefined;
}

function cardOf(entity: Json, depth: number): Card {
  const properties = jcardProperties(entity['vcardArray']);
  const all = (name: string) => properties.get(name) ?? [];
  const name = propertyText(all('fn').flatMap((p) => p.values)) ?? propertyText(all('org').flatMap((p) => p.values));
  const handle = text(entity['handle']);
  const roles = Array.isArray(entity['roles']) ? entity['roles'].map(text).filter((r) => r !== undefined).map((r) => r.toLowerCase()) : [];
  const emails = all('email').map((p) => propertyText(p.values)).filter((v) => v !== undefined);
  const urls = all('url').map((p) => propertyText(p.values)).filter((v) => v !== undefined);
  const country = countryOf(all('adr'));
  return {
    roles,
    emails,
    urls,
    depth,
    ...(handle === undefined ? {} : { handle }),
    ...(name === undefined ? {} : { name }),
    ...(country === undefined ? {} : { country }),
  };
}

/** Every entity, depth first, nested ones after their parent (ARIN hangs the contacts under the organisation). */
function walkEntities(entities: unknown, depth = 0, into: Card[] = []): Card[] {
  if (!Array.isArray(entities) || depth > 8) return into;
  for (const entity of entities) {
    if (!isObject(entity)) continue;
    into.push(cardOf(entity, depth));
    walkEntities(entity['entities'], depth + 1, into);
  }
  return into;
}

/** The registrable domain of a mail address or a web address; undefined for anything else. */
function domainOfContact(value: string, kind: 'email' | 'url'): string | undefined {
  if (kind === 'email') {
    const address = value.replace(/^mailto:/i, '');
    const at = address.lastIndexOf('@');
    return at < 0 ? undefined : registrableDomain(address.slice(at + 1));
  }
  const url = URL.parse(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  return url === null ? undefined : registrableDomain(url.hostname);
}

const isRegistryDomain = (domain: string): boolean => REGISTRY_DOMAINS.has(domain);

function cardDomains(card: Card): string[] {
  return [
    ...card.emails.map((email) => domainOfContact(email, 'email')),
    ...card.urls.map((url) => domainOfContact(url, 'url')),
  ].filter((domain) => domain !== undefined);
}

/** A contact of the registry itself (its hostmaster, its IRT): every address it gives is a registry's. */
function isRegistryCard(card: Card): boolean {
  const domains = cardDomains(card);
  return domains.length > 0 && domains.every(isRegistryDomain);
}

function pickRegistrant(cards: readonly Card[]): Card | undefined {
  const named = cards.filter((card) => card.name !== undefined);
  // The registrant role, the shallowest one, whoever it is (a registry holds its own blocks too).
  const registrant = named.filter((card) => card.roles.includes('registrant')).sort((a, b) => a.depth - b.depth)[0];
  if (registrant !== undefined) return registrant;
  // Else the first contact speaking for the holder, then any but an abuse desk; never the registry's own.
  const others = named.filter((card) => !isRegistryCard(card));
  return others.find((card) => card.roles.some((role) => HOLDER_ROLES.has(role))) ?? others.find((card) => !card.roles.every((role) => role === 'abuse'));
}

/** Domains cited by the holder's contacts, most cited first (ties in order of appearance). */
function holderDomains(cards: readonly Card[]): string[] {
  const counts = new Map<string, number>();
  for (const card of cards) {
    if (!card.roles.some((role) => HOLDER_ROLES.has(role))) continue;
    for (const domain of cardDomains(card)) {
      // Free, disposable and home-ISP mail says nothing of who holds the block.
      if (isRegistryDomain(domain) || mailDomainKind(domain) !== 'business') continue;
      counts.set(domain, (counts.get(domain) ?? 0) + 1);
    }
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([domain]) => domain);
}

function remarkLines(remarks: unknown): string[] {
  if (!Array.isArray(remarks)) return [];
  const lines = remarks
    .filter(isObject)
    .flatMap((remark) => (Array.isArray(remark['description']) ? remark['description'] : []))
    .map(text)
    .filter((line) => line !== undefined);
  return [...new Set(lines)];
}

/** Parses an RDAP answer for an address; anything that is not an `ip network` object is an `invalid-input` problem. */
export function parseRdapNetwork(json: unknown): Outcome<RdapNetwork> {
  if (!isObject(json)) return failure(invalidInput([], 'an RDAP answer is a JSON object'));
  if (json['objectClassName'] !== 'ip network') {
    return failure(invalidInput(['objectClassName'], `expected "ip network", got ${JSON.stringify(json['objectClassName'] ?? null)}`));
  }
  const handle = text(json['handle']);
  if (handle === undefined) return failure(invalidInput(['handle'], 'an ip network has a handle'));
  const startAddress = text(json['startAddress']);
  const endAddress = text(json['endAddress']);
  const start = startAddress === undefined ? undefined : parseRdapAddress(startAddress);
  const end = endAddress === undefined ? undefined : parseRdapAddress(endAddress);
  if (start === undefined) return failure(invalidInput(['startAddress'], 'an ip network has a start address'));
  if (end === undefined) return failure(invalidInput(['endAddress'], 'an ip network has an end address'));
  if (start.kind() !== end.kind()) return failure(invalidInput(['endAddress'], 'start and end are of one IP version'));

  const cards = walkEntities(json['entities']);
  const registrant = pickRegistrant(cards);
  const name = text(json['name']);
  const type = text(json['type']);
  const countryField = text(json['country']);
  const country = countryField?.toUpperCase() ?? registrant?.country;
  const parentHandle = text(json['parentHandle']);
  return success({
    handle,
    startAddress: start.toString(),
    endAddress: end.toString(),
    domains: holderDomains(cards),
    remarks: remarkLines(json['remarks']),
    ...(name === undefined ? {} : { name }),
    ...(type === undefined ? {} : { type }),
    ...(country === undefined ? {} : { country }),
    ...(registrant?.name === undefined
      ? {}
      : { registrant: registrant.handle === undefined ? { name: registrant.name } : { name: registrant.name, handle: registrant.handle } }),
    ...(parentHandle === undefined ? {} : { parentHandle }),
  });
}
