/**
 * The one way the platform makes a request to a URL someone else chose (a
 * company homepage, a tenant's vendor or webhook). The address is checked on
 * the connection itself: names are resolved once, by the guard, and the
 * socket dials exactly the answer that was checked, so a name that answers
 * differently the second time (DNS rebinding) gains nothing; IP literals are
 * checked before dialling, and the peer address of every connection is
 * checked again once connected. Redirects are followed here, each hop through
 * the same guard, never from https down to http. Bodies and time are capped.
 */
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher, type Response } from 'undici';
import { addressVerdict, isIpLiteral, isLocalName } from './address-policy.js';
import { systemResolver, type ResolveAddresses } from './outbound-resolver.js';

export interface GuardedHttpClientOptions {
  /**
   * The deployment's switch for tests and same-host services: internal
   * addresses may be reached, and plain http, to internal addresses only.
   * Off, only public unicast addresses over https are reached.
   */
  readonly allowLocal: boolean;
  /** Bytes of a (decompressed) body read at most; the rest is never downloaded. */
  readonly maxBodyBytes: number;
  /** The whole exchange, redirects and body included; a caller may ask for less, never more. */
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  readonly resolve?: ResolveAddresses;
  /** Which addresses count as public: the ipaddr.js policy unless told (a test standing a loopback address in for a public site). */
  readonly isPublicAddress?: (address: string) => boolean;
  /** Certificate authorities to trust instead of the system's (a test's own TLS receiver). */
  readonly ca?: string;
}

export type OutboundRefusal = 'invalid-url' | 'internal-address' | 'insecure-scheme' | 'scheme-downgrade' | 'too-many-redirects' | 'bad-redirect';

export interface OutboundRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal;
  /** `follow` (GET and HEAD only): every hop through the guard. `manual` (the default) answers the redirect itself. */
  readonly redirect?: 'follow' | 'manual';
  /** Shorter than the client's cap; never longer. */
  readonly timeoutMs?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Where the answer came from, after any redirect followed. */
  readonly url: URL;
  /** At most `limit` bytes (the client's cap when larger or unset); `truncated` when more was there. */
  read(limit?: number): Promise<{ bytes: Uint8Array; truncated: boolean }>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

/** What the guard refused, before a request or on connecting: which rule, and why in words for a tenant. */
export interface OutboundRefused {
  readonly ok: false;
  readonly refusal: OutboundRefusal;
  readonly message: string;
}

/** Not an Outcome: `refusal` names the rule that refused (a downgrade, an internal address, a loop), which the security tests assert and an `unavailable` Problem (cause 'refused') cannot say. */
export type OutboundResult = { readonly ok: true; readonly response: OutboundResponse } | OutboundRefused;

/** Not an Outcome, as OutboundResult: webhook registration words an `internal-address` refusal apart from the others. */
export type UrlCheck = { readonly ok: true; readonly url: URL } | OutboundRefused;

export interface GuardedHttpClient {
  readonly allowLocal: boolean;
  request(url: URL | string, init?: OutboundRequest): Promise<OutboundResult>;
  /**
   * For registration (a webhook, a vendor endpoint): the scheme, a literal
   * address, and what the name resolves to now. What protects is the check on
   * connecting; this one tells the tenant early.
   */
  check(url: URL | string): Promise<UrlCheck>;
  close(): Promise<void>;
}

/** Raised inside the connector; reaches the caller as a refusal, never as a network error. */
export class OutboundRefusedError extends Error {
  readonly code = 'OUTBOUND_REFUSED';
  constructor(
    message: string,
    readonly refusal: OutboundRefusal = 'internal-address',
  ) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const bare = (host: string): string => host.replace(/^\[|\]$/g, '');

function refusedIn(error: unknown, depth = 0): OutboundRefusedError | undefined {
  if (error instanceof OutboundRefusedError) return error;
  if (!(error instanceof Error) || depth > 5) return undefined;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = refusedIn(inner, depth + 1);
      if (found) return found;
    }
  }
  return refusedIn(error.cause, depth + 1);
}

async function readCapped(body: ReadableStream<Uint8Array> | null, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (body === null) return { bytes: new Uint8Array(0), truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > limit) {
        truncated = true;
        break;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks);
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, Math.min(size, limit)), truncated };
}

