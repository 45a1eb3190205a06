import type { AsnMatch } from './asn-table.js';
import { classifyNetwork, mayBeVisitingCompany } from './network-kind.js';

/**
 * Organisations whose own networks people browse from (offices, campuses),
 * with the domain that keys their company record. ASN names alone never carry
 * a domain, so without this list (or the tenant's own companies, matched by
 * name) an organisation stays a name. Each number's name was checked against
 * @ip-location-db/asn 2.3.2026061719; networks that mostly serve content
 * (Netflix, GitHub, Dropbox) are left out on purpose, and so are SpaceX
 * (AS14593 is Starlink's consumer network) and Automattic (AS2635 hosts WordPress.com).
 */
export const ORGANIZATION_DOMAINS: ReadonlyMap<number, { readonly domain: string; readonly name: string }> = new Map([
  [714, { domain: 'apple.com', name: 'Apple' }],
  [6185, { domain: 'apple.com', name: 'Apple' }],
  [4983, { domain: 'intel.com', name: 'Intel' }],
  [109, { domain: 'cisco.com', name: 'Cisco' }],
  [71, { domain: 'hp.com', name: 'HP' }],
  [10361, { domain: 'bloomberg.com', name: 'Bloomberg' }],
  [14340, { domain: 'salesforce.com', name: 'Salesforce' }],
  [14413, { domain: 'linkedin.com', name: 'LinkedIn' }],
  [11414, { domain: 'nvidia.com', name: 'NVIDIA' }],
  [15465, { domain: 'siemens.com', name: 'Siemens' }],
  [32590, { domain: 'valvesoftware.com', name: 'Valve' }],
  [2140, { domain: 'kyndryl.com', name: 'Kyndryl' }],
  [3, { domain: 'mit.edu', name: 'Massachusetts Institute of Technology' }],
  [32, { domain: 'stanford.edu', name: 'Stanford University' }],
  [25, { domain: 'berkeley.edu', name: 'University of California, Berkeley' }],
  [26, { domain: 'cornell.edu', name: 'Cornell University' }],
  [29, { domain: 'yale.edu', name: 'Yale University' }],
  [88, { domain: 'princeton.edu', name: 'Princeton University' }],
  [73, { domain: 'washington.edu', name: 'University of Washington' }],
  [17, { domain: 'purdue.edu', name: 'Purdue University' }],
  [36375, { domain: 'umich.edu', name: 'University of Michigan' }],
]);

const LEGAL_SUFFIXES = new Set([
  'inc', 'incorporated', 'llc', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'gmbh', 'ag', 'sa', 'sas', 'sarl', 'bv', 'nv',
  'plc', 'spa', 'srl', 'ab', 'as', 'oy', 'kk', 'pty', 'pte', 'lp', 'llp', 'se', 'the',
]);

/**
 * A company's or organisation's name reduced to what both spellings share:
 * "SIEMENS AG" and "Siemens" both give "siemens"; "Acme, Inc." gives "acme".
 */
export function organizationNameKey(name: string): string | undefined {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    // "S.A." and "N.V." are one word each.
    .replace(/\./g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !LEGAL_SUFFIXES.has(w));
  return words.length === 0 ? undefined : words.join(' ');
}

/** What an address's network may say about the visiting company; undefined for hosting and ISP networks. */
export interface NetworkCompanyCandidate {
  readonly asn: number;
  readonly organization: string;
  readonly nameKey: string | undefined;
  /** Where the organisation's domain is known. */
  readonly known?: { readonly domain: string; readonly name: string };
}

export function networkCompanyCandidate(match: AsnMatch | undefined): NetworkCompanyCandidate | undefined {
  if (match === undefined || !mayBeVisitingCompany(classifyNetwork(match.asn, match.organization))) return undefined;
  return { asn: match.asn, organization: match.organization, nameKey: organizationNameKey(match.organization), known: ORGANIZATION_DOMAINS.get(match.asn) };
}
