/** `control.privacy_request_subjects`: who a running privacy request is about, sealed (request-subjects.ts). */
import type { ControlDb } from '../../platform/postgres/control-db.js';

export async function insertRequestSubject(control: ControlDb, row: { tenantId: string; requestId: string; sealed: string }): Promise<void> {
  await control.kysely
    .insertInto('privacy_request_subjects')
    .values({ tenant_id: row.tenantId, request_id: row.requestId, sealed: row.sealed })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'request_id']).doNothing())
    .execute();
}

export async function sealedRequestSubject(control: ControlDb, tenantId: string, requestId: string): Promise<string | undefined> {
  const row = await control.kysely
    .selectFrom('privacy_request_subjects')
    .select('sealed')
    .where('tenant_id', '=', tenantId)
    .where('request_id', '=', requestId)
    .executeTakeFirst();
  return row?.sealed;
}

export async function deleteRequestSubject(control: ControlDb, tenantId: string, requestId: string): Promise<void> {
  await control.kysely.deleteFrom('privacy_request_subjects').where('tenant_id', '=', tenantId).where('request_id', '=', requestId).execute();
}

/** Every subject of the tenant's requests (offboarding); how many there were. */
export async function deleteTenantRequestSubjects(control: ControlDb, tenantId: string): Promise<number> {
  const result = await control.kysely.deleteFrom('privacy_request_subjects').where('tenant_id', '=', tenantId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
