/**
 * What passes between the enrichment workflow and its activities. Plain data
 * only: it is written into the workflow's history.
 */
import type { EnrichmentSubject, ProviderAnswer } from '../../intelligence/enrichment/enrichment-types.js';

export interface TenantRef {
  readonly tenantId: string;
  readonly schema: string;
}

export interface EnrichLeadInput extends TenantRef {
  readonly leadId: string;
}

/** A provider as the waterfall sees it; the activity rebuilds the provider itself from its id. */
export interface PlannedProvider {
  readonly id: string;
  readonly priceCredits: number;
  /** The fields it is called for: when all are already held fresh and trusted, it is not called. Empty: always called. */
  readonly supplies: readonly string[];
  /** Our own data (the tenant's imports, the IP dataset): no credits, no cache, no rate limit. */
  readonly local: boolean;
}

/**
 * The waterfall cut into stages that may run at once: consecutive providers
 * none of which supplies a field another of its stage supplies, so whether
 * one is skipped (every field it supplies already held) never depends on an
 * answer of its own stage. A provider supplying what an earlier one of the
 * stage supplies starts the next stage: the waterfall's order decides
 * between them as before. (A provider answering more than it lists may
 * leave the one beside it called where in turn it would have been skipped.)
 */
export function providerStages<P extends Pick<PlannedProvider, 'supplies'>>(providers: readonly P[]): P[][] {
  const stages: P[][] = [];
  let stage: P[] = [];
  let supplied = new Set<string>();
  for (const provider of providers) {
    if (provider.supplies.some((field) => supplied.has(field))) {
      stages.push(stage);
      stage = [];
      supplied = new Set();
    }
    stage.push(provider);
    for (const field of provider.supplies) supplied.add(field);
  }
  if (stage.length > 0) stages.push(stage);
  return stages;
}

export type JobPlan =
  | {
      readonly kind: 'run';
      /**
       * Only in plans made before the histories held no personal data: the
       * activities now read the lead's email, name and address themselves.
       */
      readonly subject?: EnrichmentSubject;
      readonly providers: readonly PlannedProvider[];
      /** Fields the lead holds fresh and at or above the tenant's confidence threshold. */
      readonly knownFields: readonly string[];
      readonly confidenceThreshold: number;
    }
  /** The job is not to run: already finished (a replayed signal), or its lead is gone or cannot be looked up. */
  | { readonly kind: 'done' };

export type Reservation =
  | { readonly kind: 'reserved' }
  | { readonly kind: 'daily-limit'; readonly reason: string; readonly resumeInMs: number }
  | { readonly kind: 'exhausted'; readonly reason: string };

/** Attempts of a provider call before it counts as failed and the waterfall goes on. */
export const PROVIDER_ATTEMPTS = 4;

/** The wait before the next attempt when the provider did not say (Retry-After): 1 s, doubling, at most 30 s. */
export function providerRetryDelayMs(attempt: number): number {
  return Math.min(1_000 * 2 ** (attempt - 1), 30_000);
}

/** A provider of a stage, as the workflow asks the stage step to call it. */
export interface StageCall {
  readonly providerId: string;
  readonly priceCredits: number;
  readonly local: boolean;
  /** 1 for the first; a later attempt holds the reservation of the first. */
  readonly attempt: number;
}

/** What became of one provider of a stage. */
export type StageResult =
  | { readonly kind: 'answered'; readonly outcome: ProviderOutcome & { readonly kind: 'answered' } }
  /** A retryable failure before the last attempt: its reservation is kept for the next. */
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'daily-limit'; readonly reason: string; readonly resumeInMs: number }
  | { readonly kind: 'exhausted' };

/** One provider's part in a job, as the job's record and the merge see it. */
export type ProviderOutcome =
  | { readonly provider: string; readonly kind: 'answered'; readonly answer: ProviderAnswer; readonly cached: boolean }
  | { readonly provider: string; readonly kind: 'skipped'; readonly reason: string };

export const JOB_ERRORS = {
  creditsExhausted: 'CREDITS_EXHAUSTED',
  allFailed: 'PROVIDERS_FAILED',
} as const;
