/**
 * The API side of enrichment: validates what is asked, creates the jobs and
 * hands them to the workflows; reads jobs, settings and vendors. Every read
 * and write goes through the tenant's schema (tenantSql).
 */
import { randomUUID } from 'node:crypto';
import { subjectOfLead } from '../../intelligence/enrichment/enrichment-subject.js';
import { parseVendorConfig, type VendorConfigOptions } from '../../intelligence/enrichment/vendor-config.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import {
  readEnrichmentSettings,
  updateEnrichmentSettings,
  type EnrichmentSettings,
} from './enrichment-settings.js';
import { vendorSecretAad, type SecretBox } from '../../tenants/secrets/secret-box.js';
import type { EnrichmentDispatcher, JobCompletion } from './enrichment-dispatcher.js';
import { activeJobsFor, failedJobs, findJob, type EnrichmentJobRecord, type JobTrigger } from './enrichment-jobs.js';
import type { TenantRef } from './enrichment-plan.js';
import { BUILT_IN_PRICES, BUILT_IN_PROVIDERS, builtInPrice } from './provider-catalog.js';
import type { IdentifiedLead, WriteSource } from '../leads/ingest/event-store.js';
import { automaticRuleOf, ruleAdmits } from '../../intelligence/enrichment/automatic-enrichment-policy.js';
import type { LeadChange } from '../lead-changes/lead-evaluation.js';
import { findLead } from '../leads/lead-reads.js';
import type { LeadRecord } from '../leads/lead-records.js';
import { admitAutomatic, automaticDaySummary, skippedJobs, type AutomaticDaySummary } from './automatic-enrichment.js';
import { automaticRuleFacts } from './automatic-rule-facts.js';
import { setManualFieldOfLead, type ManualFieldInput } from './manual-fields.js';

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
  enrichLead(tenant: TenantRef, leadId: string): Promise<Outcome<EnrichmentJobRecord>>;
  /**
   * enrichLead (the same job, metered the same, once), then waits up to
   * `waitMs` for it to finish and answers with what is known then.
   */
  enrichNow(tenant: TenantRef, leadId: string, waitMs: number): Promise<Outcome<EnrichmentNowRecord>>;
  /** A person's value for a lead's field (the manual review queue); the lead is rescored before this answers. */
  setField(tenant: TenantRef & { readonly keyId: string }, input: ManualFieldInput): Promise<Outcome<LeadRecord>>;
  /**
   * After an evaluation: leads whose score or segments changed and that were
   * never enriched are considered again when the tenant has an automatic
   * rule (a lead may reach it later: score at least 40, say), anonymous
   * visitors too (their address: location, network, the company on its own
   * network). Without a rule only identified leads are enriched on their own:
   * every anonymous visitor would be a workflow. Never fails the caller.
   */
  afterEvaluation(tenant: TenantRef, changes: readonly LeadChange[]): Promise<void>;
  enrichLeads(tenant: TenantRef, leadIds: readonly string[]): Promise<Outcome<EnrichmentJobRecord[]>>;
  /**
   * Jobs for leads that just got an email or a company domain and were never
   * enriched, when the tenant enriches automatically and its rule (if any)
   * admits the lead as evaluated. From a visitor's call (`public`: a
   * publishable key) only what the visitors' policy also admits; from the
   * tenant's own back end (`tenant`: a secret key) all of them. Never fails
   * the caller.
   */
  enrichIdentified(tenant: TenantRef, leads: readonly IdentifiedLead[], opts: { readonly source: WriteSource }): Promise<void>;
  /** Today's (UTC) automatic enrichment from visitors' calls: credits spent or held, jobs admitted and skipped. */
  automaticDay(tenant: TenantRef): Promise<AutomaticDaySummary>;
  retryJob(tenant: TenantRef, jobId: string): Promise<Outcome<EnrichmentJobRecord>>;
  job(tenant: TenantRef, id: string): Promise<EnrichmentJobRecord | undefined>;
  failedJobs(tenant: TenantRef, first: number): Promise<EnrichmentJobRecord[]>;
  skippedJobs(tenant: TenantRef, first: number): Promise<EnrichmentJobRecord[]>;
  settings(tenant: TenantRef): Promise<EnrichmentSettings>;
  updateSettings(tenant: TenantRef, input: unknown): Promise<Outcome<EnrichmentSettings>>;
  providers(tenant: TenantRef): Promise<ProviderInfo[]>;
  vendors(tenant: TenantRef): Promise<VendorRecord[]>;
  configureVendor(tenant: TenantRef, input: { config: unknown; apiKey?: string | undefined }): Promise<Outcome<VendorRecord>>;
  removeVendor(tenant: TenantRef, id: string): Promise<Outcome<boolean>>;
}

