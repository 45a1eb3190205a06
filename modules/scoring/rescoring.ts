import type { TenantDb } from '../../tenants/tenant-db.js';

export const RESCORE_PAGE_SIZE = 500;

/** Starts rescoring every lead of a tenant with a model version; Temporal's side fills it (workflows/scoring/rescore-dispatch.ts). */
export interface RescoreStarter {
  /** One run per tenant at a time: a newer version replaces the run of an older one. */
  start(tenant: TenantDb, version: number): Promise<void>;
}
