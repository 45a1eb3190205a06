import { ActivityFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { DeliverWebhookActivities, DeliveryOutcome } from './deliver-webhook.activities.js';

/** The attempts' schedule: doubling from the initial interval up to the maximum. An input, so tests can shorten it. */
export interface WebhookRetry {
  readonly initialIntervalMs: number;
  readonly maximumIntervalMs: number;
  readonly maximumAttempts: number;
}

export interface DeliverWebhookInput {
  readonly tenantId: string;
  readonly schema: string;
  readonly deliveryId: string;
  readonly retry: WebhookRetry;
}

const bookkeeping = proxyActivities<DeliverWebhookActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One delivery, `webhook:<tenant>:<delivery>`: attempts on the given
 * schedule (the server waits between them, so days of retries cost nothing),
 * then, when the last one failed, the delivery is FAILED and counts toward
 * disabling its webhook.
 */
export async function deliverWebhookWorkflow(input: DeliverWebhookInput): Promise<DeliveryOutcome> {
  const { retry, ...delivery } = input;
  const attempts = proxyActivities<DeliverWebhookActivities>({
    // The request's own timeout is 10 s; the rest is reading and recording.
    startToCloseTimeout: '30 seconds',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: 2,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
    },
  });
  try {
    return await attempts.attemptDelivery({ ...delivery, maxRetryDelayMs: retry.maximumIntervalMs });
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    return bookkeeping.failDelivery({ ...delivery, error: error.cause?.message ?? error.message });
  }
}
