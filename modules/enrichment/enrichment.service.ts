/**
 * The API side of enrichment: validates what is asked, creates the jobs and
 * hands them to the workflows; reads jobs, settings and vendors. Every read
 * and write goes through the tenant's handle (TenantDb).
 */
import { randomUUID } from 'node:crypto';
import { subjectOfLead } from '../../intelligence/enrichment/enrichment-subject.js';
import { parseVendorConfig, type VendorConfigOptions } from '../../intelligence/enrichment/vendor-config.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import {
  readEnrichmentSettings,
  updateEnrichmentSettings,
  type EnrichmentSettings,
} from './enrichment-settings.js';
import { vendorSecretAad, type SecretBox } from '../../tenants/secrets/secret-box.js';
import type { EnrichmentDispatcher, JobCompletion } from './enrichment-dispatcher.js';
import { activeJobsFor, failedJobs, findJob, type EnrichmentJobRecord, type JobTrigger } from './enrichment-jobs.js';
import { BUILT_IN_PRICES, BUILT_IN_PROVIDERS, builtInPrice } from './provider-catalog.js';
import type { IdentifiedLead, WriteSource } from '../leads/ingest/event-store.js';
import { automaticRuleOf, ruleAdmits } from '../../intelligence/enrichment/automatic-enrichment-policy.js';
import type { LeadChange } from '../lead-changes/lead-evaluation.js';
import { findLead } from '../leads/lead-queries.js';
import type { LeadRecord } from '../leads/lead-records.js';
import { admitAutomatic, automaticDaySummary, skippedJobs, type AutomaticDaySummary } from './automatic-enrichment.js';
import { automaticRuleFacts } from './automatic-rule-facts.js';
import { setManualFieldOfLead, type ManualFieldInput } from './manual-fields.js';
import { deleteVendor, enrichesByRule as enrichesByRuleRow, removeFromWaterfall, upsertVendor, vendorRows, type VendorRow } from './enrichment.repository.js';
import { leadIdentifiersOf, neverEnrichedLeadIds } from './enrichment-subjects.repository.js';
import { objectOf } from './json-columns.js';

export const MAX_BATCH_LEADS = 1000;
/** The longest an enrich-now call waits for its job: a form submit, not a batch. */
export const MAX_ENRICH_NOW_WAIT_MS = 5_000;
/** Leads remembered as already considered for automatic enrichment, per process, before the memory starts over. */
const MAX_CONSIDERED = 100_000;

export interface ProviderInfo {
  readonly id: string;
  readonly name: string;
  readonly builtIn: boolean;
  readonly priceCredits: number;
  readonly rateLimitPerMinute: number;
  readonly concurrency: number;
  readonly inWaterfall: boolean;
}

/** A configured vendor as the API shows it: never its key, only whether one is held. */
export interface VendorRecord {
  readonly id: string;
  readonly providerId: string;
  readonly config: Record<string, unknown>;
  readonly keyConfigured: boolean;
  readonly updatedAt: Date;
}

/** What enrich-now knows when its job finished or its wait ran out: the job as it is, the lead as it is. */
export interface EnrichmentNowRecord {
  readonly job: EnrichmentJobRecord;
  readonly lead: LeadRecord;
  /** The job finished (COMPLETED or FAILED) within the wait; otherwise it goes on durably. */
  readonly done: boolean;
}

