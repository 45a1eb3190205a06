import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { NetworkKind } from '../ip/network-kind.js';

/**
 * PeeringDB's network records (`/api/net`), as its operators describe their
 * own networks, and what their declared type says of the network's kind. Pure:
 * the sync fetches the pages and stores what this module accepts.
 */

export interface PeeringDbNetwork {
  /** PeeringDB's own id of the record: a deleted record removes only itself, never a newer record of the same ASN. */
  readonly id: number;
  readonly asn: number;
  readonly name: string;
  /** The one type of older records (`Cable/DSL/ISP`, `Content`...); '' when not given. */
  readonly infoType: string;
  /** The types of newer records, which may list several. */
  readonly infoTypes: readonly string[];
  readonly website?: string;
  /** When PeeringDB last changed the record. */
  readonly updated: Date;
  readonly status: string;
}

export interface PeeringDbPage {
  readonly networks: readonly PeeringDbNetwork[];
  /** Records that could not be read, each with why: skipped, never stored half-read. */
  readonly rejected: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
  /** Records in the answer, read or not: a page shorter than asked is the last. */
  readonly received: number;
}

const ASN_MAX = 4_294_967_295;

const networkRecord = z.object({
  id: z.number().int().positive(),
  asn: z.number().int().min(1).max(ASN_MAX),
  name: z.string().trim().min(1).max(500),
  info_type: z.string().max(100).nullish(),
  info_types: z.array(z.string().max(100)).max(20).nullish(),
  website: z.string().max(2000).nullish(),
  updated: z.iso.datetime({ offset: true }),
  status: z.string().min(1).max(20),
});

const envelope = z.object({ data: z.array(z.unknown()), meta: z.record(z.string(), z.unknown()).optional() });

const describeIssues = (error: z.ZodError): string => error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');

/** Reads one `/api/net` answer: `{ data: [...], meta: {...} }`; a wrong envelope is an error, a wrong record is skipped with its reason. */
export function parsePeeringDbNetworks(body: unknown): Outcome<PeeringDbPage> {
  const parsed = envelope.safeParse(body);
  // The whole body is wrong (path []): the issues' own paths are in the message.
  if (!parsed.success) return failure(invalidInput([], `not a PeeringDB answer: ${describeIssues(parsed.error)}`));
  const networks: PeeringDbNetwork[] = [];
  const rejected: Array<{ index: number; reason: string }> = [];
  parsed.data.data.forEach((item, index) => {
    const record = networkRecord.safeParse(item);
    if (!record.success) {
      rejected.push({ index, reason: describeIssues(record.error) });
      return;
    }
    const { id, asn, name, info_type, info_types, website, updated, status } = record.data;
    const site = website?.trim();
    networks.push({
      id,
      asn,
      name,
      infoType: info_type?.trim() ?? '',
      infoTypes: (info_types ?? []).map((type) => type.trim()).filter((type) => type !== ''),
      ...(site ? { website: site } : {}),
      updated: new Date(updated),
      status,
    });
  });
  return success({ networks, rejected, received: parsed.data.data.length });
}

/*
 * PeeringDB's types, and the kind each says:
 * - `Cable/DSL/ISP`, `NSP` (transit): carriers, `isp`.
 * - `Content` (CDNs, clouds, streaming, large sites) and `Network Services` (DNS, DDoS
 *   protection, VPN and proxy services): their addresses are servers and relays, never
 *   the network's owner visiting, `hosting`.
 * - `Enterprise`, `Government`, `Non-Profit`: one organisation's own network, `business`.
 * - `Educational/Research`: one university is `business`, but a research and education
 *   network carrying many member institutions is a carrier in this project's labels
 *   (test/unit/ip/fixtures/README.md): `isp` when the record also says NSP or ISP, or
 *   its name says it is such a network.
 * - `Route Server`, `Route Collector`, `Not Disclosed`, '': nothing.
 */
const CARRIER_TYPES: ReadonlySet<string> = new Set(['cable/dsl/isp', 'nsp']);
const HOSTING_TYPES: ReadonlySet<string> = new Set(['content', 'network services']);
const ORGANISATION_TYPES: ReadonlySet<string> = new Set(['enterprise', 'government', 'non-profit']);
const RESEARCH_TYPE = 'educational/research';
const RESEARCH_NETWORK_NAME = /research (?:and|&) education|education(?:al)? (?:and research )?network|research network|academic (?:and research )?network|\bnren\b/i;
// NRENs often go by an acronym alone: the largest of each continent, as PeeringDB names them.
const RESEARCH_NETWORK_ACRONYM =
  /^(?:geant|g[eé]ant|internet2|esnet|canarie|janet|jisc|surf(?:net)?|dfn|renater|garr|switch|rediris|nordunet|sunet|funet|uninett|sikt|heanet|aconet|cesnet|pionier|belnet|rnp|redclara|tenet|kenet|ernet|sinet|kreonet|cernet|twaren|aarnet|reannz|cenic)\b/i;

export interface PeeringDbKind {
  readonly kind: NetworkKind | undefined;
  /** The declared type that decided, as PeeringDB spells it; '' when none did. */
  readonly infoType: string;
}

/**
 * The kind a record's declared types say. Several types (newer records) are
 * read carrier first, then hosting, then one organisation: a carrier that
 * also runs a CDN is still a carrier of subscribers.
 */
export function peeringDbNetworkKind(network: Pick<PeeringDbNetwork, 'name' | 'infoType' | 'infoTypes'>): PeeringDbKind {
  const types = [...network.infoTypes, network.infoType].filter((type) => type !== '');
  const find = (set: ReadonlySet<string>) => types.find((type) => set.has(type.toLowerCase()));
  const carrier = find(CARRIER_TYPES);
  if (carrier !== undefined) return { kind: 'isp', infoType: carrier };
  const research = types.find((type) => type.toLowerCase() === RESEARCH_TYPE);
  if (research !== undefined && (RESEARCH_NETWORK_NAME.test(network.name) || RESEARCH_NETWORK_ACRONYM.test(network.name.trim()))) {
    return { kind: 'isp', infoType: research };
  }
  const hosting = find(HOSTING_TYPES);
  if (hosting !== undefined) return { kind: 'hosting', infoType: hosting };
  const organisation = research ?? find(ORGANISATION_TYPES);
  if (organisation !== undefined) return { kind: 'business', infoType: organisation };
  return { kind: undefined, infoType: types[0] ?? '' };
}
