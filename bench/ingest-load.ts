import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { z } from 'zod';
import { loadResultOf, type LoadResult } from './load.js';

/**
 * The ingestion load generator, a process of its own (spawned by
 * ingest.bench.ts) like load.ts's autocannon CLI; the CLI repeats one body,
 * but every event needs its own messageId (dedupe is exact) and a visitor
 * drawn from a pool. Prints `stopped` the moment the load ends, then an
 * IngestLoadReport as JSON, each on a line.
 */
const ingestLoadOptions = z.object({
  url: z.string(),
  path: z.string(),
  publishableKey: z.string(),
  /** `single`: one track message a body (/v1/track refuses other types); `batch`: `{ batch: [...] }` of mixed types. */
  shape: z.enum(['single', 'batch']),
  eventsPerRequest: z.number().int().positive(),
  connections: z.number().int().positive(),
  seconds: z.number().positive(),
  visitors: z.number().int().positive(),
  /** Instead of timed load with random visitors, send each visitor once, in order, then stop. */
  seed: z.boolean(),
});

export type IngestLoadOptions = z.infer<typeof ingestLoadOptions>;

export interface IngestLoadReport {
  readonly load: LoadResult;
  /** How long autocannon ran, in seconds. */
  readonly seconds: number;
  readonly responses2xx: number;
  /** Summed from the 2xx bodies: what the server says it committed. */
  readonly accepted: number;
  readonly duplicates: number;
  /** Non-2xx answers by status and reason. */
  readonly refusals: Record<string, number>;
}

const PAGES = [
  { path: '/', title: 'LeadGraph' },
  { path: '/pricing', title: 'Pricing' },
  { path: '/docs', title: 'Docs' },
  { path: '/docs/segment', title: 'Segment source' },
  { path: '/blog/lead-scoring', title: 'Lead scoring, explained' },
  { path: '/customers', title: 'Customers' },
  { path: '/signup', title: 'Sign up' },
];
const EVENTS = ['Viewed Pricing', 'Clicked CTA', 'Started Signup', 'Played Video', 'Downloaded Whitepaper'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const USER_AGENT = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

/** A browser-like message: mostly page views and tracks, now and then an identify tying the visitor to its own user. */
function messageOf(kind: 'track' | 'page' | 'identify', visitor: number, messageId: string): Record<string, unknown> {
  const page = pick(PAGES);
  const common = {
    type: kind,
    messageId,
    anonymousId: `anon-${visitor}`,
    timestamp: new Date(Date.now() - Math.floor(Math.random() * 5_000)).toISOString(),
    context: {
      page: { path: page.path, url: `https://www.example.com${page.path}`, title: page.title, referrer: 'https://www.google.com/' },
      userAgent: USER_AGENT,
      library: { name: 'analytics.js', version: '5.2.0' },
    },
  };
  const properties = { path: page.path, plan: pick(PLANS) };
  if (kind === 'track') return { ...common, event: pick(EVENTS), properties };
  if (kind === 'page') return { ...common, name: page.title, properties };
  return { ...common, userId: `user-${visitor}`, traits: { email: `visitor${visitor}@example.com`, plan: properties.plan } };
}

const kindOf = (): 'track' | 'page' | 'identify' => {
  const r = Math.random();
  return r < 0.55 ? 'page' : r < 0.95 ? 'track' : 'identify';
};

const reply = z.object({ accepted: z.number().optional(), duplicates: z.number().optional(), reason: z.string().optional() });

function parseReply(body: string): z.infer<typeof reply> {
  try {
    return reply.parse(JSON.parse(body));
  } catch {
    return { reason: body.slice(0, 120) };
  }
}

async function main(options: IngestLoadOptions): Promise<IngestLoadReport> {
  // Unique across every process of the run, without a UUID per event.
  const prefix = randomUUID();
  let sent = 0;
  const nextVisitor = options.seed ? () => sent % options.visitors : () => Math.floor(Math.random() * options.visitors);
  const nextMessage = (kind: 'track' | 'page' | 'identify') => {
    const message = messageOf(kind, nextVisitor(), `${prefix}-${sent}`);
    sent += 1;
    return message;
  };
  const body = () =>
    options.shape === 'single'
      ? JSON.stringify(nextMessage('track'))
      : JSON.stringify({ batch: Array.from({ length: options.eventsPerRequest }, () => nextMessage(kindOf())) });

  let accepted = 0;
  let duplicates = 0;
  const refusals: Record<string, number> = {};
  const requests = Math.ceil(options.visitors / options.eventsPerRequest);
  const result = await autocannon({
    url: options.url,
    connections: options.seed ? Math.min(options.connections, requests) : options.connections,
    ...(options.seed ? { amount: requests } : { duration: options.seconds }),
    // Longer than any run: a request autocannon abandons keeps the server working while a new one is sent.
    timeout: 120,
    requests: [
      {
        method: 'POST',
        path: options.path,
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${options.publishableKey}:`).toString('base64')}`,
        },
        setupRequest: (request) => ({ ...request, body: body() }),
        onResponse: (status, text) => {
          const parsed = parseReply(text);
          if (status >= 200 && status < 300) {
            accepted += parsed.accepted ?? 0;
            duplicates += parsed.duplicates ?? 0;
          } else {
            const key = `${status} ${parsed.reason ?? ''}`.trim();
            refusals[key] = (refusals[key] ?? 0) + 1;
          }
        },
      },
    ],
  });
  // At once, before the report: the parent counts the rows committed up to this moment.
  process.stdout.write('stopped\n');
  return { load: loadResultOf(result), seconds: result.duration, responses2xx: result['2xx'], accepted, duplicates, refusals };
}

const report = await main(ingestLoadOptions.parse(JSON.parse(process.argv[2] ?? '{}')));
process.stdout.write(`${JSON.stringify(report)}\n`);
