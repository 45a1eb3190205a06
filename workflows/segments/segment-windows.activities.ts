import type { LeadChangePipeline } from '../../modules/lead-changes/lead-change-pipeline.js';
import { sweepWindowedSegments } from '../../modules/segments/segment-windows.js';
import type { Database } from '../../platform/postgres/database.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';

export function createSegmentWindowActivities(deps: { db: Database; leadChanges: LeadChangePipeline; now: () => Date }) {
  return {
    /** Moves leads in and out of the tenant's windowed segments as their windows slide; returns the changes made. */
    async sweepSegmentWindows(tenant: TenantRef): Promise<number> {
      return sweepWindowedSegments(deps.db, tenant.schema, deps.now(), (changes) => deps.leadChanges.notify(tenant, changes));
    },
  };
}

export type SegmentWindowActivities = ReturnType<typeof createSegmentWindowActivities>;
