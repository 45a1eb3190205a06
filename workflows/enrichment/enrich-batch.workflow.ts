import { continueAsNew, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { EnrichBatchActivities } from './enrich-batch.activities.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';

const activities = proxyActivities<EnrichBatchActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Waiting for a chunk heartbeats; a worker that dies mid-wait is noticed within the heartbeat timeout.
const waits = proxyActivities<EnrichBatchActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface EnrichBatchInput extends TenantRef {
  readonly jobIds: readonly string[];
  readonly concurrency: number;
}

/** Chunks per run before continuing as new, so the history of a batch of any size stays small. */
const CHUNKS_PER_RUN = 50;

/**
 * Many leads' jobs, `concurrency` at a time: each chunk is handed to its
 * leads' workflows and waited for before the next, so a batch of thousands
 * neither floods the providers nor the worker.
 */
export async function enrichBatchWorkflow(input: EnrichBatchInput): Promise<void> {
  const size = Math.max(1, input.concurrency);
  for (let chunk = 0; chunk < CHUNKS_PER_RUN; chunk += 1) {
    const jobIds = input.jobIds.slice(chunk * size, (chunk + 1) * size);
    if (jobIds.length === 0) return;
    await activities.dispatchJobs({ tenantId: input.tenantId, schema: input.schema, jobIds });
    await waits.awaitJobs({ tenantId: input.tenantId, schema: input.schema, jobIds });
  }
  const rest = input.jobIds.slice(CHUNKS_PER_RUN * size);
  if (rest.length > 0) await continueAsNew<typeof enrichBatchWorkflow>({ ...input, jobIds: rest });
}

/**
 * The tenant's schedule runs this daily: leads whose enrichment is older than
 * the tenant's staleness threshold, most valuable first, as many as the
 * daily credit limit leaves room for, enriched as a batch.
 */
export async function reenrichStaleWorkflow(input: TenantRef & { readonly concurrency: number }): Promise<number> {
  const jobIds = await activities.queueStaleLeads({ tenantId: input.tenantId, schema: input.schema });
  if (jobIds.length > 0) {
    await executeChild(enrichBatchWorkflow, {
      workflowId: `${workflowInfo().workflowId}:batch`,
      args: [{ tenantId: input.tenantId, schema: input.schema, jobIds, concurrency: input.concurrency }],
    });
  }
  return jobIds.length;
}
