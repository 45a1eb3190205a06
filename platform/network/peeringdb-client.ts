import { parsePeeringDbNetworks, type PeeringDbPage } from '../../intelligence/network/peeringdb-network.js';
import type { GuardedHttpClient } from '../outbound/guarded-http-client.js';
import { failure, problemText, unavailable, type Outcome, type UnavailableCause } from '../outcome.js';
import { retryAfterMs } from './retry-after.js';

/**
 * One page of PeeringDB's `/api/net`, through the platform's guarded client.
 * A full read asks for live records (`status=ok`) in PeeringDB's order; an
 * incremental one (`since`, epoch seconds) gets every record changed since,
 * deleted ones included, oldest change first. `depth=0` and `fields` keep a
 * page small: no nested sets, only what is stored.
 */

export interface PeeringDbSettings {
  /** `https://www.peeringdb.com` in production. */
  readonly url: string;
  readonly apiKey?: string | undefined;
}

export type PeeringDbQuery = { readonly since?: number; readonly skip: number; readonly limit: number };

const FIELDS = 'id,asn,name,info_type,info_types,website,updated,status';

/** The page's URL: the API under the configured base (which may carry a path of its own). */
export function peeringDbNetUrl(base: string, query: PeeringDbQuery): URL {
  const url = new URL(`${base.replace(/\/+$/, '')}/api/net`);
  if (query.since === undefined) url.searchParams.set('status', 'ok');
  else url.searchParams.set('since', String(query.since));
  url.searchParams.set('depth', '0');
  url.searchParams.set('fields', FIELDS);
  url.searchParams.set('limit', String(query.limit));
  url.searchParams.set('skip', String(query.skip));
  return url;
}

const fail = (cause: UnavailableCause, message: string, retryable: boolean, retryAfter?: number): Outcome<PeeringDbPage> =>
  failure(unavailable(message, { retryable, retryAfterMs: retryAfter, cause }));

/**
 * The page, or an `unavailable` problem: `cause` 'rate-limited' for a 429
 * (the sync waits it out itself), `retryable` when asking again may answer.
 */
export async function fetchPeeringDbNetworks(http: GuardedHttpClient, settings: PeeringDbSettings, query: PeeringDbQuery, nowMs: number): Promise<Outcome<PeeringDbPage>> {
  const url = peeringDbNetUrl(settings.url, query);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'LeadGraph/1.0 (PeeringDB network sync)' };
  if (settings.apiKey !== undefined) headers['authorization'] = `Api-Key ${settings.apiKey}`;
  let result;
  try {
    result = await http.request(url, { headers, redirect: 'follow' });
  } catch (error) {
    return fail('unavailable', `PeeringDB did not answer: ${error instanceof Error ? error.message : String(error)}`, true);
  }
  if (!result.ok) return fail('refused', `PeeringDB at ${settings.url} refused: ${result.message}`, false);
  const { response } = result;
  if (response.status !== 200) {
    const retryAfter = retryAfterMs(response.headers.get('retry-after'), nowMs);
    await response.discard();
    if (response.status === 429) return fail('rate-limited', 'PeeringDB rate limited the sync (429)', true, retryAfter);
    if (response.status >= 500 || response.status === 408) return fail('unavailable', `PeeringDB answered ${response.status}`, true, retryAfter);
    // 401/403: a wrong or revoked PEERINGDB_API_KEY; asking again changes nothing until someone fixes it.
    return fail('rejected', `PeeringDB answered ${response.status}${response.status === 401 || response.status === 403 ? ' (check PEERINGDB_API_KEY)' : ''}`, false);
  }
  const { bytes, truncated } = await response.read();
  if (truncated) return fail('malformed', `a PeeringDB page of ${query.limit} records was larger than the outbound body limit`, false);
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return fail('malformed', 'PeeringDB answered something other than JSON', true);
  }
  const parsed = parsePeeringDbNetworks(body);
  if (parsed.ok) return parsed;
  return fail('malformed', problemText(parsed.problem), true);
}
