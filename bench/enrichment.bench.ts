import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import { vendorConfig } from '../test/support/vendor-server.js';
import { startEnrichmentStack, type EnrichmentStack } from './enrichment-stack.js';
import { latencies, type Latencies } from './latencies.js';

const VENDOR_DELAY_MS = 50;
/** Known person (15) before; its company found, the default model adds 10 and 15 for its size. */
const SCORE_AFTER_ENRICHMENT = 25;
const SCORE_TIMEOUT_MS = 30_000;
const WARM_UP_ENRICHMENTS = 20;
const SHARED_DOMAIN_LEADS = 100;

export interface EnrichmentBenchResult {
  readonly coordination: string;
  readonly vendor: Latencies;
  readonly enrichment: Latencies;
  readonly sharedDomain: { readonly leads: number; readonly vendorRequests: number; readonly wallMs: number; readonly failures: number };
}

const envelope = z.object({ data: z.unknown().optional(), errors: z.array(z.object({ message: z.string() }).loose()).optional() });

export async function gql<T>(url: string, token: string, query: string, variables: Record<string, unknown>, shape: z.ZodType<T>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = envelope.parse(await response.json());
  if (body.errors !== undefined) throw new Error(`${query.split('(')[0]}: ${JSON.stringify(body.errors)}`);
  return shape.parse(body.data);
}

const jobShape = z.object({ id: z.string(), status: z.enum(['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED']), error: z.string().nullable() });
const enrichLeadShape = z.object({ enrichLead: jobShape });
const identifyShape = z.object({ identify: z.object({ id: z.string() }) });

/**
 * `concurrency` clients each running `once` back to back for `seconds`: the
 * rate counts what finished inside the window, the latencies everything
 * started in it. A throw or `false` is a failure.
 */
async function closedLoop(concurrency: number, seconds: number, once: () => Promise<boolean>): Promise<{ latencies: number[]; completed: number; failures: number }> {
  const latencies: number[] = [];
  let completed = 0;
  let failures = 0;
  let firstError: unknown;
  const end = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      const ok = await once().catch((error: unknown) => {
        firstError ??= error;
        return false;
      });
      const finished = performance.now();
      if (!ok) {
        failures += 1;
        continue;
      }
      latencies.push(finished - start);
      if (finished <= end) completed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  if (latencies.length === 0) throw new Error(`every attempt failed: ${String(firstError)}`);
  return { latencies, completed, failures };
}

/** Two runs of one target (A-B-B-A) as one: rates averaged, latency samples pooled. */
function summarise(runs: ReadonlyArray<{ latencies: number[]; completed: number; failures: number }>, seconds: number): Latencies {
  return latencies(
    runs.flatMap((r) => r.latencies),
    { perSecond: runs.reduce((sum, r) => sum + r.completed, 0) / (seconds * runs.length), failures: runs.reduce((sum, r) => sum + r.failures, 0) },
  );
}

export async function inPool<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const runner = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, runner));
  return results;
}

/** A tenant whose waterfall is the local vendor alone, with automatic enrichment off so identify() starts nothing. */
async function benchTenant(stack: EnrichmentStack): Promise<string> {
  const created = await gql(
    stack.gatewayUrl,
    stack.adminToken,
    'mutation ($input: CreateTenantInput!) { createTenant(input: $input) { secretKey } }',
    { input: { name: 'Enrichment bench', credits: 1_000_000 } },
    z.object({ createTenant: z.object({ secretKey: z.string() }) }),
  );
  const token = created.createTenant.secretKey;
  await gql(
    stack.gatewayUrl,
    token,
    'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }',
    {
      input: {
        config: vendorConfig(stack.vendor, { mode: 'sync', poll: undefined, rateLimitPerMinute: 100_000, concurrency: 100 }),
        apiKey: stack.vendor.key,
      },
    },
    z.unknown(),
  );
  await gql(
    stack.gatewayUrl,
    token,
    'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }',
    { input: { waterfall: ['vendor:clearbit-like'], autoEnrich: false } },
    z.unknown(),
  );
  return token;
}

/**
 * Issue 4's benchmark: enrichLead through the gateway, a durable workflow on
 * Temporal, a vendor answering in 50 ms, until the lead's updated score
 * reaches a leadScored subscriber (fields and company written, rescored,
 * published), against the vendor alone.
 */
