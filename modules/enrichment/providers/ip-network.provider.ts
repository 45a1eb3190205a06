import type { EnrichmentProvider, FieldCandidate, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import type { AsnTable } from '../../../intelligence/ip/asn-table.js';
import { isPublicUnicast } from '../../../platform/outbound/address-policy.js';
import { networkVerdict, type NetworkEvidence, type NetworkVerdict, type PeeringDbEvidence } from '../../../intelligence/network/network-verdict.js';
import { readPtrName } from '../../../intelligence/network/ptr-naming.js';
import type { GeoLookup } from '../../../platform/ip-dataset/geo-lookup.js';
import type { RdapLookup } from '../../../platform/network/rdap-cache.js';
import type { ReverseDns } from '../../../platform/network/reverse-dns.js';

/**
 * The visitor's network as a free source: where the address is (DB-IP City
 * Lite), whose network it is and what kind (the ASN table, the operator's
 * PeeringDB entry where synced, the address's reverse DNS name, the
 * registry's RDAP record, cached in PostgreSQL for months), and on an
 * organisation's own network, its company. A registry or resolver that does
 * not answer leaves its part out rather than the whole answer: the rest is
 * local and sure.
 */

export const IP_NETWORK_PROVIDER_ID = 'ip-network';

export const IP_NETWORK_PROVIDER_DEFAULTS = {
  name: "The visitor's network (location, reverse DNS, registry, kind)",
  priceCredits: 0,
  // RDAP registries throttle (a few requests a second); the PostgreSQL cache answers repeat networks.
  rateLimitPerMinute: 300,
  concurrency: 8,
  supplies: [
    'location.country',
    'location.region',
    'location.city',
    'network.asn',
    'network.organization',
    'network.kind',
    'network.kindReasons',
    'network.hostname',
    'network.registrant',
    'network.block',
    'company.domain',
    'company.name',
  ],
  keyedBy: ['ip'],
  local: false,
} as const;

export interface IpNetworkSources {
  readonly asnTable: () => Promise<AsnTable>;
  readonly geoLookup: () => Promise<GeoLookup>;
  readonly reverseDns: ReverseDns;
  readonly rdap: RdapLookup;
  /** Present where the deployment syncs PeeringDB. */
  readonly peeringDb?: { find(asn: number): Promise<PeeringDbEvidence | undefined> } | undefined;
}

// DB-IP City Lite places most addresses in the right country, fewer in the right city (its own accuracy notes).
const COUNTRY_CONFIDENCE = 0.9;
const REGION_CONFIDENCE = 0.7;
const CITY_CONFIDENCE = 0.5;
/** The routing table's organisation for the address: data, not a guess. */
const ASN_CONFIDENCE = 0.9;
/** A kind checked by someone (a hand label, PeeringDB) or read from strong words, else the classifier's default. */
const KIND_CONFIDENCE: Readonly<Record<NetworkVerdict['basis'], number>> = { checked: 0.95, read: 0.8, default: 0.6, none: 0 };

const field = (name: string, value: unknown, confidence: number, verified: boolean): FieldCandidate => ({ field: name, value, confidence, verified });

export function createIpNetworkProvider(sources: IpNetworkSources): EnrichmentProvider {
  return {
    id: IP_NETWORK_PROVIDER_ID,
    accepts: (subject) => typeof subject.ip === 'string' && isPublicUnicast(subject.ip),

    async enrich(subject, { signal }): Promise<ProviderAnswer> {
      const address = subject.ip ?? '';
      if (!isPublicUnicast(address)) return { kind: 'no-match' };
      const [table, geo] = await Promise.all([sources.asnTable(), sources.geoLookup()]);
      const match = table.lookup(address);
      const [names, rdap, peeringDb] = await Promise.all([
        sources.reverseDns.reverse(address),
        sources.rdap.lookupIp(address, signal),
        match === undefined || sources.peeringDb === undefined ? undefined : sources.peeringDb.find(match.asn),
      ]);
      const hostname = names.ok ? names.value[0] : undefined;
      const evidence: NetworkEvidence = {
        asn: match,
        peeringDb,
        ptr: hostname === undefined ? undefined : readPtrName(hostname, address),
        rdap: rdap.ok ? rdap.value : undefined,
      };
      const verdict = networkVerdict(evidence);
      const location = geo.lookup(address);
      const fields: FieldCandidate[] = [];
      if (location?.country) fields.push(field('location.country', location.country, COUNTRY_CONFIDENCE, false));
      if (location?.region) fields.push(field('location.region', location.region, REGION_CONFIDENCE, false));
      if (location?.city) fields.push(field('location.city', location.city, CITY_CONFIDENCE, false));
      if (match !== undefined) fields.push(field('network.asn', match.asn, ASN_CONFIDENCE, true));
      if (verdict.organization !== undefined) fields.push(field('network.organization', verdict.organization, ASN_CONFIDENCE, true));
      if (verdict.kind !== undefined) {
        const confidence = KIND_CONFIDENCE[verdict.basis];
        fields.push(field('network.kind', verdict.kind, confidence, false), field('network.kindReasons', verdict.reasons, confidence, false));
      }
      if (evidence.ptr !== undefined) fields.push(field('network.hostname', evidence.ptr.hostname, 1, true));
      if (evidence.rdap !== undefined) {
        fields.push(field('network.block', `${evidence.rdap.startAddress}-${evidence.rdap.endAddress}`, 1, true));
        if (evidence.rdap.registrant !== undefined) fields.push(field('network.registrant', evidence.rdap.registrant.name, 1, true));
      }
      if (verdict.company !== undefined) {
        fields.push(field('company.domain', verdict.company.domain, verdict.company.confidence, false));
        if (verdict.company.name !== undefined) fields.push(field('company.name', verdict.company.name, verdict.company.confidence, false));
      }
      return fields.length === 0 ? { kind: 'no-match' } : { kind: 'match', fields };
    },
  };
}
