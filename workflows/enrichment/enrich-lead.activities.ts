/**
 * The enrichment workflow's side effects. Every one is safe to run again: job
 * updates are conditional, ledger entries carry idempotency keys derived from
 * the job and the provider, fields are upserted, calls are recorded once.
 */
import { markLeadEnriched } from '../../modules/leads/leads.repository.js';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { mergeFactsIntoCompany, upsertCompanies } from '../../modules/companies/company-records.js';
import { companyFactsOfAnswers, type CompanyFact } from '../../intelligence/companies/company-facts.js';
import {
  decideCompanyLink,
  evidenceOfLead,
  sourceOfProvider,
  type CompanyEvidence,
  type CompanyLink,
} from '../../intelligence/companies/company-link.js';
import { domainOf } from '../../intelligence/companies/group-company.js';
import { organizationNameKey } from '../../intelligence/ip/network-companies.js';
import { subjectOfLead } from '../../intelligence/enrichment/enrichment-subject.js';
import type { EnrichmentSubject, ProviderAnswer } from '../../intelligence/enrichment/enrichment-types.js';
import { mergeAnswers } from '../../intelligence/enrichment/field-merge.js';
import type { EnrichedFieldState } from '../../intelligence/enrichment/field-provenance.js';
import { isStale } from '../../intelligence/enrichment/field-provenance.js';
import type { LeadChangePipeline } from '../../modules/lead-changes/lead-change-pipeline.js';
import { sendEvent } from '../../modules/lead-changes/deliver-to-webhooks.js';
import type { WebhookRegistry } from '../../modules/webhooks/webhook-registry.js';
import type { WebhookDispatcher } from '../../modules/webhooks/webhook-dispatcher.js';
import type { Coordination } from '../../platform/coordination/coordination.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { TenantDatabases, TenantDb } from '../../tenants/tenant-db.js';
import type { CreditLedger } from '../../modules/credits/credit-ledger.js';
import { readEnrichmentSettings, type EnrichmentSettings } from '../../modules/enrichment/enrichment-settings.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import { createAnswerCache, type CachedQuestion } from '../../modules/enrichment/answer-cache.js';
import {
  JOB_ERRORS,
  PROVIDER_ATTEMPTS,
  providerRetryDelayMs,
  type EnrichLeadInput,
  type JobPlan,
  type ProviderOutcome,
  type Reservation,
  type StageCall,
  type StageResult,
  type TenantRef,
} from '../../modules/enrichment/enrichment-plan.js';
import { readLeadFields, writeLeadFields } from '../../modules/enrichment/lead-fields.js';
import { subjectKey, type ProviderCatalog, type ProviderEntry, type TenantProviders } from '../../modules/enrichment/provider-catalog.js';
import {
  closeJob,
  insertCalls,
  lockRunningJob,
  markJobFailed,
  markJobRunning,
  refusalReason,
  setJobPausedReason,
} from '../../modules/enrichment/enrichment.repository.js';
import {
  enrichmentSpentAndReserved,
  leadForEnrichment,
  otherLeadsOfCompany,
  withDailySpendLock,
  type LeadForEnrichment,
} from '../../modules/enrichment/enrichment-subjects.repository.js';
import { objectOf } from '../../modules/enrichment/json-columns.js';
import { workflowTenantDb } from '../workflow-tenant.js';
import { createProviderGate } from './provider-gate.js';

export interface EnrichmentDeps {
  /** Binds each activity's input to its tenant's handle. */
  readonly tenantDbs: TenantDatabases;
  /** The credit ledger's day of enrichment spend, under a daily limit. */
  readonly control: ControlDb;
  readonly ledger: CreditLedger;
  readonly coordination: Coordination;
  /** Keys the answer cache's names (derived from the master key, as every process derives them). */
  readonly hashKeys: HashKeys;
  readonly catalog: ProviderCatalog;
  readonly leadChanges: LeadChangePipeline;
  readonly webhooks: WebhookRegistry;
  readonly webhookDispatcher: WebhookDispatcher;
  readonly log: Logger;
  readonly now: () => Date;
}

type JobInput = EnrichLeadInput & { readonly jobId: string };
/** A provider's part in a job, as `enrichment_calls` records it. */
interface RecordedCall {
  readonly provider: string;
  readonly outcome: string;
  readonly credits: number;
  readonly reason?: string | null;
  readonly raw?: string | null;
}
/** `subject`: as the job's plan found it, so each provider step does not read the lead again. */
type ProviderInput = JobInput & { readonly providerId: string; readonly subject?: EnrichmentSubject };