export interface EnrichmentService {
  enrichLead(tenant: TenantDb, leadId: string): Promise<Outcome<EnrichmentJobRecord>>;
  /**
   * enrichLead (the same job, metered the same, once), then waits up to
   * `waitMs` for it to finish and answers with what is known then.
   */
  enrichNow(tenant: TenantDb, leadId: string, waitMs: number): Promise<Outcome<EnrichmentNowRecord>>;
  /** A person's value for a lead's field (the manual review queue); the lead is rescored before this answers. */
  setField(tenant: TenantDb, input: ManualFieldInput, by: { readonly keyId: string }): Promise<Outcome<LeadRecord>>;
  /**
   * After an evaluation: leads whose score or segments changed and that were
   * never enriched are considered again when the tenant has an automatic
   * rule (a lead may reach it later: score at least 40, say), anonymous
   * visitors too (their address: location, network, the company on its own
   * network). Without a rule only identified leads are enriched on their own:
   * every anonymous visitor would be a workflow. Never fails the caller.
   */
  afterEvaluation(tenant: TenantDb, changes: readonly LeadChange[]): Promise<void>;
  enrichLeads(tenant: TenantDb, leadIds: readonly string[]): Promise<Outcome<EnrichmentJobRecord[]>>;
  /**
   * Jobs for leads that just got an email or a company domain and were never
   * enriched, when the tenant enriches automatically and its rule (if any)
   * admits the lead as evaluated. From a visitor's call (`public`: a
   * publishable key) only what the visitors' policy also admits; from the
   * tenant's own back end (`tenant`: a secret key) all of them. Never fails
   * the caller.
   */
  enrichIdentified(tenant: TenantDb, leads: readonly IdentifiedLead[], opts: { readonly source: WriteSource }): Promise<void>;
  /** Today's (UTC) automatic enrichment from visitors' calls: credits spent or held, jobs admitted and skipped. */
  automaticDay(tenant: TenantDb): Promise<AutomaticDaySummary>;
  retryJob(tenant: TenantDb, jobId: string): Promise<Outcome<EnrichmentJobRecord>>;
  job(tenant: TenantDb, id: string): Promise<EnrichmentJobRecord | undefined>;
  failedJobs(tenant: TenantDb, first: number): Promise<EnrichmentJobRecord[]>;
  skippedJobs(tenant: TenantDb, first: number): Promise<EnrichmentJobRecord[]>;
  settings(tenant: TenantDb): Promise<EnrichmentSettings>;
  updateSettings(tenant: TenantDb, input: unknown): Promise<Outcome<EnrichmentSettings>>;
  providers(tenant: TenantDb): Promise<ProviderInfo[]>;
  vendors(tenant: TenantDb): Promise<VendorRecord[]>;
  configureVendor(tenant: TenantDb, input: { config: unknown; apiKey?: string | undefined }): Promise<Outcome<VendorRecord>>;
  removeVendor(tenant: TenantDb, id: string): Promise<Outcome<boolean>>;
}

/** The live leads among `ids` that can be looked up, with their identifiers; `neverEnriched`: only leads no job was ever made for. */
async function leadsWithIdentifiers(db: TenantDb, ids: readonly string[], neverEnriched = false) {
  const rows = await leadIdentifiersOf(db, ids, neverEnriched);
  return new Map(rows.map((row) => [row.id, { ...row, traits: objectOf(row.traits) }]));
}

const vendorRecord = (row: VendorRow): VendorRecord => ({ id: row.id, providerId: `vendor:${row.id}`, config: objectOf(row.config), keyConfigured: true, updatedAt: row.updatedAt });

const RULE_MEMO_MS = 5_000;

