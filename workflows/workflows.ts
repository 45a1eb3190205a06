// Every workflow the worker runs; the worker bundles this file.
export { migrateTenantsWorkflow } from './migrate-tenants/migrate-tenants.workflow.js';
export { enrichLeadWorkflow } from './enrichment/enrich-lead.workflow.js';
export { enrichBatchWorkflow, reenrichStaleWorkflow } from './enrichment/enrich-batch.workflow.js';
export { rescoreLeadsWorkflow } from './scoring/rescore-leads.workflow.js';
export { segmentWindowsWorkflow } from './segments/segment-windows.workflow.js';
export { deliverWebhookWorkflow } from './webhooks/deliver-webhook.workflow.js';
export { retentionWorkflow } from './retention/retention.workflow.js';
export { offboardTenantWorkflow } from './offboarding/offboard-tenant.workflow.js';
export { deletePersonWorkflow } from './privacy/delete-person.workflow.js';
export { exportPersonWorkflow } from './privacy/export-person.workflow.js';
export { recheckPixelHostsWorkflow } from './pixel-hosts/recheck-pixel-hosts.workflow.js';
export { syncPeeringDbWorkflow } from './peeringdb/sync-peeringdb.workflow.js';
export { releaseReservationsWorkflow } from './credits/release-reservations.workflow.js';