const RAW_LIMIT = 64 * 1024;
/** How long a job's later steps in this worker use the configuration its first step read. */
const JOB_CONFIGURATION_MS = 60_000;
/** Jobs whose configuration a worker keeps at once (each a few KB); a worker runs far fewer at a time. */
const MAX_JOB_CONFIGURATIONS = 10_000;
const DAY_MS = 86_400_000;
/** A Retry-After further away than this is not waited for within the job: the provider is skipped. */
const LONGEST_RETRY_AFTER_MS = 5 * 60_000;

/** Ledger operation of a provider's calls: one usage line per provider. */
export const enrichmentOperation = (providerId: string): string => `enrichment:${providerId}`;
const ledgerKey = (job: JobInput, providerId: string, step: 'reserve' | 'refund' | 'cached') => `enrich:${job.jobId}:${providerId}:${step}`;

/** What is known of the lead's company before asking anyone: its current link and its business email. */
function leadEvidence(lead: LeadForEnrichment): CompanyEvidence[] {
  return evidenceOfLead({ domain: lead.companyDomain, link: lead.companyLink, onNetwork: lead.companyOnNetwork === true }, lead.email);
}

/**
 * The subject providers are asked about: its company domain is the one the
 * evidence held so far points at, so a business email outweighs a weaker
 * network company and the providers describe the company the lead will be linked to.
 */
function subjectOfRow(lead: LeadForEnrichment): EnrichmentSubject | undefined {
  const decided = decideCompanyLink(leadEvidence(lead), domainOf(lead.companyDomain));
  return subjectOfLead({ ...lead, traits: objectOf(lead.traits), companyDomain: decided?.domain ?? lead.companyDomain });
}

/** A subject as a provider is asked: undefined when the lead no longer has what the provider needs. */
async function subjectOf(db: TenantDb, leadId: string): Promise<EnrichmentSubject | undefined> {
  const lead = await leadForEnrichment(db, leadId);
  return lead === undefined || lead.mergedInto !== null ? undefined : subjectOfRow(lead);
}

const hasData = (answer: ProviderAnswer): boolean =>
  answer.kind === 'match' && answer.fields.some((f) => f.value !== null && f.value !== undefined);

const outcomeOf = (answer: ProviderAnswer): 'match' | 'no-match' | 'failure' => (hasData(answer) ? 'match' : answer.kind === 'failure' ? 'failure' : 'no-match');

const withoutRaw = (answer: ProviderAnswer): ProviderAnswer => {
  if (answer.kind !== 'failure' || answer.raw === undefined) return answer;
  const { raw: _raw, ...rest } = answer;
  return rest;
};

const reasonOf = (answer: ProviderAnswer): string | null => (answer.kind === 'failure' ? answer.reason : null);

