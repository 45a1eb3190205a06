/** The export workflow's side effects: safe to run again, since a request that is no longer running is left as it is. */
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { resolvePerson } from '../../modules/privacy/person-resolution.js';
import { writePersonExport } from '../../modules/privacy/person-export.js';
import { failExportRequest, type PersonRequestInput } from '../../modules/privacy/privacy-requests.js';
import { inTenant } from './activity-guards.js';

export function createExportPersonActivities(deps: { db: Database }) {
  return {
    /** Resolves the person as a deletion would and stores everything held about them in the request's row. */
    async buildExport(input: PersonRequestInput): Promise<void> {
      await inTenant(async () => {
        const sql = tenantSql(deps.db, input.schema);
        const started = await sql.query(
          `update {t}.export_requests set status = 'RUNNING' where id = $1 and status in ('QUEUED', 'RUNNING') and expires_at > now() returning id`,
          [input.requestId],
        );
        if (started.length === 0) return;
        await writePersonExport(sql, input.requestId, await resolvePerson(sql, input.person));
      });
    },

    async failExport(input: PersonRequestInput): Promise<void> {
      await inTenant(() => failExportRequest(tenantSql(deps.db, input.schema), input.requestId));
    },
  };
}

export type ExportPersonActivities = ReturnType<typeof createExportPersonActivities>;
