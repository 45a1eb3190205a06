import { HOSTING_ASNS, ISP_ASNS } from './known-networks.js';

/**
 * - `hosting`: cloud, datacenter, CDN, VPN or proxy: a server, a bot or a
 *   person behind a relay, never the network's owner visiting.
 * - `isp`: consumer, mobile or transit carrier: the owner is the carrier.
 * - `business`: anything else, possibly the visiting organisation's own network.
 */
export type NetworkKind = 'hosting' | 'isp' | 'business';

// Word edges matter: "cloud" in "Cloudflare" but not "SoundCloud", "colo" but not "Colorado",
// "host" in "HostPapa" and "AxusHost" but not "EchoStar" or "Ghost".
const HOSTING_NAME =
  /hosting|\bhost|(?<!g)host(?:er|ed|s)?\b|\bcloud|\bdata ?cent(?:er|re)s?\b|\bservers?\b|\bv[pd]s\b|\bcolo(?:cation|crossing)?\b|\bcdn\b|\bvpn\b|\bproxy\b|\bdedicated\b/;
const ISP_NAME =
  /tele[ck]om|\btelephone\b|\btelefonica\b|broadband|\bcable\b|\bcablevision\b|\bmobile\b|\bwireless\b|\bcellular\b|\bcommunications?\b|\bcomunica[cç](?:iones|oes|ões)\b|\binternet service provider\b|\bisp\b|\bfib(?:er|re)\b|\bdsl\b/;

/**
 * A heuristic: a curated list of ASNs first, then keywords in the
 * organisation's name, hosting before ISP ("China Telecom Cloud" hosts).
 * It errs towards `business` for networks it does not know, so callers must
 * still treat a `business` organisation as a candidate, not a certainty;
 * `hosting` and `isp` networks are never to be shown as a visiting company.
 */
export function classifyNetwork(asn: number, organization: string): NetworkKind {
  if (HOSTING_ASNS.has(asn)) return 'hosting';
  if (ISP_ASNS.has(asn)) return 'isp';
  const name = organization.toLowerCase();
  if (HOSTING_NAME.test(name)) return 'hosting';
  if (ISP_NAME.test(name)) return 'isp';
  return 'business';
}

/** Whether the network may belong to the visitor's organisation. */
export function mayBeVisitingCompany(kind: NetworkKind): boolean {
  return kind === 'business';
}