export function createEnrichLeadActivities(deps: EnrichmentDeps) {
  const answers = createAnswerCache(deps.coordination.cache, deps.hashKeys);
  const gate = createProviderGate(deps.coordination);
  const dbOf = (tenant: TenantRef): Promise<TenantDb> => workflowTenantDb(deps.tenantDbs, tenant);

  /**
   * The tenant's settings and providers as a job's first step read them,
   * kept for its later steps in this worker (a stage and the merge run here
   * as local activities): a job runs on the configuration it started with,
   * re-read after JOB_CONFIGURATION_MS (a job paused for the daily limit) or
   * on another worker. Two reads fewer per step.
   */
  const jobConfigurations = new Map<string, { readonly settings: EnrichmentSettings; readonly catalog: TenantProviders; readonly readAt: number }>();
  async function configurationOf(job: JobInput, opts: { fresh?: boolean } = {}): Promise<{ settings: EnrichmentSettings; catalog: TenantProviders }> {
    const now = Date.now();
    const kept = jobConfigurations.get(job.jobId);
    if (kept !== undefined && !opts.fresh && now - kept.readAt < JOB_CONFIGURATION_MS) return kept;
    const db = await dbOf(job);
    const settings = await readEnrichmentSettings(db);
    const catalog = await deps.catalog.forTenant(db, settings.prices);
    if (jobConfigurations.size >= MAX_JOB_CONFIGURATIONS) {
      for (const [jobId, entry] of jobConfigurations) if (now - entry.readAt >= JOB_CONFIGURATION_MS) jobConfigurations.delete(jobId);
      // Still full (a burst of jobs on this worker): the oldest go; they read again if they need to.
      for (const jobId of jobConfigurations.keys()) {
        if (jobConfigurations.size < MAX_JOB_CONFIGURATIONS) break;
        jobConfigurations.delete(jobId);
      }
    }
    jobConfigurations.set(job.jobId, { settings, catalog, readAt: now });
    return { settings, catalog };
  }

  async function providerOf(tenant: TenantRef, providerId: string): Promise<{ entry: ProviderEntry; settings: EnrichmentSettings }> {
    const db = await dbOf(tenant);
    const settings = await readEnrichmentSettings(db);
    const entry = (await deps.catalog.forTenant(db, settings.prices)).get(providerId);
    // Removed from the configuration while the job ran: nothing to call, nothing to charge.
    if (entry === undefined) throw ApplicationFailure.nonRetryable(`provider ${providerId} is no longer configured`, 'ProviderGone');
    return { entry, settings };
  }

  async function question(job: ProviderInput, entry: ProviderEntry): Promise<{ subject: EnrichmentSubject; question: CachedQuestion } | undefined> {
    const subject = job.subject ?? (await subjectOf(await dbOf(job), job.leadId));
    const key = subject === undefined ? undefined : subjectKey(entry, subject);
    if (subject === undefined || key === undefined) return undefined;
    const domainOnly = entry.keyedBy.length === 1 && entry.keyedBy[0] === 'domain';
    return {
      subject,
      question: { tenantId: job.tenantId, providerId: job.providerId, key, ...(domainOnly && subject.domain ? { domain: subject.domain } : {}) },
    };
  }

  /** Each call's line in the job's record, once (a re-run adds nothing), in one statement. */
  async function recordCalls(job: JobInput, calls: readonly RecordedCall[]): Promise<void> {
    if (calls.length === 0) return;
    await insertCalls(
      await dbOf(job),
      job.jobId,
      calls.map((c) => ({ provider: c.provider, outcome: c.outcome, credits: c.credits, reason: c.reason?.slice(0, 2000) ?? null, raw: c.raw?.slice(0, RAW_LIMIT) ?? null })),
    );
  }

  const recordCall = (job: JobInput, call: RecordedCall): Promise<void> => recordCalls(job, [call]);

  async function readCached(job: ProviderInput, entry: ProviderEntry): Promise<ProviderAnswer | undefined> {
    const asked = await question(job, entry);
    if (asked === undefined) return undefined;
    const answer = await answers.read(await dbOf(job), asked.question, deps.now());
    if (answer === undefined) return undefined;
    await deps.ledger.recordCached({ tenantId: job.tenantId, operation: enrichmentOperation(job.providerId), idempotencyKey: ledgerKey(job, job.providerId, 'cached') });
    await recordCall(job, { provider: job.providerId, outcome: 'cached', credits: 0 });
    return answer;
  }

  async function reserve(job: ProviderInput & { priceCredits: number }, settings: EnrichmentSettings): Promise<Reservation> {
    const charge = async (): Promise<Reservation> => {
      const charged = await deps.ledger.reserve({
        tenantId: job.tenantId,
        amount: job.priceCredits,
        operation: enrichmentOperation(job.providerId),
        idempotencyKey: ledgerKey(job, job.providerId, 'reserve'),
        reason: `enrichment job ${job.jobId}`,
      });
      if (charged.ok) return { kind: 'reserved' };
      const { problem } = charged;
      const detail = problem.kind === 'credits-exhausted' ? `: the balance of ${problem.balance} does not cover ${problem.required}` : '';
      return { kind: 'exhausted', reason: `${JOB_ERRORS.creditsExhausted}${detail} (${job.providerId})` };
    };
    if (settings.dailyCreditLimit === null) return charge();
    const limit = settings.dailyCreditLimit;
    return withDailySpendLock(deps.control, job.tenantId, async (tx) => {
      const now = deps.now();
      const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
      const today = await enrichmentSpentAndReserved(tx, job.tenantId, dayStart, ledgerKey(job, job.providerId, 'reserve'));
      if (!today.reserved && today.spent + job.priceCredits > limit) {
        const resume = new Date(dayStart.getTime() + DAY_MS);
        return {
          kind: 'daily-limit',
          reason: `paused: the daily enrichment limit of ${limit} credits is reached (${today.spent} spent today); resumes at ${resume.toISOString()}`,
          resumeInMs: resume.getTime() - now.getTime(),
        };
      }
      return charge();
    });
  }

  /**
   * The provider's answer within its limits, or another job's answer to the
   * same question (`shared`). A retryable failure comes back as it is; one
   * whose Retry-After is further away than the job waits is made final.
   */
  async function askShared(
    job: ProviderInput,
    entry: ProviderEntry,
    settings: EnrichmentSettings,
    context: Context,
  ): Promise<{ answer: ProviderAnswer; shared: boolean }> {
    const asked = await question(job, entry);
    if (asked === undefined) return { answer: { kind: 'no-match' }, shared: false };
    const db = await dbOf(job);
    // A local activity (a stage) has no heartbeat: the workflow task's own timeout covers a dead worker.
    const heartbeat = context.info.isLocal ? () => undefined : () => context.heartbeat();
    const hooks = { waiting: heartbeat, signal: context.cancellationSignal };
    const ask = async (): Promise<ProviderAnswer> => {
      const beat = setInterval(heartbeat, 2_000);
      try {
        return await entry.provider.enrich(asked.subject, { signal: context.cancellationSignal });
      } finally {
        clearInterval(beat);
      }
    };
    if (entry.local) return { answer: await ask(), shared: false };

    const limits = { tenantId: job.tenantId, providerId: job.providerId, rateLimitPerMinute: entry.rateLimitPerMinute, concurrency: entry.concurrency };
    const { value: answer, led } = await gate.singleFlight(
      `${job.tenantId}:${job.providerId}:${asked.question.key}`,
      hooks,
      async () => {
        const fresh = await gate.withSlot(limits, hooks, ask);
        await answers.write(db, asked.question, fresh, settings, deps.now());
        return fresh;
      },
      () => answers.read(db, asked.question, deps.now()),
    );
    const delay = answer.kind === 'failure' && answer.retryable ? answer.retryAfterMs : undefined;
    if (answer.kind === 'failure' && delay !== undefined && delay > LONGEST_RETRY_AFTER_MS) return { answer: { ...answer, retryable: false }, shared: false };
    return { answer, shared: !led };
  }

  /** False when the sweep released the reservation first (the job outlived its hold): the call goes unbilled, never billed twice. */
  async function keepReservation(job: ProviderInput): Promise<boolean> {
    const { kept } = await deps.ledger.keep({ tenantId: job.tenantId, reservationKey: ledgerKey(job, job.providerId, 'reserve') });
    if (!kept) deps.log.warn('credit reservation released before its job settled; the call is not charged', { jobId: job.jobId, provider: job.providerId });
    return kept;
  }

  async function settle(job: ProviderInput & { priceCredits: number; answer: ProviderAnswer; shared: boolean }): Promise<void> {
    const paid = !job.shared && hasData(job.answer);
    const keep = paid && (await keepReservation(job));
    if (!paid) {
      await deps.ledger.refund({
        tenantId: job.tenantId,
        amount: job.priceCredits,
        operation: enrichmentOperation(job.providerId),
        idempotencyKey: ledgerKey(job, job.providerId, 'refund'),
        refundsKey: ledgerKey(job, job.providerId, 'reserve'),
        reason: job.shared ? 'answered from another job' : `no data: ${outcomeOf(job.answer)}`,
      });
    }
    if (job.shared) {
      await deps.ledger.recordCached({ tenantId: job.tenantId, operation: enrichmentOperation(job.providerId), idempotencyKey: ledgerKey(job, job.providerId, 'cached') });
    }
    await recordCall(job, {
      provider: job.providerId,
      outcome: job.shared ? 'cached' : outcomeOf(job.answer),
      credits: keep ? job.priceCredits : 0,
      reason: reasonOf(job.answer),
      raw: job.answer.kind === 'failure' ? (job.answer.raw ?? null) : null,
    });
  }

  /** One provider of a stage (see callStage); `entry` undefined: removed from the configuration while the job ran. */
  async function stageCall(
    job: ProviderInput & { priceCredits: number },
    call: StageCall,
    entry: ProviderEntry | undefined,
    settings: EnrichmentSettings,
    context: Context,
  ): Promise<StageResult> {
    // The vendor's raw body stays in enrichment_calls (settle records it): the result goes into the workflow's history.
    const answered = (answer: ProviderAnswer, cached: boolean): StageResult => ({ kind: 'answered', outcome: { provider: call.providerId, kind: 'answered', answer: withoutRaw(answer), cached } });
    const gone: ProviderAnswer = { kind: 'failure', reason: `provider ${call.providerId} is no longer configured`, retryable: false };
    if (entry === undefined && call.local) return answered(gone, false);
    if (!call.local) {
      // The cache only before the first attempt: a later one holds a reservation to settle.
      const cached = call.attempt === 1 && entry !== undefined ? await readCached(job, entry) : undefined;
      if (cached !== undefined) return answered(cached, true);
      const reservation = entry === undefined ? ({ kind: 'reserved' } as const) : await reserve(job, settings);
      if (reservation.kind === 'daily-limit') return reservation;
      if (reservation.kind === 'exhausted') {
        await recordCall(job, { provider: job.providerId, outcome: 'refused', credits: 0, reason: reservation.reason });
        return { kind: 'exhausted' };
      }
    }
    const result =
      entry === undefined
        ? { answer: gone, shared: false }
        : await askShared(job, entry, settings, context).catch((error: unknown) => {
            const thrown: ProviderAnswer = { kind: 'failure', reason: error instanceof Error ? error.message : 'the provider call failed', retryable: true };
            return { answer: thrown, shared: false };
          });
    const answer: ProviderAnswer = result.answer;
    if (answer.kind === 'failure' && answer.retryable && call.attempt < PROVIDER_ATTEMPTS) {
      return { kind: 'retry', delayMs: answer.retryAfterMs === undefined ? providerRetryDelayMs(call.attempt) : Math.max(answer.retryAfterMs, 100) };
    }
    const final = answer.kind === 'failure' ? { ...answer, retryable: false } : answer;
    if (!call.local) await settle({ ...job, answer: final, shared: result.shared });
    return answered(final, result.shared);
  }

  return {
    /** Marks the job running and plans it; a lead without anything to look up fails the job and charges nothing. */
    async startJob(job: JobInput): Promise<JobPlan> {
      const db = await dbOf(job);
      if (!(await markJobRunning(db, job.jobId))) return { kind: 'done' };
      const lead = await leadForEnrichment(db, job.leadId);
      const fail = async (error: string): Promise<JobPlan> => {
        await markJobFailed(db, job.jobId, error);
        return { kind: 'done' };
      };
      if (lead === undefined) return fail('NOT_FOUND: the lead no longer exists');
      if (lead.mergedInto !== null) return fail(`NOT_FOUND: the lead was merged into ${lead.mergedInto}; enrich that lead`);
      const subject = subjectOfRow(lead);
      if (subject === undefined) return fail('BAD_USER_INPUT: the lead has no email, company domain or public IP address to look up');

      const { settings, catalog } = await configurationOf(job, { fresh: true });
      const now = deps.now();
      const held = await readLeadFields(db, job.leadId);
      const knownFields = [...held.values()]
        .filter((f) => !isStale(f, now) && f.confidence >= settings.confidenceThreshold)
        .map((f) => f.field);
      const providers = settings.waterfall.flatMap((id) => {
        const entry = catalog.get(id);
        if (entry === undefined || !entry.provider.accepts(subject)) return [];
        return [{ id, priceCredits: entry.priceCredits, supplies: entry.supplies, local: entry.local }];
      });
      // No subject: the plan is written into the workflow's history, and the lead's email and name are personal.
      return { kind: 'run', providers, knownFields, confidenceThreshold: settings.confidenceThreshold };
    },

    /** An answer already paid for (by this tenant, within the cache's lifetime): free, and counted in usage. */
    async cachedAnswer(job: ProviderInput): Promise<ProviderAnswer | undefined> {
      const { entry } = await providerOf(job, job.providerId);
      return readCached(job, entry);
    },

    /**
     * Takes the provider's price before the call (idempotent by job and
     * provider). Within a daily limit, a tenant's reservations are serialised
     * by an advisory lock so that two jobs cannot both take the last credits of the day.
     */
    async reserveCredits(job: ProviderInput & { priceCredits: number }): Promise<Reservation> {
      return reserve(job, await readEnrichmentSettings(await dbOf(job)));
    },

    async pauseJob(job: JobInput & { reason: string | null }): Promise<void> {
      await setJobPausedReason(await dbOf(job), job.jobId, job.reason);
    },

    async recordRefusal(job: ProviderInput & { reason: string }): Promise<void> {
      await recordCall(job, { provider: job.providerId, outcome: 'refused', credits: 0, reason: job.reason });
    },

    /**
     * Calls the provider within its limits, or waits for another job asking the
     * same question (`shared`). A retryable failure is thrown, for the
     * workflow's retry policy, after the provider's Retry-After when it gave one.
     * (Runs begun before the stage step; see callStage.)
     */
    async callProviderShared(job: ProviderInput): Promise<{ answer: ProviderAnswer; shared: boolean }> {
      const { entry, settings } = await providerOf(job, job.providerId);
      const call = await askShared(job, entry, settings, Context.current());
      const answer = call.answer;
      if (answer.kind === 'failure' && answer.retryable) {
        throw ApplicationFailure.create({
          message: answer.reason,
          type: 'ProviderFailure',
          ...(answer.retryAfterMs === undefined ? {} : { nextRetryDelay: Math.max(answer.retryAfterMs, 100) }),
        });
      }
      return call;
    },

    /** Charged when data came back from this job's own call; refunded otherwise (no data, a failure, another job's answer). */
    async settleCredits(job: ProviderInput & { priceCredits: number; answer: ProviderAnswer; shared: boolean }): Promise<void> {
      await settle(job);
    },

    /**
     * One stage of the waterfall in one step, its providers at once: for each,
     * the cache, the reservation, the call and the settlement, as the steps
     * above do one at a time. Every part is idempotent by job and provider, so
     * a re-run after a crash charges nothing twice. A retryable failure before
     * the last attempt keeps its reservation and answers `retry` (the workflow
     * waits, durably, and asks again); a daily limit answers before reserving.
     */
    async callStage(job: JobInput & { subject?: EnrichmentSubject; calls: readonly StageCall[] }): Promise<StageResult[]> {
      const context = Context.current();
      const { settings, catalog } = await configurationOf(job);
      // Read once for the stage's providers (runs begun before histories held no personal data still pass it).
      const subject = job.subject ?? (await subjectOf(await dbOf(job), job.leadId));
      const asked = { ...job, ...(subject === undefined ? {} : { subject }) };
      return Promise.all(job.calls.map((call) => stageCall({ ...asked, providerId: call.providerId, priceCredits: call.priceCredits }, call, catalog.get(call.providerId), settings, context)));
    },

    /** Merges the answers into the lead, links its company, and closes the job. */
    async finishJob(job: JobInput & { outcomes: readonly ProviderOutcome[]; creditsExhausted: boolean }): Promise<void> {
      const db = await dbOf(job);
      const { settings } = await configurationOf(job);
      const now = deps.now();
      // Calls a stage or a settlement did not record yet (skipped ones, our own data).
      await recordCalls(
        job,
        job.outcomes.map((outcome) =>
          outcome.kind === 'skipped'
            ? { provider: outcome.provider, outcome: 'skipped', credits: 0, reason: outcome.reason }
            : { provider: outcome.provider, outcome: outcome.cached ? 'cached' : outcomeOf(outcome.answer), credits: 0, reason: reasonOf(outcome.answer) },
        ),
      );
      const answered = job.outcomes.flatMap((o) => (o.kind === 'answered' ? [{ source: o.provider, answer: o.answer }] : []));
      const held = await readLeadFields(db, job.leadId);
      const merged = mergeAnswers(held, answered, { now, ttlDays: settings.stalenessDays, confidenceThreshold: settings.confidenceThreshold });
      const failures = answered.filter((a) => a.answer.kind === 'failure');
      const error = job.creditsExhausted
        ? ((await refusalReason(db, job.jobId)) ?? JOB_ERRORS.creditsExhausted)
        : failures.length > 0 && failures.length === answered.length
          ? `${JOB_ERRORS.allFailed}: ${failures.map((f) => `${f.source}: ${reasonOf(f.answer) ?? ''}`).join('; ')}`
          : null;
      const anyAnswer = answered.some((a) => a.answer.kind !== 'failure');
      const lead = await leadForEnrichment(db, job.leadId);
      const factsByDomain = companyFactsOfAnswers(answered, lead === undefined ? undefined : subjectOfRow(lead)?.domain, {
        now,
        confidenceThreshold: settings.confidenceThreshold,
      });
      const link =
        lead === undefined || lead.mergedInto !== null
          ? undefined
          : decideCompanyLink([...leadEvidence(lead), ...evidenceOfAnswers(answered, merged.fields, settings.confidenceThreshold)], domainOf(lead.companyDomain));

      const finished = await db.transaction(async (tx) => {
        if (!(await lockRunningJob(tx, job.jobId))) return undefined; // finished by an earlier attempt of this activity
        await writeLeadFields(tx, job.leadId, [...merged.fields.values()]);
        const company = link === undefined ? undefined : await linkCompany(tx, link, factsByDomain.get(link.domain) ?? []);
        await markLeadEnriched(tx, job.leadId, {
          answered: anyAnswer,
          at: now,
          needsManualEnrichment: merged.needsManualEnrichment,
          companyId: company?.id ?? null,
          linkJson: link === undefined ? null : JSON.stringify(link),
        });
        await closeJob(tx, job.jobId, error === null ? 'COMPLETED' : 'FAILED', error);
        return { company };
      });
      // Other leads of a company whose facts changed are scored and segmented on them too (in the bulk lane).
      if (finished?.company !== undefined && finished.company.changed) {
        const others = await otherLeadsOfCompany(db, finished.company.id, job.leadId, MAX_COMPANY_LEADS_REEVALUATED);
        deps.leadChanges.touched(db, others);
      }
      // The lead's score and segments follow its new fields (a retried activity evaluates again: harmless).
      if (finished !== undefined || merged.changed.length > 0) await deps.leadChanges.evaluate(db, [job.leadId]);
      if (finished !== undefined && merged.changed.length > 0) {
        await sendEvent(deps.webhooks, deps.webhookDispatcher, db, 'lead.enriched', { leadId: job.leadId, jobId: job.jobId, fields: merged.changed });
      }
      jobConfigurations.delete(job.jobId);
    },
  };
}

