import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import { homepageFacts } from '../intelligence/enrichment/homepage-facts.js';
import { technologyFingerprints } from '../intelligence/enrichment/technology-fingerprint-data.js';
import { createGuardedHttpClient } from '../platform/outbound/guarded-http-client.js';
import { dnsServerResolver } from '../platform/outbound/outbound-resolver.js';
import { vendorConfig } from '../test/support/vendor-server.js';
import { benchCompany, companyHomepage, type BenchCompany } from './company-homepage.js';
import { cpuPerOperation, cpuSnapshot, type CpuSnapshot } from './cpu-usage.js';
import { profileEnrichments, type EnrichmentTiming, type PhaseFigure } from './enrichment-profile.js';
import { startEnrichmentStack, type EnrichmentStack } from './enrichment-stack.js';
import { gql, inPool } from './enrichment.bench.js';
import { latencies, percentile, type Latencies } from './latencies.js';
import { startLocalInternet, type Latency, type LocalInternet } from './local-internet.js';
import { BUILT_IN_PROVIDERS, COMPANY_HOMEPAGE_PROVIDER_ID } from '../modules/enrichment/provider-catalog.js';

/** A resolver's miss across the internet, and a homepage's first byte from a CDN edge or an origin. */
const LATENCY: Latency = { dnsMs: 30, homepageFirstByteMs: [80, 150] };
/** Known person 15 and company identified 10 before; the homepage's declared headcount (50–5000) adds 15. */
const SCORE_AFTER_ENRICHMENT = 40;
const SCORE_TIMEOUT_MS = 120_000;
const WARM_UP_ENRICHMENTS = 20;

export interface DefaultEnrichmentBenchResult {
  readonly coordination: string;
  readonly latency: Latency;
  readonly waterfall: readonly string[];
  /** The default providers' outside parties alone, asked in the waterfall's order: the floor. */
  readonly outside: Latencies;
  /** The same loop on a tenant whose waterfall is one local vendor answering at once: the platform's own cost. */
  readonly vendor: Latencies;
  readonly enrichment: Latencies;
  /** The homepage provider's parse and technology detection of one page, in this process. */
  readonly homepageParse: { readonly bytes: number; readonly p50Ms: number; readonly p95Ms: number };
  readonly profile: readonly PhaseFigure[];
  /** CPU milliseconds per enrichment by part of the stack, over both runs of each target. */
  readonly cpu: { readonly vendor: ReadonlyArray<{ part: string; ms: number }>; readonly enrichment: ReadonlyArray<{ part: string; ms: number }> };
  /** Each outside party's share of the floor: mean milliseconds per lead. */
  readonly outsideSteps: ReadonlyArray<{ step: string; meanMs: number }>;
  /** The homepage provider's gate for every tenant (calls at once, calls a minute). */
  readonly homepageGate: { readonly concurrency: number; readonly perMinute: number };
  /** Homepage requests the web server answered, and how many the benchmark's leads and floor account for (one each). */
  readonly homepageRequests: { readonly served: number; readonly expected: number };
  /** What one enriched lead ended with (checked: a name, its mail provider, technologies). */
  readonly sample: { readonly name: string; readonly mailProvider: string; readonly technologies: number; readonly employees: number };
}

interface Tenant {
  readonly id: string;
  readonly token: string;
}

const createTenantShape = z.object({ createTenant: z.object({ tenant: z.object({ id: z.string() }), secretKey: z.string() }) });
const settingsShape = z.object({ updateEnrichmentSettings: z.object({ waterfall: z.array(z.string()) }) });
const jobShape = z.object({ enrichLead: z.object({ id: z.string(), status: z.string(), error: z.string().nullable() }) });

async function newTenant(stack: EnrichmentStack, name: string): Promise<Tenant> {
  const created = await gql(
    stack.gatewayUrl,
    stack.adminToken,
    'mutation ($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } secretKey } }',
    { input: { name, credits: 1_000_000 } },
    createTenantShape,
  );
  return { id: created.createTenant.tenant.id, token: created.createTenant.secretKey };
}

/** A new tenant as it comes, its waterfall untouched; only automatic enrichment off, so identify() starts nothing. */
async function defaultTenant(stack: EnrichmentStack, name: string): Promise<Tenant & { waterfall: string[] }> {
  const tenant = await newTenant(stack, name);
  const settings = await gql(
    stack.gatewayUrl,
    tenant.token,
    'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }',
    { input: { autoEnrich: false } },
    settingsShape,
  );
  return { ...tenant, waterfall: settings.updateEnrichmentSettings.waterfall };
}

