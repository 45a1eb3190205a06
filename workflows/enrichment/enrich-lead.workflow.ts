import { ActivityFailure, ApplicationFailure, condition, defineSignal, patched, proxyActivities, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';
import type { EnrichmentSubject, ProviderAnswer } from '../../intelligence/enrichment/enrichment-types.js';
import type { EnrichLeadActivities } from './enrich-lead.activities.js';
import { providerStages, type EnrichLeadInput, type PlannedProvider, type ProviderOutcome, type Reservation } from './enrichment-plan.js';

/**
 * Providers that supply different fields are called at once (providerStages):
 * a business-email lead's four calls take two steps instead of four. Runs
 * begun before this change replay one provider at a time.
 */
const PARALLEL_STAGES = 'enrichment-parallel-provider-stages';

/**
 * Short database work (plan, cache, ledger, merge) runs as local activities:
 * in the worker that runs the workflow, recorded in its history when done,
 * without a round trip through the server each. Every one is idempotent, so
 * one re-run after a crash changes nothing twice.
 */
const bookkeeping = proxyLocalActivities<EnrichLeadActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A provider call: retried with exponential backoff, and sooner or later when
 * the provider said when (Retry-After travels as the failure's next retry
 * delay). It heartbeats, so a call on a worker that died is retried elsewhere
 * within seconds rather than after the whole timeout. After the last attempt
 * the provider is skipped for the next in the waterfall.
 */
const providerCalls = proxyActivities<EnrichLeadActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 4 },
});

/** Hands a job to the lead's workflow; a job signalled twice runs once. */
export const enqueueEnrichmentJob = defineSignal<[string]>('enqueueEnrichmentJob');

/**
 * The enrichment of one lead. Its id is `enrich:<tenant>:<lead>`, so a lead is
 * never enriched twice at once: a job requested while one runs is signalled
 * into this run and waits its turn.
 */
export async function enrichLeadWorkflow(input: EnrichLeadInput): Promise<void> {
  const queue: string[] = [];
  const seen = new Set<string>();
  setHandler(enqueueEnrichmentJob, (jobId) => {
    if (seen.has(jobId)) return;
    seen.add(jobId);
    queue.push(jobId);
  });
  // The starting signal is delivered with the first task; waiting covers a start without one.
  await condition(() => queue.length > 0, '1 minute');
  for (let jobId = queue.shift(); jobId !== undefined; jobId = queue.shift()) {
    await runJob(input, jobId);
  }
}

async function runJob(input: EnrichLeadInput, jobId: string): Promise<void> {
  const job = { ...input, jobId };
  const plan = await bookkeeping.startJob(job);
  if (plan.kind === 'done') return;

  const known = new Set(plan.knownFields);
  const outcomes: ProviderOutcome[] = [];
  let stopped: string | undefined;
  const stages = patched(PARALLEL_STAGES) ? providerStages(plan.providers) : plan.providers.map((provider) => [provider]);
  for (const stage of stages) {
    const skipped = (provider: PlannedProvider) => provider.supplies.length > 0 && provider.supplies.every((field) => known.has(field));
    const results = await Promise.all(
      stage.map((provider) =>
        skipped(provider) ? Promise.resolve(undefined) : provider.local ? callLocal(job, provider, plan.subject) : callMetered(job, provider, plan.subject),
      ),
    );
    // In the waterfall's order, whatever order the calls ended in.
    stage.forEach((provider, index) => {
      const outcome = results[index];
      if (outcome === undefined) {
        outcomes.push({ provider: provider.id, kind: 'skipped', reason: 'every field it supplies is held, fresh and trusted' });
        return;
      }
      if (outcome === 'exhausted') {
        stopped = 'exhausted';
        return;
      }
      outcomes.push(outcome);
      if (outcome.kind === 'answered' && outcome.answer.kind === 'match') {
        for (const field of outcome.answer.fields) {
          if (field.confidence >= plan.confidenceThreshold && field.value !== null && field.value !== undefined) known.add(field.field);
        }
      }
    });
    if (stopped !== undefined) break;
  }
  await bookkeeping.finishJob({ ...job, outcomes, creditsExhausted: stopped === 'exhausted' });
}

async function callLocal(job: EnrichLeadInput & { jobId: string }, provider: PlannedProvider, subject: EnrichmentSubject): Promise<ProviderOutcome> {
  const answer = await callProvider(job, provider, subject);
  return { provider: provider.id, kind: 'answered', answer, cached: false };
}

/** Cache, then reserve, call and settle: a reservation is settled exactly once whatever the call did. */
async function callMetered(
  job: EnrichLeadInput & { jobId: string },
  provider: PlannedProvider,
  subject: EnrichmentSubject,
): Promise<ProviderOutcome | 'exhausted'> {
  const cached = await bookkeeping.cachedAnswer({ ...job, providerId: provider.id, subject });
  if (cached !== undefined) return { provider: provider.id, kind: 'answered', answer: cached, cached: true };

  let reservation: Reservation = await bookkeeping.reserveCredits({ ...job, providerId: provider.id, priceCredits: provider.priceCredits });
  while (reservation.kind === 'daily-limit') {
    await bookkeeping.pauseJob({ ...job, reason: reservation.reason });
    await sleep(reservation.resumeInMs);
    await bookkeeping.pauseJob({ ...job, reason: null });
    reservation = await bookkeeping.reserveCredits({ ...job, providerId: provider.id, priceCredits: provider.priceCredits });
  }
  if (reservation.kind === 'exhausted') {
    await bookkeeping.recordRefusal({ ...job, providerId: provider.id, reason: reservation.reason });
    return 'exhausted';
  }
  const call = await providerCalls.callProviderShared({ ...job, providerId: provider.id, subject }).catch(
    (error: unknown): { answer: ProviderAnswer; shared: boolean } => ({ answer: failureOf(error), shared: false }),
  );
  await bookkeeping.settleCredits({ ...job, providerId: provider.id, priceCredits: provider.priceCredits, answer: call.answer, shared: call.shared });
  return { provider: provider.id, kind: 'answered', answer: call.answer, cached: call.shared };
}

async function callProvider(job: EnrichLeadInput & { jobId: string }, provider: PlannedProvider, subject: EnrichmentSubject): Promise<ProviderAnswer> {
  try {
    return (await providerCalls.callProviderShared({ ...job, providerId: provider.id, subject })).answer;
  } catch (error) {
    return failureOf(error);
  }
}

/** The last attempt's reason: what the provider kept saying. */
function failureOf(error: unknown): ProviderAnswer {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  const reason = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : 'the provider call failed';
  return { kind: 'failure', reason, retryable: false };
}
