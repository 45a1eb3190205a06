import type { TenantDb } from '../../tenants/tenant-db.js';
import type { PersonRef } from './privacy-requests.js';

/**
 * Starts the workflow that carries out a request, one per request; Temporal's
 * side fills it (workflows/privacy/privacy-request-dispatch.ts). The person's
 * identifiers travel in the workflow input only.
 */
export interface PrivacyRequestStarter {
  startDeletion(tenant: TenantDb, requestId: string, person: PersonRef): Promise<void>;
  startExport(tenant: TenantDb, requestId: string, person: PersonRef): Promise<void>;
}
