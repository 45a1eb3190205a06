/**
 * Hands jobs to their leads' workflows. Signal-with-start: the lead's
 * workflow (`enrich:<tenant>:<lead>`) is started if it is not running, and
 * the job is queued in it either way, so one lead is never enriched twice at once.
 */
import type { Client } from '@temporalio/client';
import type { EnrichmentDispatcher } from '../../modules/enrichment/enrichment-dispatcher.js';

export const enrichLeadWorkflowId = (tenantId: string, leadId: string): string => `enrich:${tenantId}:${leadId}`;

export function createEnrichmentDispatcher(deps: { client: Client; taskQueue: string; batchConcurrency: number }): EnrichmentDispatcher {
  return {
    async dispatch(tenant, jobs) {
      await Promise.all(
        jobs.map((job) =>
          deps.client.workflow.signalWithStart('enrichLeadWorkflow', {
            workflowId: enrichLeadWorkflowId(tenant.tenantId, job.leadId),
            taskQueue: deps.taskQueue,
            args: [{ tenantId: tenant.tenantId, schema: tenant.schema, leadId: job.leadId }],
            signal: 'enqueueEnrichmentJob',
            signalArgs: [job.id],
          }),
        ),
      );
    },

    async startBatch(tenant, batchId, jobIds) {
      const workflowId = `enrich-batch:${tenant.tenantId}:${batchId}`;
      await deps.client.workflow.start('enrichBatchWorkflow', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{ tenantId: tenant.tenantId, schema: tenant.schema, jobIds: [...jobIds], concurrency: deps.batchConcurrency }],
      });
      return workflowId;
    },
  };
}
