import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer the vendor gives: a status, a body (a string is sent as is: malformed JSON stays malformed), headers, a delay. */
export interface VendorReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly delayMs?: number;
  /** Answered only once this settles: the test decides when the call ends. */
  readonly until?: Promise<unknown>;
}

export interface VendorServer {
  readonly url: string;
  readonly key: string;
  /** Requests received per domain (lookups, not polls). */
  requests(domain: string): number;
  /** The most lookups in flight at once since the last reset. */
  peakInFlight(): number;
  resetPeak(): void;
  /** The next replies for a domain, in order; once used up, the default (a company, 200). */
  script(domain: string, replies: readonly VendorReply[]): void;
  /** Called when a lookup arrives, before it is answered. */
  onLookup(listener: ((domain: string) => void) | undefined): void;
  /** A 202 that is answered on the `pollsBeforeReady`-th poll of its job. */
  queued(domain: string, pollsBeforeReady: number): void;
  close(): Promise<void>;
}

export const companyBody = (domain: string, employees = 250) => ({
  name: `Company of ${domain}`,
  domain,
  metrics: { employees },
  category: { industry: 'Software' },
  geo: { country: 'US' },
});

/**
 * A vendor speaking Clearbit's company API: `GET /v2/companies/find?domain=`
 * with a bearer key, 404 for an unknown company, 202 with a job to poll at
 * `/v2/jobs/<id>`. Replies can be scripted per domain (429 with Retry-After,
 * 500, malformed bodies, delays).
 */
export async function startVendorServer(opts: { key: string; delayMs?: number }): Promise<VendorServer> {
  const counts = new Map<string, number>();
  const scripts = new Map<string, VendorReply[]>();
  const jobs = new Map<string, { domain: string; pollsLeft: number }>();
  const queuedDomains = new Map<string, number>();
  let listener: ((domain: string) => void) | undefined;
  let nextJob = 0;
  let inFlight = 0;
  let peak = 0;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://vendor.test');
    const send = (reply: VendorReply) => {
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      };
      const delay = reply.delayMs ?? opts.delayMs ?? 0;
      if (reply.until !== undefined) void reply.until.then(respond);
      else if (delay > 0) setTimeout(respond, delay);
      else respond();
    };
    if (req.headers.authorization !== `Bearer ${opts.key}`) return send({ status: 401, body: { error: { type: 'auth_invalid' } } });

    const job = /^\/v2\/jobs\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (job !== undefined) {
      const state = jobs.get(job);
      if (state === undefined) return send({ status: 404, body: { error: { type: 'unknown_job' } } });
      state.pollsLeft -= 1;
      return send(state.pollsLeft > 0 ? { status: 202, body: { status: 'queued' }, headers: { 'retry-after': '0' } } : { status: 200, body: companyBody(state.domain) });
    }
    if (url.pathname !== '/v2/companies/find') return send({ status: 404, body: { error: { type: 'not_found' } } });
    const domain = url.searchParams.get('domain') ?? '';
    counts.set(domain, (counts.get(domain) ?? 0) + 1);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    res.once('close', () => {
      inFlight -= 1;
    });
    listener?.(domain);
    const polls = queuedDomains.get(domain);
    if (polls !== undefined) {
      const id = `job-${++nextJob}`;
      jobs.set(id, { domain, pollsLeft: polls });
      return send({ status: 202, body: { status: 'queued' }, headers: { location: `/v2/jobs/${id}` } });
    }
    const scripted = scripts.get(domain)?.shift();
    if (scripted !== undefined) return send(scripted);
    if (domain.startsWith('unknown')) return send({ status: 404, body: { error: { type: 'unknown_record' } } });
    return send({ status: 200, body: companyBody(domain) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key: opts.key,
    requests: (domain) => counts.get(domain) ?? 0,
    peakInFlight: () => peak,
    resetPeak: () => {
      peak = inFlight;
    },
    script: (domain, replies) => scripts.set(domain, [...replies]),
    onLookup: (l) => {
      listener = l;
    },
    queued: (domain, polls) => queuedDomains.set(domain, polls),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The tenant's configuration of this vendor, as `configureEnrichmentVendor` takes it. */
export function vendorConfig(vendor: VendorServer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'clearbit-like',
    name: 'Clearbit-like',
    endpoint: `${vendor.url}/v2/companies/find`,
    method: 'GET',
    auth: { kind: 'bearer' },
    request: { query: { domain: '{{domain}}' } },
    accepts: ['domain'],
    mode: 'async',
    poll: { urlFrom: 'location-header', intervalMs: 100, maxWaitMs: 10_000 },
    mapping: [
      { field: 'company.name', path: 'name', confidence: 0.9, verified: true, type: 'string' },
      { field: 'company.domain', path: 'domain', confidence: 0.9, verified: true, type: 'string' },
      { field: 'company.employees', path: 'metrics.employees', confidence: 0.7, verified: false, type: 'number' },
      { field: 'company.industry', path: 'category.industry', confidence: 0.8, verified: false, type: 'string' },
      { field: 'company.country', path: 'geo.country', confidence: 0.8, verified: false, type: 'string' },
    ],
    priceCredits: 3,
    rateLimitPerMinute: 6000,
    concurrency: 20,
    ...overrides,
  };
}