/** The baseline tenant: one local vendor answering at once, with limits it never reaches. */
async function vendorTenant(stack: EnrichmentStack, name: string): Promise<Tenant> {
  const tenant = await newTenant(stack, name);
  await gql(
    stack.gatewayUrl,
    tenant.token,
    'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }',
    { input: { config: vendorConfig(stack.vendor, { mode: 'sync', poll: undefined, rateLimitPerMinute: 100_000, concurrency: 100 }), apiKey: stack.vendor.key } },
    z.unknown(),
  );
  await gql(
    stack.gatewayUrl,
    tenant.token,
    'mutation ($input: EnrichmentSettingsInput!) { updateEnrichmentSettings(input: $input) { waterfall } }',
    { input: { waterfall: ['vendor:clearbit-like'], autoEnrich: false } },
    z.unknown(),
  );
  return tenant;
}

/** A person at each company, identified: leads with business emails, each at its own domain. */
function identifyAll(stack: EnrichmentStack, tenant: Tenant, companies: readonly BenchCompany[]): Promise<string[]> {
  return inPool(companies, 20, async (company) => {
    const local = `jane.doe.${company.domain.split('.')[0] ?? 'x'}`;
    const lead = await gql(
      stack.gatewayUrl,
      tenant.token,
      'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }',
      { input: { userId: local, email: `${local}@${company.domain}`, traits: { firstName: 'Jane', lastName: 'Doe' } } },
      z.object({ identify: z.object({ id: z.string() }) }),
    );
    return lead.identify.id;
  });
}

/** The tenant's leadScored subscription: resolves a lead's wait when its score reaches the enriched level. */
async function scoreWatcher(stack: EnrichmentStack, tenant: Tenant) {
  const waiting = new Map<string, (at: number) => void>();
  const client = createClient({
    url: `${stack.gatewayUrl.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${tenant.token}` },
    lazy: false,
  });
  const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  client.subscribe<{ leadScored: { lead: { id: string } } }>(
    { query: `subscription { leadScored(minScore: ${SCORE_AFTER_ENRICHMENT}) { lead { id } } }` },
    {
      next: (message) => {
        const leadId = message.data?.leadScored.lead.id;
        if (leadId !== undefined) waiting.get(leadId)?.(Date.now());
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  await connected;
  // The subscription is registered on the gateway once its first message could arrive; the connection ack precedes it.
  await sleep(300);
  return {
    /** enrichLead, then the lead's new score at this subscriber; the client's clock at both ends. */
    async enrich(leadId: string): Promise<EnrichmentTiming> {
      const scored = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no new score for ${leadId} within ${SCORE_TIMEOUT_MS} ms`)), SCORE_TIMEOUT_MS);
        waiting.set(leadId, (at) => {
          clearTimeout(timer);
          waiting.delete(leadId);
          resolve(at);
        });
      });
      const requestedAt = Date.now();
      const job = (await gql(stack.gatewayUrl, tenant.token, 'mutation ($id: ID!) { enrichLead(id: $id) { id status error } }', { id: leadId }, jobShape)).enrichLead;
      if (job.status === 'FAILED') throw new Error(`enrichment job ${job.id} failed: ${job.error ?? 'no reason given'}`);
      return { leadId, requestedAt, scoredAt: await scored };
    },
    dispose: () => client.dispose(),
  };
}

/** `items` through `once`, `concurrency` at a time; latencies of those that succeeded, the rate over the whole wall time. */
async function timedPool<T, R>(items: readonly T[], concurrency: number, once: (item: T) => Promise<R>): Promise<{ summary: Latencies; results: R[]; latencies: number[] }> {
  const samples: number[] = [];
  const results: R[] = [];
  let failures = 0;
  let firstError: unknown;
  const started = performance.now();
  await inPool(items, concurrency, async (item) => {
    const start = performance.now();
    try {
      results.push(await once(item));
      samples.push(performance.now() - start);
    } catch (error) {
      failures += 1;
      firstError ??= error;
    }
  });
  const wallMs = performance.now() - started;
  return {
    results,
    latencies: samples,
    summary: latencies(samples, {
      perSecond: samples.length / (wallMs / 1000),
      failures,
      firstError: firstError === undefined ? undefined : firstError instanceof Error ? firstError.message : String(firstError),
    }),
  };
}

/** Two runs of one target as one: latency percentiles of the pooled samples, rates averaged. */
function pooled(runs: readonly Latencies[], samples: readonly number[][]): Latencies {
  return latencies(samples.flat(), {
    perSecond: runs.reduce((sum, r) => sum + r.perSecond, 0) / runs.length,
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
    firstError: runs.find((r) => r.firstError !== undefined)?.firstError,
  });
}

/**
 * What the default waterfall asks of the outside world for one lead, in its
 * order, from this process: the email domain's MX (email verification), the
 * homepage over https with its A/AAAA lookup (company homepage), then MX, TXT
 * and DMARC at once (company DNS). No platform in between.
 */
function outsideParties(internet: LocalInternet) {
  const server = `127.0.0.1:${internet.dns.port}`;
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([server]);
  const web = createGuardedHttpClient({
    allowLocal: true,
    timeoutMs: 10_000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    resolve: dnsServerResolver([server], 2000),
    ca: internet.web.ca,
  });
  const steps = new Map<string, number[]>();
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    steps.set(step, [...(steps.get(step) ?? []), performance.now() - start]);
    return result;
  };
  return {
    async ask(domain: string): Promise<void> {
      await timed('email verification: MX', () => resolver.resolveMx(domain));
      await timed('company homepage: A/AAAA, TLS, first byte, body', async () => {
        const page = await web.request(`https://${domain}/`, { redirect: 'follow' });
        if (!page.ok) throw new Error(`homepage of ${domain} refused: ${page.message}`);
        await page.response.read();
        if (page.response.status !== 200) throw new Error(`homepage of ${domain} answered ${page.response.status}`);
      });
      await timed('company DNS: MX, TXT, _dmarc TXT at once', () =>
        Promise.all([resolver.resolveMx(domain), resolver.resolveTxt(domain), resolver.resolveTxt(`_dmarc.${domain}`)]),
      );
    },
    /** Mean per step of everything asked since the last call. */
    takeSteps(): Array<{ step: string; meanMs: number }> {
      const means = [...steps.entries()].map(([step, list]) => ({ step, meanMs: list.reduce((sum, ms) => sum + ms, 0) / list.length }));
      steps.clear();
      return means;
    },
    close: () => web.close(),
  };
}