export function createGuardedHttpClient(options: GuardedHttpClientOptions): GuardedHttpClient {
  const resolve = options.resolve ?? systemResolver;
  const isPublic = options.isPublicAddress ?? ((address: string) => addressVerdict(address).public);

  /** Why this address may not be dialled for `protocol`, or undefined when it may. */
  const addressProblem = (address: string, protocol: string): string | undefined => {
    const reachable = isPublic(address);
    if (!reachable && !options.allowLocal) return `${address} is a private, loopback, link-local or reserved address`;
    if (protocol === 'http:' && reachable) return `plain http reaches local addresses only, not ${address}`;
    return undefined;
  };

  // Resolves once and refuses the whole answer when any address in it is internal: the socket dials what was checked.
  const guardedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const internal = options.allowLocal ? undefined : addresses.find((a) => !isPublic(a.address));
        if (internal !== undefined) {
          callback(new OutboundRefusedError(`${hostname} resolves to ${internal.address}, a private, loopback, link-local or reserved address`), '', 4);
          return;
        }
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((a) => a.family === lookupOptions.family) : addresses;
        const first = wanted[0];
        if (first === undefined) {
          callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4);
          return;
        }
        if (lookupOptions.all === true) callback(null, wanted.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), '', 4),
    );
  };

  const baseConnect = buildConnector({ lookup: guardedLookup, ...(options.ca === undefined ? {} : { ca: options.ca }) });
  const connect: buildConnector.connector = (target, callback) => {
    const host = bare(target.hostname);
    // A literal is dialled without a lookup: it is judged here, before any packet leaves.
    if (isIP(host) !== 0) {
      const problem = addressProblem(host, target.protocol);
      if (problem !== undefined) {
        callback(new OutboundRefusedError(problem), null);
        return;
      }
    }
    baseConnect(target, (error, socket) => {
      if (error !== null) {
        callback(error, null);
        return;
      }
      // The peer as connected: whatever path led here, this is the address the request goes to.
      const remote = (socket as Socket).remoteAddress;
      const problem = remote === undefined ? 'the connection has no peer address' : addressProblem(remote, target.protocol);
      if (problem !== undefined) {
        socket.destroy();
        callback(new OutboundRefusedError(problem), null);
        return;
      }
      callback(null, socket);
    });
  };
  const agent: Dispatcher = new Agent({ connect });

  /** What can be judged from the URL alone. */
  const preflight = (url: URL): UrlCheck => {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, refusal: 'insecure-scheme', message: 'must be an https URL' };
    if (url.protocol === 'http:' && !options.allowLocal) return { ok: false, refusal: 'insecure-scheme', message: 'must use https' };
    const host = bare(url.hostname);
    if (!options.allowLocal && isLocalName(host)) return { ok: false, refusal: 'internal-address', message: `${host} is this machine` };
    if (isIpLiteral(host)) {
      const problem = addressProblem(host, url.protocol);
      if (problem !== undefined) return { ok: false, refusal: 'internal-address', message: problem };
    }
    return { ok: true, url };
  };

  async function request(input: URL | string, init: OutboundRequest = {}): Promise<OutboundResult> {
    const timeoutMs = Math.min(init.timeoutMs ?? options.timeoutMs, options.timeoutMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal === undefined ? timeout : AbortSignal.any([init.signal, timeout]);
    const method = (init.method ?? 'GET').toUpperCase();
    const follow = init.redirect === 'follow' && (method === 'GET' || method === 'HEAD');
    let url = new URL(input);
    for (let hop = 0; ; hop += 1) {
      const checked = preflight(url);
      if (!checked.ok) return checked;
      let response: Response;
      try {
        response = await undiciFetch(url, {
          method,
          ...(init.headers === undefined ? {} : { headers: init.headers }),
          ...(init.body === undefined ? {} : { body: init.body }),
          redirect: 'manual',
          signal,
          dispatcher: agent,
        });
      } catch (error) {
        const refused = refusedIn(error);
        if (refused !== undefined) return { ok: false, refusal: refused.refusal, message: refused.message };
        throw error;
      }
      const location = response.headers.get('location');
      if (follow && REDIRECT_STATUSES.has(response.status) && location !== null) {
        await response.body?.cancel().catch(() => undefined);
        const next = URL.parse(location, url);
        if (next === null || (next.protocol !== 'https:' && next.protocol !== 'http:')) {
          return { ok: false, refusal: 'bad-redirect', message: `redirected to ${next?.protocol ?? 'an unreadable location'}` };
        }
        if (url.protocol === 'https:' && next.protocol === 'http:') return { ok: false, refusal: 'scheme-downgrade', message: 'redirected from https to plain http' };
        if (hop >= options.maxRedirects) return { ok: false, refusal: 'too-many-redirects', message: `more than ${options.maxRedirects} redirects` };
        url = next;
        continue;
      }
      const body = response.body as ReadableStream<Uint8Array> | null;
      const final = url;
      return {
        ok: true,
        response: {
          status: response.status,
          headers: response.headers as unknown as Headers,
          url: final,
          read: (limit) => readCapped(body, Math.min(limit ?? options.maxBodyBytes, options.maxBodyBytes)),
          discard: async () => {
            await body?.cancel().catch(() => undefined);
          },
        },
      };
    }
  }

  return {
    allowLocal: options.allowLocal,
    request,
    async check(input) {
      const parsed = URL.parse(String(input));
      if (parsed === null) return { ok: false, refusal: 'invalid-url', message: 'must be an absolute URL' };
      const checked = preflight(parsed);
      if (!checked.ok || options.allowLocal || isIpLiteral(parsed.hostname)) return checked;
      // A name that does not resolve now may later: the connection decides then.
      const addresses = await resolve(bare(parsed.hostname)).catch(() => []);
      const internal = addresses.find((a) => !isPublic(a.address));
      if (internal !== undefined) return { ok: false, refusal: 'internal-address', message: `resolves to ${internal.address}, a private, loopback, link-local or reserved address` };
      return checked;
    },
    async close() {
      await agent.close();
    },
  };
}
