import type { LeadChangePipeline } from '../../modules/lead-changes/lead-change-pipeline.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';

export interface RescorePage {
  readonly tenantId: string;
  readonly schema: string;
  readonly version: number;
  readonly after: string | null;
  readonly limit: number;
}

export function createRescoreActivities(deps: { db: Database; leadChanges: LeadChangePipeline }) {
  return {
    /**
     * Rescores one page of the tenant's leads (by id) with the model in force,
     * unless a newer model than `version` was written: its own run rescores.
     * Returns the last id of the page, null when there is nothing after it.
     */
    async rescoreLeadPage(page: RescorePage): Promise<{ last: string | null; rescored: number; superseded: boolean }> {
      const sql = tenantSql(deps.db, page.schema);
      const [newest] = await sql.query<{ version: number }>('select coalesce(max(version), 0)::int as version from {t}.scoring_models');
      if ((newest?.version ?? 0) > page.version) return { last: null, rescored: 0, superseded: true };
      const ids = await sql.query<{ id: string }>(
        `select id from {t}.leads where merged_into is null and ($1::text is null or id > $1) order by id limit $2`,
        [page.after, page.limit],
      );
      if (ids.length === 0) return { last: null, rescored: 0, superseded: false };
      await deps.leadChanges.evaluate({ tenantId: page.tenantId, schema: page.schema }, ids.map((row) => row.id));
      return { last: ids.length < page.limit ? null : (ids.at(-1)?.id ?? null), rescored: ids.length, superseded: false };
    },
  };
}

export type RescoreActivities = ReturnType<typeof createRescoreActivities>;