/** The homepage provider's CPU per page: parse, structured data, technology detection. */
function homepageParse(company: BenchCompany): DefaultEnrichmentBenchResult['homepageParse'] {
  const page = companyHomepage(company);
  const headers = Object.fromEntries(Object.entries(page.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join('\n') : value]));
  technologyFingerprints();
  const times: number[] = [];
  // The first ten warm the JIT, as the worker's warm-up does.
  for (let i = 0; i < 60; i += 1) {
    const start = performance.now();
    homepageFacts({ url: `https://${company.domain}/`, status: 200, headers, html: page.html });
    if (i >= 10) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { bytes: Buffer.byteLength(page.html), p50Ms: percentile(times, 0.5), p95Ms: percentile(times, 0.95) };
}

/**
 * Issue 13's benchmark: `enrichments` enrichLead calls, `concurrency` at a
 * time, on a new tenant's default waterfall (as it stands: the output lists
 * it; for an email-only lead the tenant dataset, email verification, company
 * homepage and company DNS providers are called), its outside parties
 * local servers answering with internet latency, each until the lead's new
 * score reaches a leadScored subscriber. Baselines in the same run: the
 * outside parties alone (the floor), and the platform with one vendor
 * answering at once (its own cost). A-B-C-C-B-A, each run on a fresh tenant,
 * so every run starts with empty caches and its own providers' limits.
 */
