/**
 * What a homepage declares about its organisation in schema.org JSON-LD
 * (`<script type="application/ld+json">`): the Organization node (or a
 * subtype: Corporation, LocalBusiness, Store…), found at the top level, in an
 * array, in an `@graph`, or as a WebSite's publisher, with `@id` references
 * followed. Only what the node states is read; nothing is inferred.
 */
import { socialProfile, type SocialNetwork } from './social-links.js';

export interface PostalAddress {
  readonly street?: string;
  readonly locality?: string;
  readonly region?: string;
  readonly postalCode?: string;
  /** ISO 3166-1 alpha-2, upper case. */
  readonly country?: string;
}

export interface OrganizationData {
  readonly type: string;
  readonly name?: string;
  readonly legalName?: string;
  readonly alternateName?: string;
  readonly description?: string;
  readonly url?: string;
  readonly logo?: string;
  readonly address?: PostalAddress;
  /** Profiles named in `sameAs`, one per network, canonical. */
  readonly sameAs: { readonly [network in SocialNetwork]?: string };
  /** `foundingDate` as written when it is a date (`2010`, `2010-06`, `2010-06-01`). */
  readonly foundingDate?: string;
  readonly foundedYear?: number;
  /** `numberOfEmployees`: a count, or the middle of a stated range. */
  readonly employees?: number;
  readonly email?: string;
  readonly telephone?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

const MAX_BLOCK = 512 * 1024;
const MAX_NODES = 2_000;
const MAX_TEXT = 1_000;

// schema.org's Organization and the subtypes a company homepage uses; a type
// ending in Organization, Business or Store (MedicalOrganization, OnlineBusiness,
// ClothingStore…) is one too.
const ORGANIZATION_TYPES = new Set([
  'organization', 'corporation', 'localbusiness', 'onlinebusiness', 'onlinestore', 'store', 'ngo', 'airline', 'consortium',
  'cooperative', 'fundingscheme', 'librarysystem', 'performinggroup', 'politicalparty', 'project', 'workersunion',
  'professionalservice', 'restaurant', 'hotel', 'bank', 'financialservice', 'insuranceagency', 'legalservice', 'attorney',
  'realestateagent', 'travelagency', 'autodealer', 'dentist', 'physician', 'employmentagency', 'softwarecompany',
]);
const ORGANIZATION_SUFFIX = /(?:organization|business|store|corporation)$/i;

const isNode = (value: Json | undefined): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: Json | undefined): Json[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

function typesOf(node: Node): string[] {
  return asArray(node['@type']).flatMap((type) => (typeof type === 'string' ? [type.replace(/^(?:https?:\/\/)?schema\.org\//i, '')] : []));
}

function isOrganization(node: Node): boolean {
  return typesOf(node).some((type) => ORGANIZATION_TYPES.has(type.toLowerCase()) || ORGANIZATION_SUFFIX.test(type));
}

function text(value: Json | undefined): string | undefined {
  const first = asArray(value).find((item) => typeof item === 'string' || typeof item === 'number' || (isNode(item) && typeof item['@value'] === 'string'));
  const raw = isNode(first) ? first['@value'] : first;
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const collapsed = String(raw).replace(/[\s\u00a0]+/g, ' ').trim();
  return collapsed !== '' && collapsed.length <= MAX_TEXT ? collapsed : undefined;
}

/** Every node of every JSON-LD block, flattened (arrays, `@graph`, nested values), with an index by `@id`. */
function collect(blocks: readonly string[]): { nodes: Node[]; byId: Map<string, Node> } {
  const nodes: Node[] = [];
  const byId = new Map<string, Node>();
  const visit = (value: Json, depth: number) => {
    if (nodes.length >= MAX_NODES || depth > 12) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    if (!isNode(value)) return;
    nodes.push(value);
    const id = value['@id'];
    // A bare reference (`{"@id": …}`) may come before the node it names.
    if (typeof id === 'string' && Object.keys(byId.get(id) ?? {}).length <= 1) byId.set(id, value);
    for (const [key, child] of Object.entries(value)) if (key !== '@context') visit(child, depth + 1);
  };
  for (const block of blocks) {
    if (block.length > MAX_BLOCK) continue;
    try {
      // Some sites wrap the JSON in an HTML comment or CDATA; a stray one is cut, never evaluated.
      visit(JSON.parse(block.trim().replace(/^(?:<!--|\/\/\s*<!\[CDATA\[)|(?:-->|\/\/\s*\]\]>)$/g, '')) as Json, 0);
    } catch {
      // Not JSON: many sites ship a broken block; the others still count.
    }
  }
  return { nodes, byId };
}

/** A node itself, or the node its `@id` reference names. */
function resolve(value: Json | undefined, byId: ReadonlyMap<string, Node>): Node | undefined {
  const node = asArray(value).find(isNode);
  if (node === undefined) return undefined;
  const id = node['@id'];
  if (typeof id === 'string' && Object.keys(node).length === 1) return byId.get(id) ?? node;
  return node;
}

function absoluteUrl(value: string | undefined, base: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value, base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function imageUrl(value: Json | undefined, byId: ReadonlyMap<string, Node>, base: string): string | undefined {
  const direct = text(value);
  if (direct !== undefined) return absoluteUrl(direct, base);
  const node = resolve(value, byId);
  return node === undefined ? undefined : absoluteUrl(text(node.url) ?? text(node.contentUrl), base);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
// Region codes CLDR names that are no country: the EU, the eurozone, the UN, "outlying Oceania", pseudo-locales, "unknown".
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ']);
let countryCodes: Map<string, string> | undefined;

/** An ISO 3166-1 alpha-2 code from a code or an English country name, from the runtime's CLDR data. */
export function countryCode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) {
    const code = trimmed.toUpperCase();
    if (code === 'UK') return 'GB';
    // `Intl.DisplayNames` echoes a code it does not know.
    return regionNames.of(code) !== code && !NOT_COUNTRIES.has(code) ? code : undefined;
  }
  if (countryCodes === undefined) {
    countryCodes = new Map();
    for (let a = 65; a <= 90; a += 1) {
      for (let b = 65; b <= 90; b += 1) {
        const code = String.fromCharCode(a, b);
        const name = regionNames.of(code);
        // The first code of a name wins: GB before UK, its reserved alias.
        if (name !== undefined && name !== code && !NOT_COUNTRIES.has(code) && !countryCodes.has(name.toLowerCase())) countryCodes.set(name.toLowerCase(), code);
      }
    }
    for (const [alias, code] of [['usa', 'US'], ['united states of america', 'US'], ['uk', 'GB'], ['great britain', 'GB'], ['england', 'GB']] as const) countryCodes.set(alias, code);
  }
  return countryCodes.get(trimmed.toLowerCase());
}

function addressOf(value: Json | undefined, byId: ReadonlyMap<string, Node>): PostalAddress | undefined {
  const node = resolve(value, byId);
  if (node === undefined) return undefined;
  const countryValue = node.addressCountry;
  const countryNode = resolve(countryValue, byId);
  const country = countryCode(text(countryValue) ?? (countryNode === undefined ? undefined : (text(countryNode.identifier) ?? text(countryNode.name))));
  const address: PostalAddress = {
    street: text(node.streetAddress),
    locality: text(node.addressLocality),
    region: text(node.addressRegion),
    postalCode: text(node.postalCode),
    country,
  };
  const present = Object.fromEntries(Object.entries(address).filter(([, part]) => part !== undefined)) as PostalAddress;
  return Object.keys(present).length > 0 ? present : undefined;
}

function employeesOf(value: Json | undefined, byId: ReadonlyMap<string, Node>): number | undefined {
  const count = (raw: Json | undefined): number | undefined => {
    const parsed = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.replace(/[,\s]/g, '')) : Number.NaN;
    return Number.isFinite(parsed) && parsed >= 1 && parsed < 10_000_000 ? Math.round(parsed) : undefined;
  };
  const direct = count(asArray(value)[0]);
  if (direct !== undefined) return direct;
  const range = typeof asArray(value)[0] === 'string' ? /^\s*([\d,]+)\s*[-–]\s*([\d,]+)\s*$/.exec(String(asArray(value)[0])) : null;
  if (range) {
    const [low, high] = [count(range[1]), count(range[2])];
    return low !== undefined && high !== undefined && high >= low ? Math.round((low + high) / 2) : undefined;
  }
  const node = resolve(value, byId);
  if (node === undefined) return undefined;
  const exact = count(node.value);
  if (exact !== undefined) return exact;
  const [min, max] = [count(node.minValue), count(node.maxValue)];
  if (min !== undefined && max !== undefined && max >= min) return Math.round((min + max) / 2);
  return min ?? max;
}

function founding(value: Json | undefined): { foundingDate?: string; foundedYear?: number } {
  const raw = text(value);
  const match = raw === undefined ? null : /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T.*)?$/.exec(raw);
  if (match === null) return {};
  const year = Number(match[1]);
  return year >= 1600 && year <= 2100 ? { foundingDate: raw?.slice(0, 10), foundedYear: year } : {};
}

function contactOf(node: Node, byId: ReadonlyMap<string, Node>): { email?: string; telephone?: string } {
  const points = asArray(node.contactPoint).map((point) => resolve(point, byId)).filter((point): point is Node => point !== undefined);
  const email = [node, ...points].map((source) => text(source.email)).find((value) => value !== undefined);
  const telephone = [node, ...points].map((source) => text(source.telephone)).find((value) => value !== undefined);
  const cleanEmail = email?.replace(/^mailto:/i, '');
  return {
    ...(cleanEmail !== undefined && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(cleanEmail) ? { email: cleanEmail.toLowerCase() } : {}),
    ...(telephone !== undefined && /\d{4}/.test(telephone) ? { telephone } : {}),
  };
}

function hostOf(url: string | undefined): string | undefined {
  try {
    return url === undefined ? undefined : new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return undefined;
  }
}

/**
 * The organisation a page declares, from its JSON-LD blocks: the WebSite's
 * publisher if named, else the Organization node whose `url` is this site,
 * else the first with a name. Undefined when no block declares one.
 */
export function organizationFromJsonLd(blocks: readonly string[], pageUrl: string): OrganizationData | undefined {
  const { nodes, byId } = collect(blocks);
  const resolved = nodes.map((node) => resolve(node, byId) ?? node);
  const organizations = resolved.filter((node) => isOrganization(node) && text(node.name) !== undefined);
  const publisher = resolved
    .filter((node) => typesOf(node).some((type) => type.toLowerCase() === 'website'))
    .map((site) => resolve(site.publisher, byId))
    .find((node): node is Node => node !== undefined && isOrganization(node) && text(node.name) !== undefined);
  const host = hostOf(pageUrl);
  const sameSite = organizations.find((node) => host !== undefined && hostOf(text(node.url)) === host);
  const chosen = publisher ?? sameSite ?? organizations[0];
  if (chosen === undefined) return undefined;

  const sameAs: { [network in SocialNetwork]?: string } = {};
  for (const link of asArray(chosen.sameAs)) {
    if (typeof link !== 'string') continue;
    const profile = socialProfile(link);
    if (profile !== undefined && sameAs[profile[0]] === undefined) sameAs[profile[0]] = profile[1];
  }
  const address = addressOf(chosen.address, byId) ?? addressOf(resolve(chosen.location, byId)?.address, byId);
  const organization: OrganizationData = {
    type: typesOf(chosen)[0] ?? 'Organization',
    name: text(chosen.name),
    legalName: text(chosen.legalName),
    alternateName: text(chosen.alternateName),
    description: text(chosen.description),
    url: absoluteUrl(text(chosen.url), pageUrl),
    logo: imageUrl(chosen.logo, byId, pageUrl) ?? imageUrl(chosen.image, byId, pageUrl),
    address,
    sameAs,
    ...founding(chosen.foundingDate),
    employees: employeesOf(chosen.numberOfEmployees, byId),
    ...contactOf(chosen, byId),
  };
  return Object.fromEntries(Object.entries(organization).filter(([, value]) => value !== undefined)) as unknown as OrganizationData;
}
