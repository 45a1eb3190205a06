import type { TenantRef } from './enrichment-plan.js';

/** Hands jobs to their leads' enrichment workflows; Temporal's side fills it (workflows/enrichment/enrichment-dispatch.ts). */
export interface EnrichmentDispatcher {
  dispatch(tenant: TenantRef, jobs: ReadonlyArray<{ readonly id: string; readonly leadId: string }>): Promise<void>;
  /** Starts a batch workflow over these jobs (bounded concurrency); returns its id. */
  startBatch(tenant: TenantRef, batchId: string, jobIds: readonly string[]): Promise<string>;
}

/** Tells when a lead's enrichment has run its queue (workflows/enrichment/job-completion.ts). */
export interface JobCompletion {
  /** True when the lead's workflow ended (however) within `timeoutMs`; false when the time ran out first. */
  settled(tenant: TenantRef, leadId: string, timeoutMs: number): Promise<boolean>;
}
