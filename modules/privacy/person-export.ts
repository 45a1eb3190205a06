/**
 * Everything held about a person as one JSON document, built by PostgreSQL
 * in the statement that stores it (privacy.repository.ts holds its sections).
 */
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { PersonRecords } from './person-resolution.js';
import { writeExportDocument } from './privacy.repository.js';

/** Writes the document and completes the request; false when the request was no longer running. */
export async function writePersonExport(db: TenantDb, requestId: string, person: Pick<PersonRecords, 'leadIds' | 'anonymousIds'>): Promise<boolean> {
  return writeExportDocument(db, requestId, person.leadIds, person.anonymousIds);
}
