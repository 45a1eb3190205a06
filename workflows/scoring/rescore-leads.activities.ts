import type { LeadChangePipeline } from '../../modules/lead-changes/lead-change-pipeline.js';
import { liveLeadIdsPage } from '../../modules/leads/leads.repository.js';
import { newestScoringModelVersion } from '../../modules/scoring/scoring.repository.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { workflowTenantDb } from '../workflow-tenant.js';

export interface RescorePage {
  readonly tenantId: string;
  readonly schema: string;
  readonly version: number;
  readonly after: string | null;
  readonly limit: number;
}

export function createRescoreActivities(deps: { tenantDbs: TenantDatabases; leadChanges: LeadChangePipeline }) {
  return {
    /**
     * Rescores one page of the tenant's leads (by id) with the model in force,
     * unless a newer model than `version` was written: its own run rescores.
     * Returns the last id of the page, null when there is nothing after it.
     */
    async rescoreLeadPage(page: RescorePage): Promise<{ last: string | null; rescored: number; superseded: boolean }> {
      const db = await workflowTenantDb(deps.tenantDbs, page);
      if ((await newestScoringModelVersion(db)) > page.version) return { last: null, rescored: 0, superseded: true };
      const ids = await liveLeadIdsPage(db, page.after, page.limit);
      if (ids.length === 0) return { last: null, rescored: 0, superseded: false };
      await deps.leadChanges.evaluate(db, ids);
      return { last: ids.length < page.limit ? null : (ids.at(-1) ?? null), rescored: ids.length, superseded: false };
    },
  };
}

export type RescoreActivities = ReturnType<typeof createRescoreActivities>;
