import { ApplicationFailure } from '@temporalio/activity';
import type { TenantDatabases, TenantDb, TenantIdentity } from '../tenants/tenant-db.js';

/**
 * The tenant handle of an activity's input: the id and schema it names must
 * be a tenant's in the control schema, else the activity fails for good
 * (retrying cannot make a tenant that is not there).
 */
export async function workflowTenantDb(tenantDbs: TenantDatabases, input: TenantIdentity): Promise<TenantDb> {
  const db = await tenantDbs.ofWorkflowInput(input);
  if (db === undefined) throw ApplicationFailure.nonRetryable(`no tenant ${input.tenantId} with schema ${input.schema}`, 'UnknownTenant');
  return db;
}
