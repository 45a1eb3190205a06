import { bootstrapFileFor, parseIpBootstrap, parseRdapAddress, rdapBaseUrlsForAddress, type IpBootstrap, type IpBootstrapFile } from '../../intelligence/network/rdap-bootstrap.js';
import { parseRdapNetwork, type RdapNetwork } from '../../intelligence/network/rdap-network.js';
import type { GuardedHttpClient, OutboundResponse } from '../outbound/guarded-http-client.js';
import { failure, invalidInput, problemText, success, unavailable, type Outcome, type UnavailableCause } from '../outcome.js';
import { retryAfterMs } from './retry-after.js';

export interface RdapClient {
  /**
   * The registry's network for the address; `value` undefined when no registry
   * holds it (404, or no bootstrap entry covers it). A registry that gives no
   * usable answer is an `unavailable` problem saying whether (and when) to ask
   * again; what is not an address is `invalid-input`.
   */
  lookupIp(address: string, signal?: AbortSignal): Promise<Outcome<RdapNetwork | undefined>>;
}

export interface RdapClientDeps {
  /** Every request and redirect goes through it. */
  readonly http: GuardedHttpClient;
  /** Where IANA's `ipv4.json` and `ipv6.json` are, ending in `/`. */
  readonly bootstrapUrl: string;
  /** For one lookup: the bootstrap (when not yet known), every redirect and the body. */
  readonly timeoutMs: number;
  /** An RDAP answer for one network is a few KB; ARIN's largest with every contact stays under 100 KB. */
  readonly maxBodyBytes?: number;
  /** How long a fetched bootstrap file is used before it is fetched again. */
  readonly bootstrapTtlMs?: number;
  readonly now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const HEADERS = { accept: 'application/rdap+json', 'user-agent': 'LeadGraph/1.0 (RDAP client)' };

const fail = <T>(cause: UnavailableCause, message: string, retryable: boolean, retryAfter?: number): Outcome<T> =>
  failure(unavailable(message, { retryable, retryAfterMs: retryAfter, cause }));


/** What a status other than 200 and 404 means for asking again. */
function statusFailure<T>(what: string, response: OutboundResponse, nowMs: number): Outcome<T> {
  const { status } = response;
  const retryAfter = retryAfterMs(response.headers.get('retry-after'), nowMs);
  if (status === 429) return fail('rate-limited', `${what} rate limited (429)`, true, retryAfter);
  if (status >= 500 || status === 408) return fail('unavailable', `${what} answered ${status}`, true, retryAfter);
  return fail('rejected', `${what} answered ${status}`, false);
}

/** The promise's outcome, or the signal's reason once it aborts (the promise goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The body as JSON; `what` names the answer in the problem (`registry rdap.arin.net`). */
async function readJson(what: string, response: OutboundResponse, limit: number): Promise<Outcome<unknown>> {
  const { bytes, truncated } = await response.read(limit);
  if (truncated) return fail('malformed', `${what}: answer larger than ${limit} bytes`, false);
  try {
    return success(JSON.parse(new TextDecoder().decode(bytes)) as unknown);
  } catch {
    return fail('malformed', `${what}: answer is not JSON`, false);
  }
}

/**
 * RDAP over HTTPS (RFC 7480, 9082, 9224): IANA's bootstrap says which
 * registry serves the address, the registry answers its most specific
 * network. A registry that does not hold the space redirects to the one that
 * does (ARIN does for other RIRs' space); the guarded client follows, each hop
 * checked, up to its redirect cap.
 */
export function createRdapClient(deps: RdapClientDeps): RdapClient {
  const maxBodyBytes = deps.maxBodyBytes ?? 512 * 1024;
  const bootstrapTtlMs = deps.bootstrapTtlMs ?? DAY_MS;
  const now = deps.now ?? Date.now;
  const bootstrapBase = deps.bootstrapUrl.endsWith('/') ? deps.bootstrapUrl : `${deps.bootstrapUrl}/`;
  // One fetch per file per day, shared by concurrent lookups; a failed fetch is forgotten so the next lookup tries again.
  const bootstraps = new Map<IpBootstrapFile, { at: number; file: Promise<Outcome<IpBootstrap>> }>();

  async function fetchBootstrap(file: IpBootstrapFile, signal: AbortSignal): Promise<Outcome<IpBootstrap>> {
    const result = await deps.http.request(new URL(file, bootstrapBase), { redirect: 'follow', signal, timeoutMs: deps.timeoutMs, headers: { accept: 'application/json' } });
    if (!result.ok) return fail('refused', `bootstrap ${file}: ${result.message}`, false);
    const { response } = result;
    if (response.status !== 200) {
      await response.discard();
      return statusFailure(`bootstrap ${file}`, response, now());
    }
    const body = await readJson(`bootstrap ${file}`, response, Math.max(maxBodyBytes, 1024 * 1024));
    if (!body.ok) return failure(body.problem);
    const parsed = parseIpBootstrap(body.value);
    if (!parsed.ok) return fail('malformed', `bootstrap ${file}: ${problemText(parsed.problem)}`, false);
    return parsed;
  }

  function bootstrapFor(file: IpBootstrapFile): Promise<Outcome<IpBootstrap>> {
    const known = bootstraps.get(file);
    if (known !== undefined && now() - known.at < bootstrapTtlMs) return known.file;
    // Its own deadline, not a caller's: other lookups wait on the same fetch.
    const entry = {
      at: now(),
      file: fetchBootstrap(file, AbortSignal.timeout(deps.timeoutMs)).then(
        (answer) => {
          if (!answer.ok && bootstraps.get(file) === entry) bootstraps.delete(file);
          return answer;
        },
        (error: unknown) => {
          if (bootstraps.get(file) === entry) bootstraps.delete(file);
          throw error;
        },
      ),
    };
    bootstraps.set(file, entry);
    return entry.file;
  }

  async function ask(address: string, signal: AbortSignal): Promise<Outcome<RdapNetwork | undefined>> {
    const file = bootstrapFileFor(address);
    const parsed = parseRdapAddress(address);
    if (file === undefined || parsed === undefined) return failure(invalidInput(['ip'], `not an IP address: ${JSON.stringify(address)}`));
    const bootstrap = await untilAborted(bootstrapFor(file), signal);
    if (!bootstrap.ok) return failure(bootstrap.problem);
    const base = rdapBaseUrlsForAddress(bootstrap.value, address)[0];
    // IANA lists no registry for reserved and private space: nobody to ask, nobody holds it publicly.
    if (base === undefined) return success(undefined);
    const result = await deps.http.request(new URL(`ip/${parsed.toString()}`, base), { redirect: 'follow', signal, timeoutMs: deps.timeoutMs, headers: HEADERS });
    if (!result.ok) return fail('refused', `registry ${new URL(base).host}: ${result.message}`, false);
    const { response } = result;
    const registry = response.url.host;
    if (response.status === 404) {
      await response.discard();
      return success(undefined);
    }
    if (response.status !== 200) {
      await response.discard();
      return statusFailure(`registry ${registry}`, response, now());
    }
    const body = await readJson(`registry ${registry}`, response, maxBodyBytes);
    if (!body.ok) return failure(body.problem);
    const network = parseRdapNetwork(body.value);
    if (!network.ok) return fail('malformed', `registry ${registry}: ${problemText(network.problem)}`, false);
    return success(network.value);
  }

  return {
    async lookupIp(address, signal) {
      const timeout = AbortSignal.timeout(deps.timeoutMs);
      const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
      try {
        return await ask(address, combined);
      } catch (error) {
        // The caller's own abort is theirs to see; our timeout and network errors are retryable answers.
        if (signal?.aborted) throw signal.reason;
        if (timeout.aborted) return fail('timeout', `no RDAP answer within ${deps.timeoutMs} ms`, true);
        const message = error instanceof Error ? error.message : String(error);
        return fail('unavailable', `network error: ${message}`, true);
      }
    },
  };
}
