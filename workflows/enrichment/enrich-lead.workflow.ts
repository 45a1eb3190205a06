import { ActivityFailure, ApplicationFailure, condition, defineSignal, patched, proxyActivities, proxyLocalActivities, setHandler, sleep } from '@temporalio/workflow';
import type { EnrichmentSubject, ProviderAnswer } from '../../intelligence/enrichment/enrichment-types.js';
import type { EnrichLeadActivities } from './enrich-lead.activities.js';
import {
  PROVIDER_ATTEMPTS,
  providerStages,
  type EnrichLeadInput,
  type PlannedProvider,
  type ProviderOutcome,
  type Reservation,
  type StageResult,
} from '../../modules/enrichment/enrichment-plan.js';

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
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: PROVIDER_ATTEMPTS },
});

/**
 * Each stage of the waterfall is one local activity (callStage): its
 * providers' cache lookups, reservations, calls and settlements in the
 * worker, instead of three local activities and an activity through the
 * server's task queue per provider. Retries wait in the workflow (a durable
 * timer), as the activity retry policy waited before. Measured with
 * `BENCH_ONLY=default-enrichment npm run bench` (README). Runs begun before
 * this change replay as they ran.
 */
const STAGE_STEPS = 'enrichment-stage-steps';

const stageSteps = proxyLocalActivities<EnrichLeadActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
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
  const inStageSteps = patched(STAGE_STEPS);
  for (const stage of stages) {
    const skipped = (provider: PlannedProvider) => provider.supplies.length > 0 && provider.supplies.every((field) => known.has(field));
    const results = inStageSteps
      ? await runStage(job, stage.filter((provider) => !skipped(provider)), plan.subject).then((done) => stage.map((provider) => done.get(provider.id)))
      : await Promise.all(
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

/**
 * A stage's providers through callStage, again for those that asked to be
 * retried (after the longest wait any of them asked for) or that waited out
 * the daily credit limit. Each provider's outcome by its id.
 */
async function runStage(
  job: EnrichLeadInput & { jobId: string },
  providers: readonly PlannedProvider[],
  subject: EnrichmentSubject | undefined,
): Promise<Map<string, ProviderOutcome | 'exhausted'>> {
  const done = new Map<string, ProviderOutcome | 'exhausted'>();
  let pending = providers.map((provider) => ({ provider, attempt: 1 }));
  while (pending.length > 0) {
    const calls = pending.map(({ provider, attempt }) => ({ providerId: provider.id, priceCredits: provider.priceCredits, local: provider.local, attempt }));
    // A plan made before histories held no personal data carries the subject; a new one does not, and the stage reads it.
    const results: StageResult[] = await stageSteps.callStage({ ...job, ...(subject === undefined ? {} : { subject }), calls });
    const again: typeof pending = [];
    let waitMs = 0;
    let paused: { reason: string; resumeInMs: number } | undefined;
    results.forEach((result, index) => {
      const call = pending[index];
      if (call === undefined) return;
      if (result.kind === 'answered') done.set(call.provider.id, result.outcome);
      else if (result.kind === 'exhausted') done.set(call.provider.id, 'exhausted');
      else if (result.kind === 'retry') {
        again.push({ provider: call.provider, attempt: call.attempt + 1 });
        waitMs = Math.max(waitMs, result.delayMs);
      } else {
        again.push(call);
        paused = { reason: result.reason, resumeInMs: result.resumeInMs };
      }
    });
    if (paused !== undefined) {
      await bookkeeping.pauseJob({ ...job, reason: paused.reason });
      await sleep(paused.resumeInMs);
      await bookkeeping.pauseJob({ ...job, reason: null });
    } else if (again.length > 0) {
      await sleep(waitMs);
    }
    pending = again;
  }
  return done;
}

async function callLocal(job: EnrichLeadInput & { jobId: string }, provider: PlannedProvider, subject: EnrichmentSubject | undefined): Promise<ProviderOutcome> {
  const answer = await callProvider(job, provider, subject);
  return { provider: provider.id, kind: 'answered', answer, cached: false };
}

/** Cache, then reserve, call and settle: a reservation is settled exactly once whatever the call did. */
async function callMetered(
  job: EnrichLeadInput & { jobId: string },
  provider: PlannedProvider,
  subject: EnrichmentSubject | undefined,
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

async function callProvider(job: EnrichLeadInput & { jobId: string }, provider: PlannedProvider, subject: EnrichmentSubject | undefined): Promise<ProviderAnswer> {
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
