/**
 * Deletion and export requests as rows, and what passes between their
 * workflows and activities (plain data: it is written into the workflows'
 * histories, so ids and keyed hashes only). A deletion request's row is the audit entry: status, times and
 * counts, never the identifiers it was asked with.
 */
import type { DeletionReceipt } from './deletion-receipt.js';

export type RequestStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface TenantRef {
  readonly tenantId: string;
  readonly schema: string;
}

/** Who a request is about: exactly one of the two. */
export type PersonRef = { readonly email: string } | { readonly leadId: string };

/**
 * A request's workflow input: its id, never who it is about (Temporal keeps
 * inputs for the namespace's history retention). The activities read the
 * person from the request's sealed subject (request-subjects.ts) and hand each
 * other lead ids and keyed hashes, never the identifiers.
 */
export interface PersonRequestInput extends TenantRef {
  readonly requestId: string;
  /** Only in the input of a request made before the subject was kept apart (its workflow may still be running). */
  readonly person?: PersonRef;
}

/** Rows erased (and suppressions recorded, caches cleared, webhooks sent), by kind. */
export type ErasedCounts = Readonly<Record<string, number>>;

export interface DeletionRequestRecord {
  readonly id: string;
  readonly status: RequestStatus;
  readonly erased: ErasedCounts | null;
  readonly error: string | null;
  readonly requestedAt: Date;
  /** When the workflow took it up. */
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
  /** Once COMPLETED: what was erased where, and when; null before. */
  readonly receipt: DeletionReceipt | null;
}

export interface ExportRequestRecord {
  readonly id: string;
  readonly status: RequestStatus;
  readonly document: unknown;
  readonly requestedAt: Date;
  readonly completedAt: Date | null;
  readonly expiresAt: Date;
}

