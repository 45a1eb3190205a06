import { domainOf } from '../../../intelligence/companies/group-company.js';
import type { EnrichmentProvider, FieldCandidate, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import {
  homepageFacts,
  type DescriptionSource,
  type HomepageFacts,
  type NameSource,
  type TechnologyEvidence,
} from '../../../intelligence/enrichment/homepage-facts.js';
import { isInternalHost, pointsInside, systemResolve, type ResolveHost } from '../../../platform/network/internal-hosts.js';
import { retryAfterMs } from '../../../platform/network/retry-after.js';

export interface CompanyHomepageDeps {
  readonly fetch?: typeof fetch;
  /** Where a domain's homepage is; `https://<domain>/` unless told. */
  readonly homepageUrl?: (domain: string) => string;
  /** For the whole exchange: every redirect and the body. */
  readonly timeoutMs?: number;
  /** Bytes of the (decompressed) body read before the rest is dropped. */
  readonly maxBytes?: number;
  readonly userAgent?: string;
  /** A name's addresses; the system resolver's unless told. */
  readonly resolveHost?: ResolveHost;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const HTML_TYPE = /^\s*(?:text\/html|application\/xhtml\+xml)\s*(?:;|$)/i;
const HTML_START = /^\s*(?:<!--[\s\S]{0,2000}?-->\s*)?<(?:!doctype\s+html|html|head)\b/i;

// What a claim is worth by where it came from. A site's declared og:site_name is
// the name it wants shown; a piece of its <title> is our guess at one.
const NAME_CONFIDENCE: Readonly<Record<NameSource, number>> = { 'og:site_name': 0.85, 'application-name': 0.8, title: 0.6, 'title-part': 0.5 };
const DESCRIPTION_CONFIDENCE: Readonly<Record<DescriptionSource, number>> = { description: 0.8, 'og:description': 0.75 };
// Linked from the site itself, but a homepage can link a partner's profile too.
const SOCIAL_CONFIDENCE = 0.8;
const TECHNOLOGY_CONFIDENCE: Readonly<Record<TechnologyEvidence, number>> = { header: 0.95, markup: 0.85, heuristic: 0.75 };
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

/** At most `maxBytes` of a body, read as a stream; the rest is never downloaded. */
async function readAtMost(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= bytes.length) break;
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
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

function fieldsOf(facts: HomepageFacts, url: URL, domain: string): FieldCandidate[] {
  const factor = sameSite(domain, url) ? 1 : ELSEWHERE_FACTOR;
  const fields: FieldCandidate[] = [{ field: 'company.website', value: url.href, confidence: 0.95, verified: true }];
  if (facts.name !== undefined && facts.nameSource !== undefined) {
    fields.push({ field: 'company.name', value: facts.name, confidence: NAME_CONFIDENCE[facts.nameSource] * factor, verified: false });
  }
  if (facts.description !== undefined && facts.descriptionSource !== undefined) {
    const confidence = DESCRIPTION_CONFIDENCE[facts.descriptionSource] * factor;
    fields.push({ field: 'company.description', value: facts.description, confidence, verified: false });
  }
  for (const [network, link] of Object.entries(facts.socialLinks)) {
    fields.push({ field: `company.socialLinks.${network}`, value: link, confidence: SOCIAL_CONFIDENCE * factor, verified: false });
  }
  if (facts.technologies.length > 0) {
    // One list, as certain as its least certain member; verified only when the server's own headers named every entry.
    const evidence = facts.technologies.map((name) => facts.technologyEvidence[name] ?? 'heuristic');
    const confidence = Math.min(...evidence.map((seen) => TECHNOLOGY_CONFIDENCE[seen]));
    fields.push({ field: 'company.techStack', value: [...facts.technologies], confidence, verified: evidence.every((seen) => seen === 'header') });
  }
  return fields;
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
export function createCompanyHomepageProvider(deps: CompanyHomepageDeps = {}): EnrichmentProvider {
  const fetchPage = deps.fetch ?? fetch;
  const homepageUrl = deps.homepageUrl ?? ((domain: string) => `https://${domain}/`);
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const maxBytes = deps.maxBytes ?? 1024 * 1024;
  const userAgent = deps.userAgent ?? 'Mozilla/5.0 (compatible; LeadGraphBot/1.0; company enrichment)';
  const resolveHost = deps.resolveHost ?? systemResolve;
  const requestHeaders = { 'user-agent': userAgent, accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.1', 'accept-language': 'en' };

  async function visit(domain: string, signal: AbortSignal): Promise<ProviderAnswer> {
    let url = new URL(homepageUrl(domain));
    // Where the configured homepage URL starts inside (a test's local server), it may stay there.
    const startsInside = isInternalHost(url);
    for (let hop = 0; ; hop += 1) {
      if (!startsInside && (await pointsInside(url, resolveHost))) return NO_MATCH;
      const response = await fetchPage(url, { redirect: 'manual', signal, headers: requestHeaders });
      const location = response.headers.get('location');
      if (REDIRECT_STATUSES.has(response.status) && location !== null) {
        await response.body?.cancel();
        const next = URL.parse(location, url);
        if (hop >= MAX_REDIRECTS || next === null || (next.protocol !== 'https:' && next.protocol !== 'http:')) return NO_MATCH;
        url = next;
        continue;
      }
      return answer(domain, url, response);
    }
  }

  async function answer(domain: string, url: URL, response: Response): Promise<ProviderAnswer> {
    const { status } = response;
    if (status < 200 || status >= 300) {
      await response.body?.cancel();
      if (status === 404 || status === 410) return NO_MATCH;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
      if (status === 429) return failure('rate limited (429)', true, retryAfter);
      if (status >= 500 || status === 408) return failure(`homepage answered ${status}`, true, retryAfter);
      return failure(`homepage answered ${status}`, false);
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType !== '' && !HTML_TYPE.test(contentType)) {
      await response.body?.cancel();
      return NO_MATCH;
    }
    const bytes = await readAtMost(response.body, maxBytes);
    const html = decodeHtml(bytes, contentType);
    if (contentType === '' && !HTML_START.test(html.slice(0, 4096))) return NO_MATCH;
    const facts = homepageFacts({ url: url.href, status, headers: headerRecord(response.headers), html });
    return { kind: 'match', fields: fieldsOf(facts, url, domain) };
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
