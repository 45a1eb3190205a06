/**
 * What a visitor's network is and whose it is, from every piece of evidence
 * there is about one address: the ASN table's organisation (with the
 * hand-labelled kinds of the largest networks), the operator's own PeeringDB
 * entry where synced, the address's reverse DNS name, and the registry's
 * RDAP record of the smallest block holding it. Pure: the enrichment provider
 * gathers the evidence and stores the verdict as lead fields.
 *
 * The order of trust, and why:
 * 1. a hand-labelled number (known-networks.ts) or the operator's PeeringDB
 *    type: what the network is, said by someone who checked;
 * 2. carrier or hosting words in the organisation's name;
 * 3. for a name that says nothing (the classifier's default `business`), the
 *    address's own evidence: a subscriber-pool or server PTR name, carrier or
 *    hosting words in the registry record. A name that says "one
 *    organisation" (a university, a ministry) is not overruled by a `dhcp-`
 *    PTR name: that is the campus network's own naming.
 * A block a carrier assigned to a customer (RDAP registrant other than the
 * carrier, not itself a carrier or host, the address not named as a
 * subscriber pool) is the customer's own network: a static business line.
 */
import ipaddr from 'ipaddr.js';
import { mailDomainKind } from '../enrichment/mail-domain-kind.js';
import { registrableDomain } from '../domains/registrable-domain.js';
import { ORGANIZATION_DOMAINS, organizationNameKey } from '../ip/network-companies.js';
import { readNetworkName, type NetworkKind } from '../ip/network-kind.js';
import type { PtrName } from './ptr-naming.js';
import type { RdapNetwork } from './rdap-network.js';

export interface PeeringDbEvidence {
  readonly name: string;
  readonly infoType: string;
  /** What the type says of the network's kind; undefined for types that say nothing (route servers, not disclosed). */
  readonly kind: NetworkKind | undefined;
  readonly website?: string | undefined;
}

export interface NetworkEvidence {
  readonly asn?: { readonly asn: number; readonly organization: string } | undefined;
  readonly peeringDb?: PeeringDbEvidence | undefined;
  /** The address's first PTR name, read. */
  readonly ptr?: PtrName | undefined;
  readonly rdap?: RdapNetwork | undefined;
}

export interface NetworkCompanyClaim {
  readonly domain: string;
  readonly name: string | undefined;
  /** 0 to 1, the evidence combined as independent signals. */
  readonly confidence: number;
  readonly detail: string;
}

export interface NetworkVerdict {
  /** Undefined when nothing is known of the address's network at all. */
  readonly kind: NetworkKind | undefined;
  /** Why, in words, first the deciding reason. */
  readonly reasons: readonly string[];
  /** How the kind was reached: checked by someone (a hand label, PeeringDB), read from evidence, or the default for a name that says nothing. */
  readonly basis: 'checked' | 'read' | 'default' | 'none';
  /** Whose network the address is on: a carrier's customer, else the ASN's organisation. */
  readonly organization: string | undefined;
  /** On a business network, the company it belongs to where a domain is known. */
  readonly company: NetworkCompanyClaim | undefined;
}

/** A curated organisation's domain: its network and its name checked by hand. */
const CURATED_CONFIDENCE = 0.6;
/** A machine named in the organisation's own domain (gw1.acme.com): the network's owner named its hosts. */
const PTR_DOMAIN_CONFIDENCE = 0.6;
/** A domain of the registry record's contacts: the registrant's, but a consultant or a parent may be listed. */
const RDAP_DOMAIN_CONFIDENCE = 0.5;
/** A customer block with no PTR or registry corroboration of the network's kind: less sure than the ASN's own. */
const CUSTOMER_BLOCK_PENALTY = 0.9;
/** A /20: larger "customer" blocks are a reseller's or a carrier's own aggregate, not one office. */
const CUSTOMER_BLOCK_MAX_ADDRESSES = 4096;

const combine = (confidences: readonly number[]): number => Math.round((1 - confidences.reduce((rest, c) => rest * (1 - c), 1)) * 1000) / 1000;

/** How many addresses an IPv4 block holds; undefined for IPv6 (a customer's /48 is normal: sizes don't compare) and for text that is no IPv4 address. */
function ipv4BlockSize(network: RdapNetwork): number | undefined {
  const toNumber = (address: string): number | undefined =>
    ipaddr.IPv4.isValidFourPartDecimal(address) ? ipaddr.IPv4.parse(address).toByteArray().reduce((n, byte) => n * 256 + byte, 0) : undefined;
  const start = toNumber(network.startAddress);
  const end = toNumber(network.endAddress);
  return start === undefined || end === undefined ? undefined : end - start + 1;
}

function registryText(rdap: RdapNetwork): string {
  return [rdap.name ?? '', rdap.registrant?.name ?? '', ...rdap.remarks].join(' ');
}

