import { domainOf } from '../../../intelligence/companies/group-company.js';
import type { EnrichmentProvider, FieldCandidate, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import { homepageFacts } from '../../../intelligence/enrichment/homepage-facts.js';
import { homepageFields } from '../../../intelligence/enrichment/homepage-fields.js';
import type { GuardedHttpClient, OutboundResponse } from '../../../platform/outbound/guarded-http-client.js';
import { retryAfterMs } from '../../../platform/network/retry-after.js';

export interface CompanyHomepageDeps {
  /** Every request and redirect goes through it: public addresses over https only, unless the deployment allows local targets. */
  readonly client: GuardedHttpClient;
  /** Where a domain's homepage is; `https://<domain>/` unless told. */
  readonly homepageUrl?: (domain: string) => string;
  /** For the whole exchange: every redirect and the body. */
  readonly timeoutMs?: number;
  /** Bytes of the (decompressed) body read before the rest is dropped. */
  readonly maxBytes?: number;
  readonly userAgent?: string;
}

/** What a deployment or a test may set; the client is the process's own. */
export type CompanyHomepageSettings = Omit<CompanyHomepageDeps, 'client'>;

const HTML_TYPE = /^\s*(?:text\/html|application\/xhtml\+xml)\s*(?:;|$)/i;
const HTML_START = /^\s*(?:<!--[\s\S]{0,2000}?-->\s*)?<(?:!doctype\s+html|html|head)\b/i;

// What each fact is worth by where it came from: intelligence/enrichment/homepage-fields.ts.
// A homepage that moved to another domain (an acquisition, a parent brand) may describe its new owner.
const ELSEWHERE_FACTOR = 0.75;

const failure = (reason: string, retryable: boolean, retryAfterMs?: number): ProviderAnswer =>
  retryAfterMs === undefined ? { kind: 'failure', reason, retryable } : { kind: 'failure', reason, retryable, retryAfterMs };
const NO_MATCH: ProviderAnswer = { kind: 'no-match' };


/** The `code` of a network error: undici wraps it as the `cause` of "fetch failed", sometimes in an AggregateError of attempts. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 5) return undefined;
  if ('code' in error && typeof error.code === 'string') return error.code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const code = errorCode(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return errorCode(error.cause, depth + 1);
}

function networkAnswer(error: unknown): ProviderAnswer {
  const code = errorCode(error);
  // The name does not resolve: the domain has no website. EAI_AGAIN (a resolver hiccup) is retried.
  if (code === 'ENOTFOUND') return NO_MATCH;
  if (code !== undefined && /^(?:CERT_|ERR_TLS_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code)) return failure(`TLS: ${code}`, false);
  const message = error instanceof Error ? error.message : String(error);
  return failure(code === undefined ? `network error: ${message}` : `network error: ${code}`, true);
}

/** Decodes by the header's charset, else a `<meta charset>` near the top, else UTF-8. */
function decodeHtml(bytes: Uint8Array, contentType: string): string {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 2048));
  const label =
    /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType)?.[1] ?? /<meta[^>]{0,200}?charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') record[name] = value;
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) record['set-cookie'] = cookies.join('\n');
  return record;
}

function sameSite(domain: string, url: URL): boolean {
  const host = domainOf(url.hostname);
  return host === undefined || host === domain || host.endsWith(`.${domain}`) || domain.endsWith(`.${host}`);
}

function fieldsOf(html: string, headers: Record<string, string>, status: number, url: URL, domain: string): FieldCandidate[] {
  const facts = homepageFacts({ url: url.href, status, headers, html });
  return homepageFields(facts, url.href, sameSite(domain, url) ? 1 : ELSEWHERE_FACTOR);
}

/**
 * The built-in "company from domain" provider: reads the domain's homepage
 * and reports its name, description, social profiles, technologies and final
 * URL. Outcomes: an HTML page is a `match`; 404/410, an unresolvable name, a
 * non-HTML answer or a redirect nowhere usable (a loop, another scheme, an
 * internal address) is a `no-match`; 429, 5xx, 408, a timeout or a dropped
 * connection is a retryable `failure`; any other refusal (401, 403 bot walls)
 * or a broken certificate is a final one. The caller's own abort rejects.
 */
export function createCompanyHomepageProvider(deps: CompanyHomepageDeps): EnrichmentProvider {
  const homepageUrl = deps.homepageUrl ?? ((domain: string) => `https://${domain}/`);
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const maxBytes = deps.maxBytes ?? 1024 * 1024;
  const userAgent = deps.userAgent ?? 'Mozilla/5.0 (compatible; LeadGraphBot/1.0; company enrichment)';
  const requestHeaders = { 'user-agent': userAgent, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1', 'accept-language': 'en' };

  async function visit(domain: string, signal: AbortSignal): Promise<ProviderAnswer> {
    // Redirects are followed by the client, every hop checked where it connects, never from https to http.
    const result = await deps.client.request(homepageUrl(domain), { redirect: 'follow', signal, headers: requestHeaders, timeoutMs });
    // Refused (an internal address, a downgrade, a loop): nowhere we may read a homepage from.
    if (!result.ok) return NO_MATCH;
    return answer(domain, result.response);
  }

  async function answer(domain: string, response: OutboundResponse): Promise<ProviderAnswer> {
    const { status, url } = response;
    if (status < 200 || status >= 300) {
      await response.discard();
      if (status === 404 || status === 410) return NO_MATCH;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
      if (status === 429) return failure('rate limited (429)', true, retryAfter);
      if (status >= 500 || status === 408) return failure(`homepage answered ${status}`, true, retryAfter);
      return failure(`homepage answered ${status}`, false);
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType !== '' && !HTML_TYPE.test(contentType)) {
      await response.discard();
      return NO_MATCH;
    }
    const { bytes } = await response.read(maxBytes);
    const html = decodeHtml(bytes, contentType);
    if (contentType === '' && !HTML_START.test(html.slice(0, 4096))) return NO_MATCH;
    return { kind: 'match', fields: fieldsOf(html, headerRecord(response.headers), status, url, domain) };
  }

  return {
    id: 'company-homepage',
    accepts: (subject) => domainOf(subject.domain) !== undefined,
    async enrich(subject, opts) {
      const domain = domainOf(subject.domain);
      if (domain === undefined) return NO_MATCH;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);
      try {
        return await visit(domain, signal);
      } catch (error) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        if (timeout.aborted) return failure(`timed out after ${timeoutMs} ms`, true);
        return networkAnswer(error);
      }
    },
  };
}
