import type { TenantDb } from '../../tenants/tenant-db.js';

/**
 * Starts the workflow that carries out a request, one per request; Temporal's
 * side fills it (workflows/privacy/privacy-request-dispatch.ts). The workflow
 * is given the request's id: who it is about is kept apart (RequestSubjects).
 */
export interface PrivacyRequestStarter {
  startDeletion(tenant: TenantDb, requestId: string): Promise<void>;
  startExport(tenant: TenantDb, requestId: string): Promise<void>;
}
