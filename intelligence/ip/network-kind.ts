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
// "host" in "HostPapa" and "AxusHost" but not "EchoStar" or "Ghost". The words in other languages
// (hospedagem, hébergement, centro de datos) and "idc" (Internet Data Center, the Asian name for a
// hosting house) were each checked against every name in @ip-location-db/asn: none is a company's.
const HOSTING_NAME =
  /hosting|\bhost|(?<!g)host(?:er|ed|s)?\b|\bcloud|\bdata ?cent(?:er|re)s?\b|\bserver|\bv[pd]s\b|\bcolo(?:cation|crossing)?\b|\bcdn\b|vpn\b|\bprox(?:y|ies)\b|\bdedicated\b|\bidc\b|hospedagem|hospedaje|\balojamiento\b|h[eé]bergement|\bcentro de dados\b|\bcentro de datos\b|\bcentre de donn[eé]es\b/;
// Carrier words, with stems and words in other languages that name a carrier's licence or trade:
// "provedor" (the Brazilian ISP's own word, on some 580 names), "comunicação multimídia" (the Brazilian
// ISP licence), "banda larga", "telefonía", "kabel", "svyaz", "catv", "elektronik haberleşme" (the
// Turkish ISP licence), "internet services", "wifi"/"wisp". "cables" (a manufacturer's word:
// "Prysmian Cables") and bare "internet" ("FedEx Internet Technologies", "Internet Society") are not.
const ISP_NAME =
  /tele[ck]om|\btelkom|\btelco\b|\btelephon|\btelefon(?:ica|os|ia|ie)\b|broadband|\bbanda (?:ancha|larga)\b|\bcable(?!s\b)|telecable|\bkabel(?!werk)|\bcatv\b|\bmobile\b|\bm[oó]vil\b|\bwireless\b|\bcellular\b|\bgsm\b|\blte\b|\bcommunications?\b|\bcomunica[cç](?:iones|oes|ões)\b|\bmultim[ií]dia\b|\bsvyaz\b|\belektronik haberlesme\b|\binternet service provider\b|\bisp\b|\bprovedora?\b|\bprovedores\b|\binternet services?\b|servi[cç]os de internet|servicios de internet|\binternet (?:ltda|eireli|me)\b|internet hizmetleri|acesso a internet|\bfib(?:er|re|ra)|glasfaser|\bftt[hx]\b|\bdsl\b|\bwisp\b|\bwi-?fi\b/;
// Research and education networks carry many member institutions: carriers here (checked before
// ONE_ORGANISATION_NAME, whose "university" words they often contain).
const RESEARCH_NETWORK_NAME = /research (?:and|&) education|education(?:al)? network|research network|academic (?:and research )?network/;
// An organisation that is one body: its own network, even where a carrier word appears
// ("Ministry of Communications", "Telecom Italia" is not one: no word here matches it).
const ONE_ORGANISATION_NAME =
  /\buniversit(?:y|ies|[aäé]t|e|at|ad|à|a)\b|\bcollege\b|\bschool\b|\binstitute of technology\b|\bministry\b|\bministerio\b|\bgovernment\b|\bdepartment of\b|\bhospital\b|\bbank\b|\bbanco\b/;

/**
 * What a network's number and name say of its kind, and on what basis:
 * `known` (a hand-labelled number, known-networks.ts), `words` (carrier,
 * hosting or research-network words, or a known group's word), `organisation`
 * (the name says one body: a university, a ministry, a bank) or `default`
 * (nothing said: `business`). `asn` is optional so that a registry record's
 * text can be read with the same words.
 */
export function readNetworkName(
  organization: string,
  asn?: number,
): { kind: NetworkKind; basis: 'known' | 'words' | 'organisation' | 'default' } {
  const known = asn === undefined ? undefined : KNOWN_NETWORK_KINDS.get(asn);
  if (known !== undefined) return { kind: known, basis: 'known' };
  const name = organization.toLowerCase();
  if (RESEARCH_NETWORK_NAME.test(name)) return { kind: 'isp', basis: 'words' };
  if (ONE_ORGANISATION_NAME.test(name)) return { kind: 'business', basis: 'organisation' };
  const words = name.match(/[a-z0-9]+/g) ?? [];
  if (words.some((word) => HOSTING_GROUP_WORDS.has(word))) return { kind: 'hosting', basis: 'words' };
  if (words.some((word) => CARRIER_GROUP_WORDS.has(word))) return { kind: 'isp', basis: 'words' };
  if (HOSTING_NAME.test(name)) return { kind: 'hosting', basis: 'words' };
  if (ISP_NAME.test(name)) return { kind: 'isp', basis: 'words' };
  return { kind: 'business', basis: 'default' };
}

/**
 * The network's kind: the hand-labelled number first (see known-networks.ts),
 * then words in the organisation's name: a single organisation first, then the
 * group words of known networks, then hosting and carrier words, hosting
 * before carrier ("China Telecom Cloud" hosts). It errs towards `business` for
 * unknown names, so callers treat a `business` network as a candidate, not a
 * certainty; `hosting` and `isp` networks are never shown as a visiting company.
 */
export function classifyNetwork(asn: number, organization: string): NetworkKind {
  return readNetworkName(organization, asn).kind;
}

/** Whether the network may belong to the visitor's organisation. */
export function mayBeVisitingCompany(kind: NetworkKind): boolean {
  return kind === 'business';
}
