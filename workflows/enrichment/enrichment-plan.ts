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

export type JobPlan =
  | {
      readonly kind: 'run';
      readonly subject: EnrichmentSubject;
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

/** One provider's part in a job, as the job's record and the merge see it. */
export type ProviderOutcome =
  | { readonly provider: string; readonly kind: 'answered'; readonly answer: ProviderAnswer; readonly cached: boolean }
  | { readonly provider: string; readonly kind: 'skipped'; readonly reason: string };

export const JOB_ERRORS = {
  creditsExhausted: 'CREDITS_EXHAUSTED',
  allFailed: 'PROVIDERS_FAILED',
} as const;