/** The registrant is a customer of the ASN's carrier: another organisation, not a carrier or host itself. */
function customerOf(evidence: NetworkEvidence): string | undefined {
  const { rdap, asn, ptr } = evidence;
  const registrant = rdap?.registrant?.name;
  if (rdap === undefined || registrant === undefined || asn === undefined) return undefined;
  if (ptr !== undefined && (ptr.naming === 'residential' || ptr.naming === 'hosting')) return undefined;
  if ((ipv4BlockSize(rdap) ?? 0) > CUSTOMER_BLOCK_MAX_ADDRESSES) return undefined;
  const registrantKey = organizationNameKey(registrant);
  if (registrantKey === undefined || registrantKey === organizationNameKey(asn.organization)) return undefined;
  const read = readNetworkName(registryText(rdap));
  return read.kind === 'business' ? registrant : undefined;
}

function decideKind(evidence: NetworkEvidence): { kind: NetworkKind | undefined; reasons: string[]; basis: NetworkVerdict['basis'] } {
  const { asn, peeringDb, ptr, rdap } = evidence;
  if (asn !== undefined) {
    const read = readNetworkName(asn.organization, asn.asn);
    if (read.basis === 'known') return { kind: read.kind, reasons: [`AS${asn.asn} is labelled ${read.kind}`], basis: 'checked' };
    if (peeringDb?.kind !== undefined) {
      return { kind: peeringDb.kind, reasons: [`PeeringDB lists AS${asn.asn} as ${peeringDb.infoType}`], basis: 'checked' };
    }
    if (read.basis === 'words') return { kind: read.kind, reasons: [`the name "${asn.organization}" reads ${read.kind}`], basis: 'read' };
    if (read.basis === 'organisation') return { kind: 'business', reasons: [`"${asn.organization}" names one organisation`], basis: 'read' };
  }
  // The name said nothing (or there is no ASN): the address's own evidence decides.
  if (ptr !== undefined && (ptr.naming === 'residential' || ptr.naming === 'hosting')) {
    const kind: NetworkKind = ptr.naming === 'residential' ? 'isp' : 'hosting';
    return { kind, reasons: [`the address's name ${ptr.hostname} reads ${ptr.naming} (${ptr.signals.join(', ')})`], basis: 'read' };
  }
  if (rdap !== undefined) {
    const read = readNetworkName(registryText(rdap));
    if (read.basis === 'words') return { kind: read.kind, reasons: [`the registry's record ${rdap.handle} reads ${read.kind}`], basis: 'read' };
  }
  if (asn === undefined) return { kind: undefined, reasons: [], basis: 'none' };
  return { kind: 'business', reasons: [`nothing says "${asn.organization}" is a carrier or a host`], basis: 'default' };
}

function companyClaim(evidence: NetworkEvidence, organization: string | undefined, customer: boolean): NetworkCompanyClaim | undefined {
  const claims = new Map<string, { confidences: number[]; details: string[] }>();
  const claim = (domain: string | undefined, confidence: number, detail: string) => {
    if (domain === undefined || mailDomainKind(domain) !== 'business') return;
    const entry = claims.get(domain) ?? { confidences: [], details: [] };
    entry.confidences.push(confidence);
    entry.details.push(detail);
    claims.set(domain, entry);
  };
  const curated = !customer && evidence.asn !== undefined ? ORGANIZATION_DOMAINS.get(evidence.asn.asn) : undefined;
  if (curated !== undefined) claim(curated.domain, CURATED_CONFIDENCE, `AS${evidence.asn?.asn} is ${curated.name}'s network`);
  const ptr = evidence.ptr;
  if (ptr?.naming === 'organisation' && ptr.domain !== undefined) claim(registrableDomain(ptr.domain) ?? ptr.domain, PTR_DOMAIN_CONFIDENCE, `the address is named ${ptr.hostname}`);
  const rdapDomain = evidence.rdap?.domains[0];
  if (rdapDomain !== undefined) claim(rdapDomain, RDAP_DOMAIN_CONFIDENCE, `the registry's record ${evidence.rdap?.handle} names ${rdapDomain}`);
  const best = [...claims.entries()]
    .map(([domain, { confidences, details }]) => ({ domain, confidence: combine(confidences), detail: details.join('; ') }))
    .sort((a, b) => b.confidence - a.confidence || a.domain.localeCompare(b.domain))[0];
  if (best === undefined) return undefined;
  const confidence = customer ? Math.round(best.confidence * CUSTOMER_BLOCK_PENALTY * 1000) / 1000 : best.confidence;
  return { domain: best.domain, name: curated?.domain === best.domain ? curated.name : organization, confidence, detail: best.detail };
}

export function networkVerdict(evidence: NetworkEvidence): NetworkVerdict {
  const decided = decideKind(evidence);
  const customer = decided.kind === 'isp' || decided.basis === 'default' ? customerOf(evidence) : undefined;
  if (customer !== undefined) {
    const reasons = [`the registry assigns ${evidence.rdap?.startAddress}–${evidence.rdap?.endAddress} to ${customer}, a customer of ${evidence.asn?.organization}`, ...decided.reasons];
    return { kind: 'business', reasons, basis: 'read', organization: customer, company: companyClaim(evidence, customer, true) };
  }
  const organization = evidence.asn?.organization ?? evidence.rdap?.registrant?.name;
  const company = decided.kind === 'business' ? companyClaim(evidence, organization, false) : undefined;
  return { kind: decided.kind, reasons: decided.reasons, basis: decided.basis, organization, company };
}