/**
 * What the job's answers and the lead's fields say of its company: each
 * provider's `company.domain` (trusted ones only) as evidence of its kind,
 * and the domains held from earlier jobs with the values they beat.
 */
function evidenceOfAnswers(
  answered: ReadonlyArray<{ readonly source: string; readonly answer: ProviderAnswer }>,
  fields: ReadonlyMap<string, EnrichedFieldState>,
  confidenceThreshold: number,
): CompanyEvidence[] {
  const evidence: CompanyEvidence[] = [];
  const add = (value: unknown, source: string, confidence: number) => {
    const domain = domainOf(value);
    if (domain !== undefined && confidence >= confidenceThreshold) {
      evidence.push({ domain, source: sourceOfProvider(source), confidence, detail: `company.domain from ${source}` });
    }
  };
  for (const { source, answer } of answered) {
    if (answer.kind !== 'match') continue;
    for (const field of answer.fields) if (field.field === 'company.domain') add(field.value, source, field.confidence);
  }
  const held = fields.get('company.domain');
  if (held !== undefined && !held.belowThreshold) {
    add(held.value, held.source, held.confidence);
    for (const beaten of held.conflicts) add(beaten.value, beaten.source, beaten.confidence);
  }
  return evidence;
}

/** Leads of a company re-evaluated when its facts change, at most (a huge account is rescored by the sweep, not here). */
const MAX_COMPANY_LEADS_REEVALUATED = 5_000;

/**
 * The company record of the decided domain, created where missing, with the
 * job's facts about that domain merged in (the surer claim of each field
 * wins; see mergeCompanyFacts). The row is locked for the merge, so two jobs
 * about one company do not lose each other's facts. Returns its id and
 * whether its facts changed.
 */
async function linkCompany(db: TenantDb, link: CompanyLink, claims: readonly CompanyFact[]): Promise<{ id: string; changed: boolean } | undefined> {
  const name = claims.find((c) => c.field === 'company.name')?.value;
  const ids = await upsertCompanies(db, [
    { domain: link.domain, ...(typeof name === 'string' ? { nameKey: organizationNameKey(name) } : {}) },
  ]);
  const id = ids.get(link.domain);
  if (id === undefined || claims.length === 0) return id === undefined ? undefined : { id, changed: false };
  return { id, changed: await mergeFactsIntoCompany(db, id, claims) };
}

export type EnrichLeadActivities = ReturnType<typeof createEnrichLeadActivities>;
