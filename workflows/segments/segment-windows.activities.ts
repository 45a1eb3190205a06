import type { LeadChangePipeline } from '../../modules/lead-changes/lead-change-pipeline.js';
import { sweepWindowedSegments } from '../../modules/segments/segment-windows.js';
import type { TenantDatabases, TenantIdentity } from '../../tenants/tenant-db.js';
import { workflowTenantDb } from '../workflow-tenant.js';

export function createSegmentWindowActivities(deps: { tenantDbs: TenantDatabases; leadChanges: LeadChangePipeline; now: () => Date }) {
  return {
    /** Moves leads in and out of the tenant's windowed segments as their windows slide; returns the changes made. */
    async sweepSegmentWindows(tenant: TenantIdentity): Promise<number> {
      const db = await workflowTenantDb(deps.tenantDbs, tenant);
      return sweepWindowedSegments(db, deps.now(), (changes) => deps.leadChanges.notify(db, changes));
    },
  };
}

export type SegmentWindowActivities = ReturnType<typeof createSegmentWindowActivities>;
