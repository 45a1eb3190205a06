/**
 * Deletion and export requests as rows, and what passes between their
 * workflows and activities (plain data: it is written into the workflows'
 * histories). A deletion request's row is the audit entry: status, times and
 * counts, never the identifiers it was asked with.
 */
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

export type RequestStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface TenantRef {
  readonly tenantId: string;
  readonly schema: string;
}

/** Who a request is about: exactly one of the two. */
export type PersonRef = { readonly email: string } | { readonly leadId: string };

/**
 * The identifiers travel in the workflow input only (Temporal keeps it for the
 * namespace's history retention); activities hand each other lead ids and
 * keyed hashes, never the identifiers.
 */
export interface PersonRequestInput extends TenantRef {
  readonly requestId: string;
  readonly person: PersonRef;
}

/** Rows erased (and suppressions recorded, caches cleared, webhooks sent), by kind. */
export type ErasedCounts = Readonly<Record<string, number>>;

export interface DeletionRequestRecord {
  readonly id: string;
  readonly status: RequestStatus;
  readonly erased: ErasedCounts | null;
  readonly error: string | null;
  readonly requestedAt: Date;
  readonly completedAt: Date | null;
}

export interface ExportRequestRecord {
  readonly id: string;
  readonly status: RequestStatus;
  readonly document: unknown;
  readonly requestedAt: Date;
  readonly completedAt: Date | null;
  readonly expiresAt: Date;
}

/** An export holds personal data, so it is kept for a week and then no longer served. */
export const EXPORT_TTL_DAYS = 7;

export const deletePersonWorkflowId = (tenantId: string, requestId: string): string => `delete:${tenantId}:${requestId}`;
export const exportPersonWorkflowId = (tenantId: string, requestId: string): string => `export:${tenantId}:${requestId}`;

const DELETION_COLUMNS = `id, status, erased, error, requested_at as "requestedAt", completed_at as "completedAt"`;
const EXPORT_COLUMNS = `id, status, document, requested_at as "requestedAt", completed_at as "completedAt", expires_at as "expiresAt"`;

export async function insertDeletionRequest(sql: TenantSql, id: string): Promise<DeletionRequestRecord> {
  const [row] = await sql.query<DeletionRequestRecord>(`insert into {t}.deletion_requests (id) values ($1) returning ${DELETION_COLUMNS}`, [id]);
  if (row === undefined) throw new Error('the deletion request insert returned no row');
  return row;
}

export async function findDeletionRequest(sql: TenantSql, id: string): Promise<DeletionRequestRecord | undefined> {
  return (await sql.query<DeletionRequestRecord>(`select ${DELETION_COLUMNS} from {t}.deletion_requests where id = $1`, [id]))[0];
}

/** Expired exports are never served, whether or not they were purged yet. */
export async function findExportRequest(sql: TenantSql, id: string): Promise<ExportRequestRecord | undefined> {
  return (await sql.query<ExportRequestRecord>(`select ${EXPORT_COLUMNS} from {t}.export_requests where id = $1 and expires_at > now()`, [id]))[0];
}

export async function insertExportRequest(sql: TenantSql, id: string): Promise<ExportRequestRecord> {
  const [row] = await sql.query<ExportRequestRecord>(
    `insert into {t}.export_requests (id, expires_at) values ($1, now() + make_interval(days => $2)) returning ${EXPORT_COLUMNS}`,
    [id, EXPORT_TTL_DAYS],
  );
  if (row === undefined) throw new Error('the export request insert returned no row');
  return row;
}

/** Exports past their time, document and all; run with every new request, so none outlives it by much. */
export async function purgeExpiredExports(sql: TenantSql): Promise<number> {
  return (await sql.query('delete from {t}.export_requests where expires_at <= now() returning id')).length;
}

export async function failDeletionRequest(sql: TenantSql, id: string, error: string): Promise<void> {
  await sql.query(`update {t}.deletion_requests set status = 'FAILED', error = $2, completed_at = now() where id = $1 and status <> 'COMPLETED'`, [
    id,
    error.slice(0, 2000),
  ]);
}

/** An export row has no room for a reason: a failed export is simply asked for again. */
export async function failExportRequest(sql: TenantSql, id: string): Promise<void> {
  await sql.query(`update {t}.export_requests set status = 'FAILED', completed_at = now() where id = $1 and status <> 'COMPLETED'`, [id]);
}
