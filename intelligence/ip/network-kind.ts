import { CARRIER_GROUP_WORDS, HOSTING_GROUP_WORDS, KNOWN_NETWORK_KINDS } from './known-networks.js';

/**
 * - `hosting`: cloud, datacenter, CDN, VPN or proxy: a server, a bot or a
 *   person behind a relay, never the network's owner visiting.
 * - `isp`: consumer, mobile or transit carrier, or a research network carrying
 *   many member institutions: the owner is the carrier.
 * - `business`: anything else, possibly the visiting organisation's own network
 *   (companies, and single universities, schools and government bodies).
 */
export type NetworkKind = 'hosting' | 'isp' | 'business';

// Word edges matter: "cloud" in "Cloudflare" but not "SoundCloud", "colo" but not "Colorado",
// "host" in "HostPapa" and "AxusHost" but not "EchoStar" or "Ghost".
const HOSTING_NAME =
  /hosting|\bhost|(?<!g)host(?:er|ed|s)?\b|\bcloud|\bdata ?cent(?:er|re)s?\b|\bserver|\bv[pd]s\b|\bcolo(?:cation|crossing)?\b|\bcdn\b|\bvpn\b|\bproxy\b|\bdedicated\b/;
const ISP_NAME =
  /tele[ck]om|\btelephone\b|\btelefonica\b|broadband|\bbanda ancha\b|\bcable\b|\bcablevision\b|\bmobile\b|\bm[oó]vil\b|\bwireless\b|\bcellular\b|\bcommunications?\b|\bcomunica[cç](?:iones|oes|ões)\b|\binternet service provider\b|\bisp\b|\bfib(?:er|re)\b|\bdsl\b/;
// Research and education networks carry many member institutions: carriers here (checked before
// ONE_ORGANISATION_NAME, whose "university" words they often contain).
const RESEARCH_NETWORK_NAME = /research (?:and|&) education|education(?:al)? network|research network|academic (?:and research )?network/;
// An organisation that is one body: its own network, even where a carrier word appears
// ("Ministry of Communications", "Telecom Italia" is not one: no word here matches it).
const ONE_ORGANISATION_NAME =
  /\buniversit(?:y|ies|[aäé]t|e|at|ad|à|a)\b|\bcollege\b|\bschool\b|\binstitute of technology\b|\bministry\b|\bministerio\b|\bgovernment\b|\bdepartment of\b|\bhospital\b|\bbank\b|\bbanco\b/;

/**
 * The network's kind: the hand-labelled number first (the largest networks,
 * see known-networks.ts), then words in the organisation's name: a single
 * organisation first, then the group words of known networks, then hosting
 * and carrier words, hosting before carrier
 * ("China Telecom Cloud" hosts). It errs towards `business` for unknown
 * names, so callers treat a `business` network as a candidate, not a
 * certainty; `hosting` and `isp` networks are never shown as a visiting company.
 */
export function classifyNetwork(asn: number, organization: string): NetworkKind {
  const known = KNOWN_NETWORK_KINDS.get(asn);
  if (known !== undefined) return known;
  const name = organization.toLowerCase();
  if (RESEARCH_NETWORK_NAME.test(name)) return 'isp';
  if (ONE_ORGANISATION_NAME.test(name)) return 'business';
  const words = name.match(/[a-z0-9]+/g) ?? [];
  if (words.some((word) => HOSTING_GROUP_WORDS.has(word))) return 'hosting';
  if (words.some((word) => CARRIER_GROUP_WORDS.has(word))) return 'isp';
  if (HOSTING_NAME.test(name)) return 'hosting';
  if (ISP_NAME.test(name)) return 'isp';
  return 'business';
}

/** Whether the network may belong to the visitor's organisation. */
export function mayBeVisitingCompany(kind: NetworkKind): boolean {
  return kind === 'business';
}
