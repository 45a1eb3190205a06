import type { TenantIdentity } from '../../tenants/tenant-db.js';

/** Starts the delivery workflows of recorded deliveries; Temporal's side fills it (workflows/webhooks/webhook-dispatch.ts). */
export interface WebhookDispatcher {
  dispatch(tenant: TenantIdentity, deliveryIds: readonly string[]): Promise<void>;
}