export function createEnrichmentService(deps: {
  dispatcher: EnrichmentDispatcher;
  secrets: SecretBox;
  vendorOptions: VendorConfigOptions;
  /** Tells a tenant at once when its vendor's endpoint resolves inside; the check where the request connects is what protects. */
  outbound: Pick<GuardedHttpClient, 'check'>;
  /** Waits for a lead's enrichment workflow to finish (enrich-now). */
  completion: JobCompletion;
  /** Scores and segments leads now (the lead-change pipeline's evaluate). */
  evaluate: (tenant: TenantDb, leadIds: readonly string[]) => Promise<unknown>;
  onError: (error: unknown, context: string) => void;
  now?: () => Date;
}): EnrichmentService {
  const now = deps.now ?? (() => new Date());
  const considered = new Set<string>();
  // Leads the identification path is deciding now: the evaluation that follows the same write leaves them to it.
  const deciding = new Set<string>();
  // Whether a tenant enriches by a rule, by schema, for a few seconds: without a rule, identification decided each
  // lead once and for all, so an evaluation (one after every ingestion commit) needs no read. A rule set through
  // another gateway takes effect that much later; through this one, at once.
  const ruleMemo = new Map<string, { readonly held: boolean; readonly until: number }>();
  async function enrichesByRule(tenant: TenantDb): Promise<boolean> {
    const at = now().getTime();
    const memo = ruleMemo.get(tenant.schema);
    if (memo !== undefined && memo.until > at) return memo.held;
    const held = await enrichesByRuleRow(tenant);
    ruleMemo.set(tenant.schema, { held, until: at + RULE_MEMO_MS });
    return held;
  }

  /** Unknown leads are NOT_FOUND and leads with nothing to look up BAD_USER_INPUT, each named by its place in `ids`; nothing is created then. */
  async function validLeads(db: TenantDb, ids: readonly string[], path: (index: number) => (string | number)[]): Promise<Outcome<string[]>> {
    const leads = await leadsWithIdentifiers(db, ids);
    for (const [index, id] of ids.entries()) {
      const lead = leads.get(id);
      // In a batch, the caller has to learn which id it was.
      if (lead === undefined) return failure(notFound(path(index).length > 1 ? `Lead at ${path(index).join('.')}` : 'Lead'));
      if (subjectOfLead(lead) === undefined) {
        return failure(invalidInput(path(index), 'the lead has no email, company domain or public IP address to look up'));
      }
    }
    return success([...new Set(ids)]);
  }

  async function start(tenant: TenantDb, leadIds: readonly string[], trigger: JobTrigger): Promise<EnrichmentJobRecord[]> {
    const jobs = await activeJobsFor(tenant, leadIds, trigger);
    await deps.dispatcher.dispatch(tenant, jobs);
    return jobs;
  }

  /** The most one job can cost: every metered provider of the waterfall answering with data. */
  async function mostAJobCosts(db: TenantDb, settings: EnrichmentSettings): Promise<number> {
    const vendorPrices = new Map<string, number>();
    for (const row of await vendorRows(db)) {
      const parsed = parseVendorConfig(row.config, deps.vendorOptions);
      if (parsed.ok) vendorPrices.set(`vendor:${row.id}`, parsed.value.priceCredits);
    }
    let total = 0;
    for (const id of settings.waterfall) {
      const builtIn = BUILT_IN_PROVIDERS[id];
      // Local sources (the tenant's imports, the IP dataset) are never charged.
      if (builtIn !== undefined) total += builtIn.local ? 0 : builtInPrice(id, settings.prices);
      else total += vendorPrices.get(id) ?? 0;
    }
    return total;
  }

  /**
   * Starts the automatic jobs of these never-enriched leads that the tenant's
   * rule admits (all of them without a rule): from the tenant's own back end
   * (`tenant`) all of those, from a visitor's call (`public`) what the
   * visitors' policy also admits. A lead the rule does not admit gets no job:
   * it is considered again when an evaluation changes it. The rule sees the
   * lead after its evaluation (`evaluated`, or evaluated here first): its
   * score, and the company the evaluation may just have linked.
   */
  async function considerAutomatic(
    tenant: TenantDb,
    candidates: ReadonlyArray<{ readonly leadId: string; readonly anonymousId: string | undefined }>,
    source: WriteSource,
    opts: { readonly evaluated: boolean },
  ): Promise<void> {
    const settings = await readEnrichmentSettings(tenant);
    if (!settings.autoEnrich) return;
    const leads = await leadsWithIdentifiers(tenant, candidates.map((lead) => lead.leadId), true);
    const withSubject = candidates.flatMap((candidate) => {
      const lead = leads.get(candidate.leadId);
      return lead === undefined || subjectOfLead(lead) === undefined ? [] : [{ ...candidate, lead }];
    });
    const rule = automaticRuleOf(settings.autoRule);
    if (rule.kind === 'rule' && !opts.evaluated && withSubject.length > 0) {
      // Without it the rule still sees the score (computed below), only not a company the evaluation would link.
      await deps.evaluate(tenant, withSubject.map((r) => r.leadId)).catch((error: unknown) => deps.onError(error, 'leads not evaluated before the automatic enrichment rule'));
    }
    const at = now();
    const facts = await automaticRuleFacts(tenant, withSubject.map((r) => r.leadId), rule, at);
    const ready = withSubject.filter((r) => ruleAdmits(rule, rule.kind === 'none' ? undefined : facts.get(r.leadId), at));
    if (ready.length === 0) return;
    // The tenant's own back end asked with its secret key: that is the tenant's intent.
    if (source === 'tenant') {
      await start(tenant, ready.map((r) => r.leadId), 'identified');
      return;
    }
    const maxCredits = await mostAJobCosts(tenant, settings);
    const admitted = await admitAutomatic(
      tenant,
      ready.map((r) => ({ leadId: r.leadId, anonymousId: r.anonymousId, email: r.lead.email, companyDomain: r.lead.companyDomain, maxCredits })),
      at,
    );
    await deps.dispatcher.dispatch(tenant, admitted);
  }

  return {
    async enrichLead(tenant, leadId) {
      const valid = await validLeads(tenant, [leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [job] = await start(tenant, valid.value, 'request');
      return job === undefined ? failure(notFound('Lead')) : success(job);
    },

    async enrichLeads(tenant, leadIds) {
      if (leadIds.length > MAX_BATCH_LEADS) return failure(invalidInput(['ids'], `at most ${MAX_BATCH_LEADS} leads a call`));
      const valid = await validLeads(tenant, leadIds, (index) => ['ids', index]);
      if (!valid.ok) return valid;
      const jobs = await activeJobsFor(tenant, valid.value, 'batch');
      if (jobs.length > 0) await deps.dispatcher.startBatch(tenant, randomUUID(), jobs.map((job) => job.id));
      const byLead = new Map(jobs.map((job) => [job.leadId, job]));
      return success(leadIds.flatMap((id) => byLead.get(id) ?? []));
    },

    async enrichIdentified(tenant, identified, opts) {
      // SDKs identify on every page: a lead considered once in this process is not looked up again.
      const fresh = identified.filter((lead) => !considered.has(`${tenant.schema}:${lead.leadId}`));
      if (considered.size + fresh.length > MAX_CONSIDERED) considered.clear();
      for (const lead of fresh) considered.add(`${tenant.schema}:${lead.leadId}`);
      try {
        if (fresh.length === 0) return;
        for (const lead of fresh) deciding.add(`${tenant.schema}:${lead.leadId}`);
        try {
          await considerAutomatic(tenant, fresh, opts.source, { evaluated: false });
        } finally {
          for (const lead of fresh) deciding.delete(`${tenant.schema}:${lead.leadId}`);
        }
      } catch (error) {
        deps.onError(error, 'automatic enrichment not started');
      }
    },

    async afterEvaluation(tenant, changes) {
      try {
        const leadIds = [
          ...new Set(changes.flatMap((c) => (c.kind === 'scored' || c.change === 'ENTERED' ? [c.leadId] : []))),
        ].filter((id) => !deciding.has(`${tenant.schema}:${id}`));
        if (leadIds.length === 0 || !(await enrichesByRule(tenant))) return;
        // Of these leads, those never enriched, anonymous visitors among them: the tenant's rule chose
        // them (a score, pages seen), and an address alone asks only the free providers of our own data.
        const open = await neverEnrichedLeadIds(tenant, leadIds);
        if (open.length === 0) return;
        // Which key's call changed the lead is not known here: the visitors' policy (its caps) applies, the safe side.
        await considerAutomatic(tenant, open.map((leadId) => ({ leadId, anonymousId: undefined })), 'public', { evaluated: true });
      } catch (error) {
        deps.onError(error, 'automatic enrichment after an evaluation not started');
      }
    },

    async enrichNow(tenant, leadId, waitMs) {
      if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_ENRICH_NOW_WAIT_MS) {
        return failure(invalidInput(['waitMs'], `between 0 and ${MAX_ENRICH_NOW_WAIT_MS} milliseconds`));
      }
      // Exactly enrichLead's path: the same job (joined when one runs), metered the same.
      const valid = await validLeads(tenant, [leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [started] = await start(tenant, valid.value, 'request');
      if (started === undefined) return failure(notFound('Lead'));
      await deps.completion.settled(tenant, leadId, waitMs);
      const [job, lead] = await Promise.all([findJob(tenant, started.id), findLead(tenant, leadId)]);
      // Merged into another lead while it waited: the id no longer names a lead.
      if (job === undefined || lead === undefined) return failure(notFound('Lead'));
      return success({ job, lead, done: job.status === 'COMPLETED' || job.status === 'FAILED' });
    },

    async setField(tenant, input, by) {
      const set = await setManualFieldOfLead(tenant, input, by, now());
      if (!set.ok) return set;
      // The person's value counts in the score and segments before the answer shows the lead.
      await deps.evaluate(tenant, [input.leadId]);
      const lead = await findLead(tenant, input.leadId);
      return lead === undefined ? failure(notFound('Lead')) : success(lead);
    },

    automaticDay: (tenant) => automaticDaySummary(tenant, now()),

    async retryJob(tenant, jobId) {
      const job = await findJob(tenant, jobId);
      if (job === undefined) return failure(notFound('EnrichmentJob'));
      // A job the automatic policy skipped is retried on the tenant's word, like a failed one.
      if (job.status !== 'FAILED' && job.status !== 'SKIPPED') {
        return failure(invalidInput(['id'], `only a failed or skipped job can be retried; this one is ${job.status}`));
      }
      const valid = await validLeads(tenant, [job.leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [retried] = await start(tenant, valid.value, 'retry');
      return retried === undefined ? failure(notFound('Lead')) : success(retried);
    },

    job: (tenant, id) => findJob(tenant, id),
    failedJobs: (tenant, first) => failedJobs(tenant, first),
    skippedJobs: (tenant, first) => skippedJobs(tenant, first),
    settings: (tenant) => readEnrichmentSettings(tenant),

    async updateSettings(tenant, input) {
      const vendors = await vendorRows(tenant);
      const builtIn = Object.keys(BUILT_IN_PROVIDERS);
      const updated = await updateEnrichmentSettings(tenant, input, { known: [...builtIn, ...vendors.map((v) => `vendor:${v.id}`)], builtInPrices: BUILT_IN_PRICES });
      ruleMemo.delete(tenant.schema);
      return updated;
    },

    async providers(tenant) {
      const settings = await readEnrichmentSettings(tenant);
      const builtIn = Object.entries(BUILT_IN_PROVIDERS).map(([id, p]) => ({
        id,
        name: p.name,
        builtIn: true,
        priceCredits: builtInPrice(id, settings.prices),
        rateLimitPerMinute: p.rateLimitPerMinute,
        concurrency: p.concurrency,
        inWaterfall: settings.waterfall.includes(id),
      }));
      const vendors = (await vendorRows(tenant)).flatMap((row) => {
        const parsed = parseVendorConfig(row.config, deps.vendorOptions);
        if (!parsed.ok) return [];
        const id = `vendor:${row.id}`;
        const c = parsed.value;
        return [{ id, name: c.name, builtIn: false, priceCredits: c.priceCredits, rateLimitPerMinute: c.rateLimitPerMinute, concurrency: c.concurrency, inWaterfall: settings.waterfall.includes(id) }];
      });
      return [...builtIn, ...vendors];
    },

    async vendors(tenant) {
      return (await vendorRows(tenant)).map(vendorRecord);
    },

    async configureVendor(tenant, input) {
      const parsed = parseVendorConfig(input.config, deps.vendorOptions, ['input', 'config']);
      if (!parsed.ok) return failure(parsed.problem);
      const config = parsed.value;
      const reachable = await deps.outbound.check(config.endpoint);
      if (!reachable.ok) return failure(invalidInput(['input', 'config', 'endpoint'], reachable.message));
      const apiKey = input.apiKey?.trim();
      const sealed = apiKey === undefined || apiKey === '' ? null : deps.secrets.seal(apiKey, vendorSecretAad(tenant.tenantId, config.id));
      const row = await upsertVendor(tenant, config.id, JSON.stringify(config), sealed);
      if (row === undefined) return failure(invalidInput(['input', 'apiKey'], 'a new vendor needs its API key'));
      return success(vendorRecord(row));
    },

    async removeVendor(tenant, id) {
      if (!(await deleteVendor(tenant, id))) return failure(notFound('EnrichmentVendor'));
      await removeFromWaterfall(tenant, `vendor:${id}`);
      return success(true);
    },
  };
}
