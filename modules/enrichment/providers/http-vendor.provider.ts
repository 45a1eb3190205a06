/**
 * The enrichment provider behind a tenant's configured HTTP vendor: renders the
 * request, reads the answer through the mapping, polls async jobs, and turns
 * every status into a ProviderAnswer. The tenant's API key never leaves in an
 * answer: reasons and raw bodies pass through one scrubber.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { EnrichmentProvider, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import {
  extractVendorFields,
  noMatchIndicated,
  readJsonPath,
  renderVendorPoll,
  renderVendorRequest,
  resolveJobUrl,
  subjectAccepted,
  type VendorConfig,
  type VendorRequest,
} from '../../../intelligence/enrichment/vendor-config.js';
import type { GuardedHttpClient } from '../../../platform/outbound/guarded-http-client.js';
import { retryAfterMs } from '../../../platform/network/retry-after.js';

const RAW_LIMIT_BYTES = 64 * 1024;
const BODY_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
// A key a header can carry; anything else is a pasting accident, and undici would echo it in its error.
const USABLE_KEY = /^[\x21-\x7e]+$/;

export interface HttpVendorDeps {
  readonly apiKey: () => Promise<string>;
  /**
   * Every request goes through it: an endpoint that is, or resolves to, an
   * internal address is refused where it connects, unless the deployment
   * allows local targets (tests, a vendor on the same host).
   */
  readonly client: GuardedHttpClient;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Per request, body included. */
  readonly timeoutMs?: number;
}

interface VendorResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly oversized: boolean;
}

const NO_MATCH: ProviderAnswer = { kind: 'no-match' };


function truncate(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength <= RAW_LIMIT_BYTES) return text;
  return bytes.subarray(0, RAW_LIMIT_BYTES).toString('utf8').replace(/\uFFFD+$/, '');
}