export async function benchDefaultEnrichment(opts: { concurrency: number; enrichments: number }): Promise<DefaultEnrichmentBenchResult> {
  const run = randomBytes(3).toString('hex');
  const domainsNeeded = WARM_UP_ENRICHMENTS + 2 * opts.enrichments;
  const companies = Array.from({ length: domainsNeeded }, (_, n) => benchCompany(`co${n}-${run}.test`, n));
  const warmCompanies = companies.slice(0, WARM_UP_ENRICHMENTS);
  const runCompanies = [companies.slice(WARM_UP_ENRICHMENTS, WARM_UP_ENRICHMENTS + opts.enrichments), companies.slice(WARM_UP_ENRICHMENTS + opts.enrichments)];

  const internet = await startLocalInternet(companies, LATENCY);
  let stack: EnrichmentStack | undefined;
  const outside = outsideParties(internet);
  try {
    stack = await startEnrichmentStack({ vendorDelayMs: 0, config: internet.config, workerEnv: internet.workerEnv });
    const s = stack;

    // Warm-up (JIT, pools, the worker's fingerprint set, Temporal's caches), and a check that the default providers did their work.
    const warm = await defaultTenant(s, 'Default enrichment bench (warm-up)');
    const warmWatcher = await scoreWatcher(s, warm);
    const warmLeads = await identifyAll(s, warm, warmCompanies);
    await inPool(warmLeads, opts.concurrency, (leadId) => warmWatcher.enrich(leadId));
    await warmWatcher.dispose();
    const sampleShape = z.object({
      lead: z.object({
        company: z.object({ name: z.string().nullable(), mailProvider: z.string().nullable(), techStack: z.array(z.string()), employees: z.number().nullable() }).nullable(),
      }),
    });
    const sampled = await gql(s.gatewayUrl, warm.token, 'query ($id: ID!) { lead(id: $id) { company { name mailProvider techStack employees } } }', { id: warmLeads[0] }, sampleShape);
    const company = sampled.lead.company;
    if (company?.name == null || company.mailProvider == null || company.techStack.length === 0 || company.employees == null) {
      throw new Error(`the default providers left an enriched lead's company incomplete: ${JSON.stringify(company)}`);
    }
    const sample = { name: company.name, mailProvider: company.mailProvider, technologies: company.techStack.length, employees: company.employees };
    await timedPool(warmCompanies, opts.concurrency, (c) => outside.ask(c.domain));
    outside.takeSteps();
    /** The timed part of a run, with the CPU each part of the stack spent in it. */
    const measured = async <T, R>(items: readonly T[], once: (item: T) => Promise<R>) => {
      const before = cpuSnapshot();
      const result = await timedPool(items, opts.concurrency, once);
      return { ...result, before, after: cpuSnapshot() };
    };

    const outsideRun = (i: 0 | 1) => timedPool(runCompanies[i] ?? [], opts.concurrency, (c) => outside.ask(c.domain));
    const vendorRun = async (i: number) => {
      const tenant = await vendorTenant(s, `Vendor baseline ${i}`);
      const watcher = await scoreWatcher(s, tenant);
      const leads = await identifyAll(s, tenant, runCompanies[i % 2] ?? []);
      try {
        return await measured(leads, (leadId) => watcher.enrich(leadId));
      } finally {
        await watcher.dispose();
      }
    };
    let waterfall: string[] = [];
    const defaultRun = async (i: 0 | 1) => {
      const tenant = await defaultTenant(s, `Default enrichment bench ${i}`);
      waterfall = tenant.waterfall;
      const watcher = await scoreWatcher(s, tenant);
      const leads = await identifyAll(s, tenant, runCompanies[i] ?? []);
      try {
        return { tenant, ...(await measured(leads, (leadId) => watcher.enrich(leadId))) };
      } finally {
        await watcher.dispose();
      }
    };

    // A-B-C-C-B-A, so no target gains from running later on a warmer machine.
    const outside1 = await outsideRun(0);
    const vendor1 = await vendorRun(0);
    const default1 = await defaultRun(0);
    const default2 = await defaultRun(1);
    const vendor2 = await vendorRun(1);
    const outside2 = await outsideRun(1);

    const outsideSteps = outside.takeSteps();
    const cpuOf = (runs: ReadonlyArray<{ before: CpuSnapshot; after: CpuSnapshot; latencies: number[] }>) =>
      cpuPerOperation(runs, runs.reduce((sum, r) => sum + r.latencies.length, 0));
    const homepage = BUILT_IN_PROVIDERS[COMPANY_HOMEPAGE_PROVIDER_ID];
    const profile = await profileEnrichments(s.services.temporalClient, default1.tenant.id, default1.results);
    return {
      coordination: s.coordinationKind,
      latency: LATENCY,
      waterfall,
      outside: pooled([outside1.summary, outside2.summary], [outside1.latencies, outside2.latencies]),
      vendor: pooled([vendor1.summary, vendor2.summary], [vendor1.latencies, vendor2.latencies]),
      enrichment: pooled([default1.summary, default2.summary], [default1.latencies, default2.latencies]),
      homepageParse: homepageParse(companies[0] ?? benchCompany(`co0-${run}.test`, 0)),
      profile,
      homepageGate: { concurrency: homepage?.concurrency ?? Number.NaN, perMinute: homepage?.rateLimitPerMinute ?? Number.NaN },
      // Each lead's homepage once from its enrichment (warm-up and default runs) and once from the floor (its warm-up and runs).
      homepageRequests: { served: internet.homepageRequests(), expected: 2 * domainsNeeded },
      cpu: { vendor: cpuOf([vendor1, vendor2]), enrichment: cpuOf([default1, default2]) },
      outsideSteps,
      sample,
    };
  } finally {
    await outside.close();
    await stack?.close();
    await internet.close();
  }
}