export async function benchEnrichment(opts: { concurrency: number; seconds: number }): Promise<EnrichmentBenchResult> {
  const stack = await startEnrichmentStack({ vendorDelayMs: VENDOR_DELAY_MS });
  try {
    const { gatewayUrl: url, vendor } = stack;
    const token = await benchTenant(stack);
    const run = randomBytes(3).toString('hex');
    let people = 0;
    let domains = 0;
    const identify = async (email: string) =>
      (await gql(url, token, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', { input: { userId: `u-${run}-${people++}`, email } }, identifyShape))
        .identify.id;
    // Each lead its own company domain, so no answer comes from a cache or a shared lookup.
    const makeLeads = (count: number) =>
      inPool(Array.from({ length: count }, () => domains++), 50, (i) => identify(`p${i}@d${i}-${run}.test`));

    // The lead's updated score as a client sees it: the leadScored subscription, no polling.
    const waiting = new Map<string, () => void>();
    const subscriber = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` } });
    subscriber.subscribe<{ leadScored: { lead: { id: string } } }>(
      { query: `subscription { leadScored(minScore: ${SCORE_AFTER_ENRICHMENT}) { lead { id } } }` },
      {
        next: (message) => {
          const leadId = message.data?.leadScored.lead.id;
          if (leadId !== undefined) waiting.get(leadId)?.();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    await sleep(300);

    /** enrichLead, until the lead's new score reaches a subscriber. */
    const enrich = async (leadId: string): Promise<void> => {
      const scored = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no new score for ${leadId} within ${SCORE_TIMEOUT_MS} ms`)), SCORE_TIMEOUT_MS);
        waiting.set(leadId, () => {
          clearTimeout(timer);
          waiting.delete(leadId);
          resolve();
        });
      });
      const job = (await gql(url, token, 'mutation ($id: ID!) { enrichLead(id: $id) { id status error } }', { id: leadId }, enrichLeadShape)).enrichLead;
      if (job.status === 'FAILED') throw new Error(`enrichment job ${job.id} failed: ${job.error ?? 'no reason given'}`);
      await scored;
    };

    let lookups = 0;
    /** The baseline: what one lookup costs a client talking to the vendor directly. */
    const askVendor = async () => {
      const response = await fetch(`${vendor.url}/v2/companies/find?domain=baseline-${lookups++}.test`, { headers: { authorization: `Bearer ${vendor.key}` } });
      await response.arrayBuffer();
      return response.ok;
    };
    const vendorLoop = () => closedLoop(opts.concurrency, opts.seconds, askVendor);
    // Every enrichment waits at least the vendor's delay, which bounds how many leads one run can use.
    const leadsPerRun = opts.concurrency * (Math.ceil((opts.seconds * 1000) / VENDOR_DELAY_MS) + 1);
    const enrichmentLoop = async () => {
      const leads = await makeLeads(leadsPerRun);
      return closedLoop(opts.concurrency, opts.seconds, async () => {
        const leadId = leads.pop();
        if (leadId === undefined) throw new Error('the run used up its leads');
        await enrich(leadId);
        return true;
      });
    };

    // Warm both (JIT, pools, Temporal's workflow cache), and check that a new score means the lead holds its company.
    const warmLeads = await makeLeads(WARM_UP_ENRICHMENTS);
    await inPool(warmLeads, opts.concurrency, enrich);
    const sample = await gql(url, token, 'query ($id: ID!) { lead(id: $id) { email company { domain } } }', { id: warmLeads[0] }, z.object({
      lead: z.object({ email: z.string(), company: z.object({ domain: z.string() }).nullable() }),
    }));
    if (sample.lead.company?.domain !== sample.lead.email.split('@')[1]) throw new Error(`an enriched lead lacks its company: ${JSON.stringify(sample.lead)}`);
    await closedLoop(opts.concurrency, 1, askVendor);

    // A-B-B-A, so neither side gains from running later on a warmer machine.
    const vendor1 = await vendorLoop();
    const enrich1 = await enrichmentLoop();
    const enrich2 = await enrichmentLoop();
    const vendor2 = await vendorLoop();

    // Many leads of one company at once: one vendor lookup, the rest wait for its answer.
    const company = `crowd-${run}.test`;
    const crowd = await inPool(
      Array.from({ length: SHARED_DOMAIN_LEADS }, (_, i) => i),
      50,
      (i) => identify(`p${i}@${company}`),
    );
    const started = performance.now();
    const settled = await Promise.allSettled(crowd.map(enrich));
    const wallMs = performance.now() - started;

    await subscriber.dispose();
    return {
      coordination: stack.coordinationKind,
      vendor: summarise([vendor1, vendor2], opts.seconds),
      enrichment: summarise([enrich1, enrich2], opts.seconds),
      sharedDomain: {
        leads: SHARED_DOMAIN_LEADS,
        vendorRequests: vendor.requests(company),
        wallMs,
        failures: settled.filter((s) => s.status === 'rejected').length,
      },
    };
  } finally {
    await stack.close();
  }
}
