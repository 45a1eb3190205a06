import type { TenantMigration } from '../migration.js';

/**
 * Deliveries recorded but never handed to their workflow (Temporal was down
 * at the moment, or the process stopped between the two) are found again by
 * the worker's sweep: PENDING with no attempt yet. The partial index holds
 * only those, a handful at most, however long the delivery log grows.
 */
export const webhookRedispatchMigration: TenantMigration = {
  name: '0007-webhook-redispatch',
  up: (s) => [`create index webhook_deliveries_unattempted_idx on ${s}.webhook_deliveries (created_at) where status = 'PENDING' and attempts = 0`],
};
