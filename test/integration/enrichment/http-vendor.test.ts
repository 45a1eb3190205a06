import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EnrichmentProvider, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import { parseVendorConfig, type VendorConfig } from '../../../intelligence/enrichment/vendor-config.js';
import { findFreePort } from '../../../platform/embedded/free-port.js';
import { createGuardedHttpClient, type GuardedHttpClient } from '../../../platform/outbound/guarded-http-client.js';
import { createHttpVendorProvider, type HttpVendorDeps } from '../../../modules/enrichment/providers/http-vendor.provider.js';

// Characters a URL encodes, so scrubbing must catch the key as sent and as encoded.
const KEY = `sk_live_${randomBytes(12).toString('hex')}+/=`;
const WRONG_KEY = `sk_live_${randomBytes(12).toString('hex')}`;

const company = (domain: string) => ({
  name: 'Stripe',
  domain,
  metrics: { employees: 8000, raised: '2200000000' },
  category: { industry: 'Internet Software & Services' },
  tech: ['segment', 'stripe'],
  site: { emailAddresses: ['press@stripe.com'] },
});

interface Seen {
  readonly path: string;
  readonly authorization: string | undefined;
}

/**
 * A vendor speaking Clearbit's protocol: `GET /v2/companies/find?domain=` with
 * a bearer key, 202 and a job to poll for lookups it has to run, plus a
 * query-keyed `/v1/lookup` that echoes the request back as its error.
 */
function vendorServer(seen: Seen[]): Server {
  const polls = new Map<string, number>();
  let jobs = 0;
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://vendor.test');
    seen.push({ path: url.pathname + url.search, authorization: req.headers.authorization });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    if (url.pathname === '/v1/lookup') return send(400, { error: `cannot serve ${req.url ?? ''}` });
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      return send(401, { error: { type: 'auth_invalid', message: `Invalid API key: ${req.headers.authorization ?? 'none'}` } });
    }
    const job = /^\/v2\/jobs\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (job !== undefined) {
      const count = (polls.get(job) ?? 0) + 1;
      polls.set(job, count);
      if (job.startsWith('forever')) return send(202, { status: 'queued' });
      return count <= 2 ? send(202, { status: 'queued' }, { 'retry-after': '0' }) : send(200, company('queued.example'));
    }

    const domain = url.searchParams.get('domain') ?? '';
    switch (domain) {
      case 'stripe.com':
        setTimeout(() => send(200, company(domain)), 50);
        return;
      case 'unknown.example':
        return send(404, { error: { type: 'unknown_record', message: 'Unknown domain' } });
      case 'busy.example':
        return send(429, { error: { type: 'rate_limit' } }, { 'retry-after': '2' });
      case 'busy-until.example':
        return send(429, { error: { type: 'rate_limit' } }, { 'retry-after': new Date(Date.now() + 5_000).toUTCString() });
      case 'broken.example':
        return send(500, { error: { type: 'server_error', message: `failed for ${req.headers.authorization ?? ''}` } });
      case 'garbled.example':
        return send(200, '{"name": "Garbled", "metrics": {');
      case 'huge.example':
        return send(200, 'x'.repeat(100_000));
      case 'misfit.example':
        return send(200, { ...company(domain), metrics: { employees: 'lots' } });
      case 'ghost.example':
        return send(200, { name: 'Ghost', status: 'not_found' });
      case 'slow.example':
        setTimeout(() => send(200, company(domain)), 2_000);
        return;
      case 'queued.example':
        return send(202, { status: 'queued' }, { location: `/v2/jobs/job-${++jobs}` });
      case 'forever.example':
        return send(202, { status: 'queued' }, { location: `/v2/jobs/forever-${++jobs}` });
      case 'elsewhere.example':
        return send(202, { status: 'queued' }, { location: 'http://attacker.test/collect' });
      default:
        return send(422, { error: { type: 'invalid_domain' } });
    }
  });
}