interface LeadIdentifierRow {
  readonly id: string;
  readonly email: string | null;
  readonly traits: Record<string, unknown>;
  readonly companyDomain: string | null;
  readonly lastIp: string | null;
}

/** `neverEnriched`: only leads no enrichment job has ever been made for. */
async function leadsWithIdentifiers(sql: TenantSql, ids: readonly string[], neverEnriched = false): Promise<Map<string, LeadIdentifierRow>> {
  const rows = await sql.query<LeadIdentifierRow>(
    `select l.id, l.email, l.traits, c.domain as "companyDomain",
            (select s.ip from {t}.sessions s where s.lead_id = l.id and s.ip is not null order by s.started_at desc limit 1) as "lastIp"
       from {t}.leads l left join {t}.companies c on c.id = l.company_id
      where l.id = any($1) and l.merged_into is null
        and (not $2 or (l.last_enriched_at is null and not exists (select 1 from {t}.enrichment_jobs j where j.lead_id = l.id)))`,
    [[...ids], neverEnriched],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

interface VendorRow {
  readonly id: string;
  readonly config: Record<string, unknown>;
  readonly updatedAt: Date;
}

const vendorRecord = (row: VendorRow): VendorRecord => ({ id: row.id, providerId: `vendor:${row.id}`, config: row.config, keyConfigured: true, updatedAt: row.updatedAt });

const RULE_MEMO_MS = 5_000;

export function createEnrichmentService(deps: {
  db: Database;
  dispatcher: EnrichmentDispatcher;
  secrets: SecretBox;
  vendorOptions: VendorConfigOptions;
  /** Tells a tenant at once when its vendor's endpoint resolves inside; the check where the request connects is what protects. */
  outbound: Pick<GuardedHttpClient, 'check'>;
  /** Waits for a lead's enrichment workflow to finish (enrich-now). */
  completion: JobCompletion;
  /** Scores and segments leads now (the lead-change pipeline's evaluate). */
  evaluate: (tenant: TenantRef, leadIds: readonly string[]) => Promise<unknown>;
  onError: (error: unknown, context: string) => void;
  now?: () => Date;
}): EnrichmentService {
  const now = deps.now ?? (() => new Date());
  const sqlOf = (tenant: TenantRef) => tenantSql(deps.db, tenant.schema);
  const considered = new Set<string>();
  // Leads the identification path is deciding now: the evaluation that follows the same write leaves them to it.
  const deciding = new Set<string>();
  // Whether a tenant enriches by a rule, by schema, for a few seconds: without a rule, identification decided each
  // lead once and for all, so an evaluation (one after every ingestion commit) needs no read. A rule set through
  // another gateway takes effect that much later; through this one, at once.
  const ruleMemo = new Map<string, { readonly held: boolean; readonly until: number }>();
  async function enrichesByRule(tenant: TenantRef): Promise<boolean> {
    const at = now().getTime();
    const memo = ruleMemo.get(tenant.schema);
    if (memo !== undefined && memo.until > at) return memo.held;
    const [row] = await sqlOf(tenant).query<{ held: boolean }>(
      'select (auto_enrich and auto_rule is not null) as held from {t}.enrichment_settings',
    );
    const held = row?.held === true;
    ruleMemo.set(tenant.schema, { held, until: at + RULE_MEMO_MS });
    return held;
  }

  /** Unknown leads are NOT_FOUND and leads with nothing to look up BAD_USER_INPUT, each named by its place in `ids`; nothing is created then. */
  async function validLeads(sql: TenantSql, ids: readonly string[], path: (index: number) => (string | number)[]): Promise<Outcome<string[]>> {
    const leads = await leadsWithIdentifiers(sql, ids);
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

  async function start(tenant: TenantRef, leadIds: readonly string[], trigger: JobTrigger): Promise<EnrichmentJobRecord[]> {
    const jobs = await activeJobsFor(sqlOf(tenant), leadIds, trigger);
    await deps.dispatcher.dispatch(tenant, jobs);
    return jobs;
  }

  async function vendorRows(sql: TenantSql): Promise<VendorRow[]> {
    return sql.query<VendorRow>('select id, config, updated_at as "updatedAt" from {t}.enrichment_vendors order by id');
  }

  /** The most one job can cost: every metered provider of the waterfall answering with data. */
  async function mostAJobCosts(sql: TenantSql, settings: EnrichmentSettings): Promise<number> {
    const vendorPrices = new Map<string, number>();
    for (const row of await vendorRows(sql)) {
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
    tenant: TenantRef,
    candidates: ReadonlyArray<{ readonly leadId: string; readonly anonymousId: string | undefined }>,
    source: WriteSource,
    opts: { readonly evaluated: boolean },
  ): Promise<void> {
    const sql = sqlOf(tenant);
    const settings = await readEnrichmentSettings(sql);
    if (!settings.autoEnrich) return;
    const leads = await leadsWithIdentifiers(sql, candidates.map((lead) => lead.leadId), true);
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
    const facts = await automaticRuleFacts(sql, withSubject.map((r) => r.leadId), rule, at);
    const ready = withSubject.filter((r) => ruleAdmits(rule, rule.kind === 'none' ? undefined : facts.get(r.leadId), at));
    if (ready.length === 0) return;
    // The tenant's own back end asked with its secret key: that is the tenant's intent.
    if (source === 'tenant') {
      await start(tenant, ready.map((r) => r.leadId), 'identified');
      return;
    }
    const maxCredits = await mostAJobCosts(sql, settings);
    const admitted = await admitAutomatic(
      deps.db,
      tenant.schema,
      ready.map((r) => ({ leadId: r.leadId, anonymousId: r.anonymousId, email: r.lead.email, companyDomain: r.lead.companyDomain, maxCredits })),
      at,
    );
    await deps.dispatcher.dispatch(tenant, admitted);
  }

  return {
    async enrichLead(tenant, leadId) {
      const valid = await validLeads(sqlOf(tenant), [leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [job] = await start(tenant, valid.value, 'request');
      return job === undefined ? failure(notFound('Lead')) : success(job);
    },

    async enrichLeads(tenant, leadIds) {
      if (leadIds.length > MAX_BATCH_LEADS) return failure(invalidInput(['ids'], `at most ${MAX_BATCH_LEADS} leads a call`));
      const sql = sqlOf(tenant);
      const valid = await validLeads(sql, leadIds, (index) => ['ids', index]);
      if (!valid.ok) return valid;
      const jobs = await activeJobsFor(sql, valid.value, 'batch');
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
        const open = await sqlOf(tenant).query<{ id: string }>(
          `select l.id from {t}.leads l
            where l.id = any($1) and l.merged_into is null and l.last_enriched_at is null
              and not exists (select 1 from {t}.enrichment_jobs j where j.lead_id = l.id)`,
          [leadIds],
        );
        if (open.length === 0) return;
        // Which key's call changed the lead is not known here: the visitors' policy (its caps) applies, the safe side.
        await considerAutomatic(tenant, open.map((row) => ({ leadId: row.id, anonymousId: undefined })), 'public', { evaluated: true });
      } catch (error) {
        deps.onError(error, 'automatic enrichment after an evaluation not started');
      }
    },

    async enrichNow(tenant, leadId, waitMs) {
      if (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_ENRICH_NOW_WAIT_MS) {
        return failure(invalidInput(['waitMs'], `between 0 and ${MAX_ENRICH_NOW_WAIT_MS} milliseconds`));
      }
      const sql = sqlOf(tenant);
      // Exactly enrichLead's path: the same job (joined when one runs), metered the same.
      const valid = await validLeads(sql, [leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [started] = await start(tenant, valid.value, 'request');
      if (started === undefined) return failure(notFound('Lead'));
      await deps.completion.settled(tenant, leadId, waitMs);
      const [job, lead] = await Promise.all([findJob(sql, started.id), findLead(sql, leadId)]);
      // Merged into another lead while it waited: the id no longer names a lead.
      if (job === undefined || lead === undefined) return failure(notFound('Lead'));
      return success({ job, lead, done: job.status === 'COMPLETED' || job.status === 'FAILED' });
    },

    async setField(tenant, input) {
      const set = await setManualFieldOfLead(deps.db, tenant.schema, input, { keyId: tenant.keyId }, now());
      if (!set.ok) return set;
      // The person's value counts in the score and segments before the answer shows the lead.
      await deps.evaluate(tenant, [input.leadId]);
      const lead = await findLead(sqlOf(tenant), input.leadId);
      return lead === undefined ? failure(notFound('Lead')) : success(lead);
    },

    automaticDay: (tenant) => automaticDaySummary(sqlOf(tenant), now()),

    async retryJob(tenant, jobId) {
      const sql = sqlOf(tenant);
      const job = await findJob(sql, jobId);
      if (job === undefined) return failure(notFound('EnrichmentJob'));
      // A job the automatic policy skipped is retried on the tenant's word, like a failed one.
      if (job.status !== 'FAILED' && job.status !== 'SKIPPED') {
        return failure(invalidInput(['id'], `only a failed or skipped job can be retried; this one is ${job.status}`));
      }
      const valid = await validLeads(sql, [job.leadId], () => ['id']);
      if (!valid.ok) return valid;
      const [retried] = await start(tenant, valid.value, 'retry');
      return retried === undefined ? failure(notFound('Lead')) : success(retried);
    },

    job: (tenant, id) => findJob(sqlOf(tenant), id),
    failedJobs: (tenant, first) => failedJobs(sqlOf(tenant), first),
    skippedJobs: (tenant, first) => skippedJobs(sqlOf(tenant), first),
    settings: (tenant) => readEnrichmentSettings(sqlOf(tenant)),

    async updateSettings(tenant, input) {
      const sql = sqlOf(tenant);
      const vendors = await vendorRows(sql);
      const builtIn = Object.keys(BUILT_IN_PROVIDERS);
      const updated = await updateEnrichmentSettings(sql, input, { known: [...builtIn, ...vendors.map((v) => `vendor:${v.id}`)], builtInPrices: BUILT_IN_PRICES });
      ruleMemo.delete(tenant.schema);
      return updated;
    },

    async providers(tenant) {
      const sql = sqlOf(tenant);
      const settings = await readEnrichmentSettings(sql);
      const builtIn = Object.entries(BUILT_IN_PROVIDERS).map(([id, p]) => ({
        id,
        name: p.name,
        builtIn: true,
        priceCredits: builtInPrice(id, settings.prices),
        rateLimitPerMinute: p.rateLimitPerMinute,
        concurrency: p.concurrency,
        inWaterfall: settings.waterfall.includes(id),
      }));
      const vendors = (await vendorRows(sql)).flatMap((row) => {
        const parsed = parseVendorConfig(row.config, deps.vendorOptions);
        if (!parsed.ok) return [];
        const id = `vendor:${row.id}`;
        const c = parsed.value;
        return [{ id, name: c.name, builtIn: false, priceCredits: c.priceCredits, rateLimitPerMinute: c.rateLimitPerMinute, concurrency: c.concurrency, inWaterfall: settings.waterfall.includes(id) }];
      });
      return [...builtIn, ...vendors];
    },

    async vendors(tenant) {
      return (await vendorRows(sqlOf(tenant))).map(vendorRecord);
    },

    async configureVendor(tenant, input) {
      const parsed = parseVendorConfig(input.config, deps.vendorOptions, ['input', 'config']);
      if (!parsed.ok) return failure(parsed.problem);
      const config = parsed.value;
      const reachable = await deps.outbound.check(config.endpoint);
      if (!reachable.ok) return failure(invalidInput(['input', 'config', 'endpoint'], reachable.message));
      const apiKey = input.apiKey?.trim();
      const sealed = apiKey === undefined || apiKey === '' ? null : deps.secrets.seal(apiKey, vendorSecretAad(tenant.tenantId, config.id));
      const sql = sqlOf(tenant);
      // NOT NULL is checked before ON CONFLICT, so a keyless update must carry the held key into the row it proposes.
      const rows = await sql.query<VendorRow>(
        `insert into {t}.enrichment_vendors as v (id, config, sealed_key)
         select $1, $2::jsonb, k.sealed
           from (select coalesce($3::text, (select sealed_key from {t}.enrichment_vendors where id = $1)) as sealed) k
          where k.sealed is not null
         on conflict (id) do update set config = excluded.config, sealed_key = coalesce($3::text, v.sealed_key), updated_at = now()
         returning id, config, updated_at as "updatedAt"`,
        [config.id, JSON.stringify(config), sealed],
      );
      const row = rows[0];
      if (row === undefined) return failure(invalidInput(['input', 'apiKey'], 'a new vendor needs its API key'));
      return success(vendorRecord(row));
    },

    async removeVendor(tenant, id) {
      const sql = sqlOf(tenant);
      const removed = await sql.query('delete from {t}.enrichment_vendors where id = $1 returning id', [id]);
      if (removed.length === 0) return failure(notFound('EnrichmentVendor'));
      await sql.query('update {t}.enrichment_settings set waterfall = array_remove(waterfall, $1), updated_at = now()', [`vendor:${id}`]);
      return success(true);
    },
  };
}
