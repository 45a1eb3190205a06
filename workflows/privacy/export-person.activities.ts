/** The export workflow's side effects: safe to run again, since a request that is no longer running is left as it is. */
import { resolvePerson } from '../../modules/privacy/person-resolution.js';
import { writePersonExport } from '../../modules/privacy/person-export.js';
import type { PersonRequestInput } from '../../modules/privacy/privacy-requests.js';
import { failExportRequest, markExportRunning } from '../../modules/privacy/privacy.repository.js';
import type { RequestSubjects } from '../../modules/privacy/request-subjects.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { workflowTenantDb } from '../workflow-tenant.js';
import { inTenant, requestedPerson } from './activity-guards.js';

export function createExportPersonActivities(deps: { tenantDbs: TenantDatabases; requestSubjects: RequestSubjects }) {
  return {
    /** Resolves the person as a deletion would and stores everything held about them in the request's row. */
    async buildExport(input: PersonRequestInput): Promise<void> {
      await inTenant(async () => {
        const db = await workflowTenantDb(deps.tenantDbs, input);
        if (await markExportRunning(db, input.requestId)) {
          await writePersonExport(db, input.requestId, await resolvePerson(db, await requestedPerson(deps.requestSubjects, input)));
        }
        await deps.requestSubjects.forget(input.tenantId, input.requestId);
      });
    },

    async failExport(input: PersonRequestInput): Promise<void> {
      await inTenant(async () => failExportRequest(await workflowTenantDb(deps.tenantDbs, input), input.requestId));
      await deps.requestSubjects.forget(input.tenantId, input.requestId);
    },
  };
}

export type ExportPersonActivities = ReturnType<typeof createExportPersonActivities>;
