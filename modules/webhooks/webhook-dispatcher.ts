import type { WebhookTenant } from './webhook-registry.js';

/** Starts the delivery workflows of recorded deliveries; Temporal's side fills it (workflows/webhooks/webhook-dispatch.ts). */
export interface WebhookDispatcher {
  dispatch(tenant: WebhookTenant, deliveryIds: readonly string[]): Promise<void>;
}
