/**
 * Starts the delivery workflows of recorded deliveries. A delivery's workflow
 * id is `webhook:<tenant>:<delivery>`, so dispatching one twice, while it runs
 * or after it closed, starts nothing.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { WebhookDispatcher } from '../../modules/webhooks/webhook-dispatcher.js';
import type { DeliverWebhookInput, WebhookRetry } from './deliver-webhook.workflow.js';

/**
 * Waits of 30 s doubling to the 6 h cap: 30s, 1m, 2m, 4m, 8m, 16m, 32m, 64m,
 * 128m, 256m (8.5 h together), then 6 h each. 22 attempts put the last one
 * 8.5 h + 11 × 6 h = 74.5 h (about 3 days) after the first.
 */
export const PRODUCTION_WEBHOOK_RETRY: WebhookRetry = { initialIntervalMs: 30_000, maximumIntervalMs: 6 * 3_600_000, maximumAttempts: 22 };

export const deliverWebhookWorkflowId = (tenantId: string, deliveryId: string): string => `webhook:${tenantId}:${deliveryId}`;

export function createWebhookDispatcher(deps: { client: Client; taskQueue: string; retry?: WebhookRetry }): WebhookDispatcher {
  const retry = deps.retry ?? PRODUCTION_WEBHOOK_RETRY;
  return {
    async dispatch(tenant, deliveryIds) {
      await Promise.all(
        deliveryIds.map(async (deliveryId) => {
          const input: DeliverWebhookInput = { tenantId: tenant.tenantId, schema: tenant.schema, deliveryId, retry };
          try {
            await deps.client.workflow.start('deliverWebhookWorkflow', {
              workflowId: deliverWebhookWorkflowId(tenant.tenantId, deliveryId),
              taskQueue: deps.taskQueue,
              args: [input],
              workflowIdConflictPolicy: 'USE_EXISTING',
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
            });
          } catch (error) {
            // Closed already: delivered or failed, and replaying means a new delivery.
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          }
        }),
      );
    },
  };
}
