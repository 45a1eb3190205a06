import { dnsErrorCode, dnsResolver, NO_RECORD_CODES } from '../../platform/network/dns.js';

/**
 * Proof that a tenant controls a host, read from DNS. Either record ties the
 * host to one claim's token, so whoever else points a host at the platform,
 * or learns of a claim, cannot use it:
 * - TXT `_pixel-verify.<host>` holding `pixel-verify=<token>`;
 * - CNAME `<host>` to `<token>.<PIXEL_CNAME_TARGET>` (the operator serves the
 *   whole pixel domain, a wildcard record, at the gateway).
 * No product name appears in either: white-label customers publish them.
 */
export const TXT_PREFIX = '_pixel-verify';
export const TXT_VALUE_PREFIX = 'pixel-verify=';

export interface ProofRecord {
  readonly type: 'TXT' | 'CNAME';
  readonly name: string;
  readonly value: string;
}

/** The records any one of which proves the claim, TXT first (it works beside any other record of the host). */
export function proofRecords(host: string, token: string, cnameTarget: string | undefined): ProofRecord[] {
  const records: ProofRecord[] = [{ type: 'TXT', name: `${TXT_PREFIX}.${host}`, value: `${TXT_VALUE_PREFIX}${token}` }];
  if (cnameTarget !== undefined) records.push({ type: 'CNAME', name: host, value: `${token}.${cnameTarget}` });
  return records;
}

/**
 * `absent`: DNS answered, and no record proves the claim (a failed check).
 * `unreachable`: DNS did not answer (timeout, SERVFAIL): nothing is learned, and nothing counts against the host.
 */
export type ProofCheck =
  | { readonly kind: 'proven'; readonly by: 'TXT' | 'CNAME' }
  | { readonly kind: 'absent'; readonly detail: string }
  | { readonly kind: 'unreachable'; readonly detail: string };

export type ProofChecker = (host: string, token: string) => Promise<ProofCheck>;


type Lookup = { kind: 'records'; values: string[] } | { kind: 'unreachable'; detail: string };

async function lookup(name: string, query: () => Promise<string[]>): Promise<Lookup> {
  try {
    return { kind: 'records', values: await query() };
  } catch (error) {
    const code = dnsErrorCode(error) ?? 'EUNKNOWN';
    if (NO_RECORD_CODES.has(code)) return { kind: 'records', values: [] };
    return { kind: 'unreachable', detail: `${name}: ${code}` };
  }
}

const sameName = (a: string, b: string): boolean => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

export function createProofChecker(settings: {
  readonly servers?: readonly string[] | undefined;
  readonly cnameTarget?: string | undefined;
  readonly timeoutMs?: number;
}): ProofChecker {
  return async (host, token) => {
    // A resolver per check: c-ares keeps a query cache per channel, and a re-check must see the record as it is now.
    const resolver = dnsResolver({ servers: settings.servers, timeoutMs: settings.timeoutMs ?? 3000, tries: 2 });
    const [txt, cname] = proofRecords(host, token, settings.cnameTarget);
    const unreachable: string[] = [];

    if (txt !== undefined) {
      const found = await lookup(txt.name, async () => (await resolver.resolveTxt(txt.name)).map((chunks) => chunks.join('')));
      if (found.kind === 'unreachable') unreachable.push(found.detail);
      else if (found.values.some((value) => value.trim() === txt.value)) return { kind: 'proven', by: 'TXT' };
    }
    if (cname !== undefined) {
      const found = await lookup(host, () => resolver.resolveCname(host));
      if (found.kind === 'unreachable') unreachable.push(found.detail);
      else if (found.values.some((value) => sameName(value, cname.value))) return { kind: 'proven', by: 'CNAME' };
    }
    if (unreachable.length > 0) return { kind: 'unreachable', detail: `DNS did not answer (${unreachable.join(', ')})` };
    const wanted = proofRecords(host, token, settings.cnameTarget).map((r) => `${r.type} ${r.name}`).join(' or ');
    return { kind: 'absent', detail: `no ${wanted} with this claim's value` };
  };
}