describe('the HTTP vendor provider against a Clearbit-like vendor', () => {
  const seen: Seen[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = vendorServer(seen);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  // The production client, as the test deployment builds it (ALLOW_LOCAL_OUTBOUND), and as a deployment without it does.
  const local = createGuardedHttpClient({ allowLocal: true, maxBodyBytes: 1024 * 1024, timeoutMs: 15_000, maxRedirects: 5 });
  const guarded = createGuardedHttpClient({ allowLocal: false, maxBodyBytes: 1024 * 1024, timeoutMs: 15_000, maxRedirects: 5 });
  afterAll(async () => {
    await Promise.all([local.close(), guarded.close()]);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  function vendor(overrides: Record<string, unknown> = {}): VendorConfig {
    const parsed = parseVendorConfig(
      {
        id: 'clearbit-like',
        name: 'Clearbit-like',
        endpoint: `${base}/v2/companies/find`,
        method: 'GET',
        auth: { kind: 'bearer' },
        request: { query: { domain: '{{domain}}' } },
        accepts: ['domain'],
        mode: 'sync',
        mapping: [
          { field: 'company.name', path: 'name', confidence: 0.9, verified: true, type: 'string' },
          { field: 'company.employees', path: 'metrics.employees', confidence: 0.7, verified: false, type: 'number' },
          { field: 'company.raised', path: 'metrics.raised', confidence: 0.6, verified: false, type: 'number' },
          { field: 'company.industry', path: 'category.industry', confidence: 0.8, verified: false, type: 'string' },
          { field: 'company.tech', path: 'tech', confidence: 0.6, verified: false, type: 'string[]' },
          { field: 'company.email', path: 'site.emailAddresses[0]', confidence: 0.5, verified: false, type: 'string' },
        ],
        priceCredits: 3,
        rateLimitPerMinute: 600,
        concurrency: 4,
        ...overrides,
      },
      { allowInsecureHttp: true },
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problem));
    return parsed.value;
  }

  const asyncVendor = (poll: Record<string, unknown> = {}) =>
    vendor({ mode: 'async', poll: { urlFrom: 'location-header', intervalMs: 100, maxWaitMs: 5_000, ...poll } });

  const provider = (config = vendor(), deps: Partial<HttpVendorDeps> = {}): EnrichmentProvider =>
    createHttpVendorProvider(config, { apiKey: async () => KEY, timeoutMs: 1_000, client: local, ...deps });

  const enrich = (domain: string, p = provider()) => p.enrich({ domain }, {});

  it('refuses an endpoint on an internal address unless the deployment allows local vendors, before sending the key anywhere', async () => {
    const before = seen.length;
    const answer = await provider(vendor(), { client: guarded }).enrich({ domain: 'stripe.com' }, {});
    expect(answer).toMatchObject({ kind: 'failure', retryable: false });
    expect(answer.kind === 'failure' ? answer.reason : '').toMatch(/^the vendor's endpoint is refused: /);
    expect(seen.length).toBe(before);
  });

  describe('sync lookups', () => {
    it('answers the mapped fields of a match, asking with the bearer key and the domain', async () => {
      const started = performance.now();
      const answer = await enrich('stripe.com');
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
      expect(answer).toEqual({
        kind: 'match',
        fields: [
          { field: 'company.name', value: 'Stripe', confidence: 0.9, verified: true },
          { field: 'company.employees', value: 8000, confidence: 0.7, verified: false },
          { field: 'company.raised', value: 2_200_000_000, confidence: 0.6, verified: false },
          { field: 'company.industry', value: 'Internet Software & Services', confidence: 0.8, verified: false },
          { field: 'company.tech', value: ['segment', 'stripe'], confidence: 0.6, verified: false },
          { field: 'company.email', value: 'press@stripe.com', confidence: 0.5, verified: false },
        ],
      });
      expect(seen).toEqual([{ path: '/v2/companies/find?domain=stripe.com', authorization: `Bearer ${KEY}` }]);
    });

    it('is vendor:<id> and accepts only subjects with a domain', async () => {
      const p = provider();
      expect(p.id).toBe('vendor:clearbit-like');
      expect(p.accepts({ email: 'ann@stripe.com' })).toBe(false);
      expect(p.accepts({ domain: 'stripe.com' })).toBe(true);
      expect(await p.enrich({ email: 'ann@stripe.com' }, {})).toEqual({ kind: 'no-match' });
      expect(seen).toEqual([]);
    });

    it('answers no-match on 404', async () => {
      expect(await enrich('unknown.example')).toEqual({ kind: 'no-match' });
    });

    it('answers no-match where the configuration says so: a status, or a flag in the answer', async () => {
      expect(await enrich('nowhere.example')).toMatchObject({ kind: 'failure', retryable: false, reason: 'the vendor answered 422' });
      expect(await enrich('nowhere.example', provider(vendor({ noMatchWhen: { status: [422] } })))).toEqual({ kind: 'no-match' });
      expect(await enrich('ghost.example')).toMatchObject({ kind: 'match' });
      const flagged = provider(vendor({ noMatchWhen: { path: 'status', equals: 'not_found' } }));
      expect(await enrich('ghost.example', flagged)).toEqual({ kind: 'no-match' });
    });

    it('fails retryably on 429, honouring Retry-After in seconds or as a date', async () => {
      expect(await enrich('busy.example')).toMatchObject({ kind: 'failure', retryable: true, retryAfterMs: 2_000 });
      const answer = await enrich('busy-until.example');
      expect(answer).toMatchObject({ kind: 'failure', retryable: true });
      const wait = answer.kind === 'failure' ? (answer.retryAfterMs ?? -1) : -1;
      expect(wait).toBeGreaterThan(2_000);
      expect(wait).toBeLessThanOrEqual(5_000);
    });

    it('fails retryably on 500, on a timeout and when the vendor cannot be reached', async () => {
      expect(await enrich('broken.example')).toMatchObject({ kind: 'failure', retryable: true, reason: 'the vendor answered 500' });
      expect(await enrich('slow.example', provider(vendor(), { timeoutMs: 200 }))).toEqual({
        kind: 'failure',
        retryable: true,
        reason: 'the vendor did not answer within 200 ms',
      });
      const closed = vendor({ endpoint: `http://127.0.0.1:${await findFreePort()}/v2/companies/find` });
      expect(await enrich('stripe.com', provider(closed))).toMatchObject({ kind: 'failure', retryable: true, reason: expect.stringMatching(/could not reach the vendor/) });
    });

    it('fails for good on a body that is not JSON, keeping it for inspection', async () => {
      expect(await enrich('garbled.example')).toEqual({
        kind: 'failure',
        retryable: false,
        reason: 'the answer (200) is not JSON',
        raw: '{"name": "Garbled", "metrics": {',
      });
      const huge = await enrich('huge.example');
      expect(huge).toMatchObject({ kind: 'failure', retryable: false });
      expect(huge.kind === 'failure' && huge.raw).toBe('x'.repeat(64 * 1024));
    });

    it('fails for good on JSON that breaks the mapping types, naming the field', async () => {
      const answer = await enrich('misfit.example');
      expect(answer).toMatchObject({ kind: 'failure', retryable: false, reason: expect.stringMatching(/metrics\.employees → company\.employees: expected a number, got "lots"/) });
      expect(answer.kind === 'failure' && JSON.parse(answer.raw ?? '')).toMatchObject({ metrics: { employees: 'lots' } });
    });

    it("fails for good on 401: the tenant's key is wrong", async () => {
      expect(await enrich('stripe.com', provider(vendor(), { apiKey: async () => WRONG_KEY }))).toMatchObject({
        kind: 'failure',
        retryable: false,
        reason: "the vendor refused the tenant's API key (401)",
      });
    });

    it('fails retryably on 202 in sync mode, as the vendor is still looking', async () => {
      expect(await enrich('queued.example')).toMatchObject({ kind: 'failure', retryable: true, reason: expect.stringMatching(/still looking/) });
    });
  });

  describe('async lookups', () => {
    it('polls the job from the Location header, honouring Retry-After: 0, until it answers', async () => {
      const answer = await enrich('queued.example', provider(asyncVendor()));
      expect(answer).toMatchObject({ kind: 'match', fields: expect.arrayContaining([{ field: 'company.name', value: 'Stripe', confidence: 0.9, verified: true }]) });
      const [find, ...polls] = seen.map((s) => s.path);
      expect(find).toBe('/v2/companies/find?domain=queued.example');
      expect(polls).toHaveLength(3);
      expect(new Set(polls).size).toBe(1);
      expect(polls[0]).toMatch(/^\/v2\/jobs\/job-\d+$/);
      expect(seen.every((s) => s.authorization === `Bearer ${KEY}`)).toBe(true);
    });

    it('gives up retryably when the job outlasts maxWaitMs, without polling without end', async () => {
      const waits: number[] = [];
      const p = provider(asyncVendor({ intervalMs: 100, maxWaitMs: 1_000 }), { sleep: async (ms) => void waits.push(ms) });
      expect(await enrich('forever.example', p)).toEqual({ kind: 'failure', retryable: true, reason: "the vendor's job did not finish within 1000 ms" });
      expect(waits).toEqual(Array(10).fill(100));
      expect(seen.filter((s) => s.path.startsWith('/v2/jobs/'))).toHaveLength(10);
    });

    it('does not follow a job to another origin with the key', async () => {
      expect(await enrich('elsewhere.example', provider(asyncVendor()))).toMatchObject({ kind: 'failure', retryable: false, reason: expect.stringMatching(/leaves the vendor's origin/) });
      expect(seen).toHaveLength(1);
    });
  });

  describe('the API key', () => {
    const leaks = (answer: ProviderAnswer, key: string) => {
      const text = answer.kind === 'failure' ? `${answer.reason}\n${answer.raw ?? ''}` : '';
      return [key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)].some((form) => text.includes(form));
    };

    it('never appears in a reason or a raw body, even when the vendor echoes it', async () => {
      const domains = ['stripe.com', 'unknown.example', 'busy.example', 'broken.example', 'garbled.example', 'misfit.example', 'elsewhere.example', 'nowhere.example'];
      const answers: Array<[ProviderAnswer, string]> = [];
      for (const domain of domains) {
        answers.push([await enrich(domain), KEY]);
        answers.push([await enrich(domain, provider(vendor(), { apiKey: async () => WRONG_KEY })), WRONG_KEY]);
      }
      const queryKeyed = vendor({ endpoint: `${base}/v1/lookup`, auth: { kind: 'query', name: 'api_key' } });
      answers.push([await enrich('stripe.com', provider(queryKeyed)), KEY]);
      const closed = vendor({ endpoint: `http://127.0.0.1:${await findFreePort()}/v1/lookup`, auth: { kind: 'query', name: 'api_key' } });
      answers.push([await enrich('stripe.com', provider(closed)), KEY]);
      // undici's own words for a header it cannot send quote the header; the client passes them on.
      const echoingClient: GuardedHttpClient = {
        ...local,
        request: async (url) => {
          throw new TypeError(`fetch to ${String(url)} failed: "Bearer ${KEY}" is an invalid header value`);
        },
      };
      const echoing = provider(vendor(), { client: echoingClient });
      answers.push([await enrich('stripe.com', echoing), KEY]);

      expect(answers.filter(([answer]) => answer.kind === 'failure' && answer.raw !== undefined).length).toBeGreaterThan(4);
      expect(answers.filter(([answer]) => answer.kind === 'failure' && answer.raw?.includes('[redacted]')).length).toBeGreaterThanOrEqual(3);
      for (const [answer, key] of answers) expect(leaks(answer, key), JSON.stringify(answer)).toBe(false);
    });

    it('is not in the error when the caller gives up', async () => {
      const p = provider(vendor(), { timeoutMs: 5_000 });
      const error = await p.enrich({ domain: 'slow.example' }, { signal: AbortSignal.timeout(100) }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).not.toContain(KEY);
    });
  });
});