/** Removes the key as sent in a header and as encoded in a URL. */
function scrubber(secret: string): (text: string) => string {
  const forms = [...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ k: secret }).toString().slice(2)])];
  return (text) => forms.filter((form) => form !== '').reduce((scrubbed, form) => scrubbed.replaceAll(form, '[redacted]'), text);
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export function createHttpVendorProvider(config: VendorConfig, deps: HttpVendorDeps): EnrichmentProvider {
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  return {
    id: `vendor:${config.id}`,
    accepts: (subject) => subjectAccepted(config, subject),

    async enrich(subject, opts) {
      // Not called for a subject it does not accept; if it is, there is nothing to ask, and no credits to spend.
      if (!subjectAccepted(config, subject)) return NO_MATCH;
      const apiKey = await deps.apiKey();
      if (!USABLE_KEY.test(apiKey)) return { kind: 'failure', reason: "the tenant's API key for this vendor is malformed", retryable: false };
      const scrub = scrubber(apiKey);
      const fail = (reason: string, retryable: boolean, more: { retryAfterMs?: number | undefined; raw?: string } = {}): ProviderAnswer => ({
        kind: 'failure',
        reason: scrub(reason),
        retryable,
        ...(more.retryAfterMs === undefined ? {} : { retryAfterMs: more.retryAfterMs }),
        ...(more.raw === undefined || more.raw === '' ? {} : { raw: truncate(scrub(more.raw)) }),
      });

      const exchange = async (request: VendorRequest): Promise<VendorResponse | ProviderAnswer> => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
        try {
          // Redirects are not followed: one could carry the key (in a header or the query) to another host.
          const { url, method, headers, body } = request;
          const result = await deps.client.request(url, { method, headers, ...(body === undefined ? {} : { body }), signal, timeoutMs });
          if (!result.ok) return fail(`the vendor's endpoint is refused: ${result.message}`, false);
          const { bytes, truncated } = await result.response.read(BODY_LIMIT_BYTES);
          const text = Buffer.from(bytes).toString('utf8');
          return { kind: 'response', status: result.response.status, headers: result.response.headers, body: text, oversized: truncated };
        } catch (error) {
          opts.signal?.throwIfAborted(); // the caller gave up: not the vendor's failure
          if (timeout.aborted) return fail(`the vendor did not answer within ${timeoutMs} ms`, true);
          return fail(`could not reach the vendor: ${causeOf(error)}`, true);
        }
      };

      const readAnswer = (response: VendorResponse): ProviderAnswer => {
        if (response.oversized) return fail(`the answer is larger than ${BODY_LIMIT_BYTES} bytes`, false, { raw: response.body });
        let json: unknown;
        try {
          json = JSON.parse(response.body);
        } catch {
          return fail(`the answer (${response.status}) is not JSON`, false, { raw: response.body });
        }
        if (noMatchIndicated(config, json)) return NO_MATCH;
        const { fields, mismatches } = extractVendorFields(config, json);
        if (mismatches.length > 0) {
          const list = mismatches.map((m) => `${m.path} → ${m.field}: ${m.message}`).join('; ');
          return fail(`the answer does not fit the mapping (${list})`, false, { raw: response.body });
        }
        return fields.length > 0 ? { kind: 'match', fields } : NO_MATCH;
      };

      /** Every status but 202, whose meaning depends on where it comes. */
      const interpret = (response: VendorResponse): ProviderAnswer => {
        const { status, body: raw } = response;
        if (status === 404 || config.noMatchWhen?.status?.includes(status)) return NO_MATCH;
        if (status === 401 || status === 403) return fail(`the vendor refused the tenant's API key (${status})`, false, { raw });
        if (status === 429) return fail('the vendor is rate limiting (429)', true, { retryAfterMs: retryAfterMs(response.headers.get('retry-after'), Date.now()), raw });
        if (status === 408 || status >= 500) return fail(`the vendor answered ${status}`, true, { raw });
        if (status >= 200 && status < 300) return readAnswer(response);
        return fail(`the vendor answered ${status}`, false, { raw });
      };

      const jobUrlOf = (accepted: VendorResponse): string | ProviderAnswer => {
        const poll = config.poll;
        let reference: unknown;
        if (poll?.urlFrom === 'location-header') reference = accepted.headers.get('location');
        else if (poll?.field !== undefined) {
          try {
            reference = readJsonPath(JSON.parse(accepted.body), poll.field);
          } catch {
            return fail('the job answer (202) is not JSON', false, { raw: accepted.body });
          }
        }
        if (typeof reference === 'number') reference = String(reference);
        if (typeof reference !== 'string' || reference === '') {
          return fail('the vendor accepted the job (202) but named none to poll', false, { raw: accepted.body });
        }
        const url = resolveJobUrl(config, reference);
        return url ?? fail("the job URL leaves the vendor's origin; the tenant's key is not sent there", false, { raw: accepted.body });
      };

      const pollJob = async (accepted: VendorResponse): Promise<ProviderAnswer> => {
        const poll = config.poll;
        if (poll === undefined) return fail('the vendor answered 202 but no poll is configured', false);
        const jobUrl = jobUrlOf(accepted);
        if (typeof jobUrl !== 'string') return jobUrl;
        const request = renderVendorPoll(config, jobUrl, apiKey);
        const started = Date.now();
        // Counted as well as timed: an injected sleep does not pass time, and Retry-After: 0 must not mean polling forever.
        const maxPolls = Math.ceil(poll.maxWaitMs / poll.intervalMs) + 1;
        let waited = 0;
        let wait = retryAfterMs(accepted.headers.get('retry-after'), Date.now()) ?? poll.intervalMs;
        for (let polls = 0; polls < maxPolls; polls++) {
          if (Math.max(waited, Date.now() - started) + wait > poll.maxWaitMs) break;
          await sleep(wait, opts.signal);
          opts.signal?.throwIfAborted();
          waited += wait;
          const answer = await exchange(request);
          if (answer.kind !== 'response') return answer;
          if (answer.status !== 202) return interpret(answer);
          wait = retryAfterMs(answer.headers.get('retry-after'), Date.now()) ?? poll.intervalMs;
        }
        return fail(`the vendor's job did not finish within ${poll.maxWaitMs} ms`, true);
      };

      try {
        const first = await exchange(renderVendorRequest(config, subject, apiKey));
        if (first.kind !== 'response') return first;
        if (first.status !== 202) return interpret(first);
        if (config.mode === 'sync') {
          return fail('the vendor is still looking (202); ask again later', true, { retryAfterMs: retryAfterMs(first.headers.get('retry-after'), Date.now()) });
        }
        return await pollJob(first);
      } catch (error) {
        opts.signal?.throwIfAborted();
        // Only a bug lands here. Its message may quote a request carrying the key, so it leaves scrubbed,
        // and without its cause, which would carry the key on to the logs.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(scrub(`vendor ${config.id}: ${error instanceof Error ? error.message : String(error)}`));
      }
    },
  };
}
