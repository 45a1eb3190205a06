/**
 * Waits for a lead's enrichment workflow (`enrich:<tenant>:<lead>`) to finish
 * its queue, for at most a caller's timeout: Temporal's long poll on the
 * workflow's result, cancelled when the time is up, so nothing polls in a
 * loop and the wait costs one open call.
 */
import { WorkflowContinuedAsNewError, WorkflowFailedError, type Client } from '@temporalio/client';
import { enrichLeadWorkflowId } from './enrichment-dispatch.js';
import type { JobCompletion } from '../../modules/enrichment/enrichment-dispatcher.js';

export function createJobCompletion(deps: { client: Client }): JobCompletion {
  return {
    async settled(tenant, leadId, timeoutMs) {
      if (timeoutMs <= 0) return false;
      const handle = deps.client.workflow.getHandle(enrichLeadWorkflowId(tenant.tenantId, leadId));
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeoutMs);
      try {
        await deps.client.withAbortSignal(deadline.signal, () => handle.result());
        return true;
      } catch (error) {
        if (deadline.signal.aborted) return false;
        // A failed, cancelled or terminated workflow has ended too: the job's row says how.
        if (error instanceof WorkflowFailedError || error instanceof WorkflowContinuedAsNewError) return true;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

