/**
 * A completed erasure's receipt: what was erased where, and when, as the
 * request's row counted it in the transactions that erased it. Counts and
 * table names only: nothing in it names the person (not even a lead id).
 */
import type { ErasedCounts } from './privacy-requests.js';

/** Each erased-count key that is a table's rows, and that table, in the order the erasure reaches them. */
const TABLES: ReadonlyArray<readonly [string, string]> = [
  ['ingestLog', 'ingest_log'],
  ['consentChanges', 'consent_changes'],
  ['webhookDeliveries', 'webhook_deliveries'],
  ['exports', 'export_requests'],
  ['enrichmentCalls', 'enrichment_calls'],
  ['enrichmentJobs', 'enrichment_jobs'],
  ['leadFields', 'lead_fields'],
  ['segmentMemberships', 'segment_memberships'],
  ['merges', 'merges'],
  ['identityConflicts', 'identity_conflicts'],
  ['events', 'events'],
  ['sessions', 'sessions'],
  ['identities', 'identities'],
  ['leads', 'leads'],
];

/** The counts that are not rows of a table, under the keys the erasure's activities record them. */
export const RECEIPT_COUNTS = {
  cacheEntries: 'cacheEntries',
  suppressionsRecorded: 'suppressionsRecorded',
  workflowsTerminated: 'workflowsTerminated',
  webhooksTold: 'webhooksTold',
} as const;

export interface ErasedRows {
  readonly table: string;
  readonly rows: number;
}

export interface DeletionReceipt {
  /** When the workflow took the request up; null for requests completed before receipts were kept. */
  readonly startedAt: Date | null;
  readonly completedAt: Date;
  /** Every table the erasure reaches, with the rows it deleted there (0 included). */
  readonly tables: readonly ErasedRows[];
  /** Answers cached in Redis about the person's email (and name) that were still there and were purged. */
  readonly cacheEntriesPurged: number;
  readonly suppressionsRecorded: number;
  /** Workflows about the person's leads that were running and were terminated (their enrichment), so none writes back. */
  readonly workflowsTerminated: number;
  /** Export documents about the person, deleted (not hidden). */
  readonly exportDocumentsDeleted: number;
  /** `lead.deleted` deliveries recorded for subscribed webhooks, one per webhook and erased lead. */
  readonly webhooksTold: number;
}

const count = (erased: ErasedCounts, key: string): number => erased[key] ?? 0;

export function deletionReceiptOf(request: {
  readonly status: string;
  readonly erased: ErasedCounts | null;
  readonly startedAt: Date | null;
  readonly completedAt: Date | null;
}): DeletionReceipt | null {
  if (request.status !== 'COMPLETED' || request.completedAt === null) return null;
  const erased = request.erased ?? {};
  return {
    startedAt: request.startedAt,
    completedAt: request.completedAt,
    tables: TABLES.map(([key, table]) => ({ table, rows: count(erased, key) })),
    cacheEntriesPurged: count(erased, RECEIPT_COUNTS.cacheEntries),
    suppressionsRecorded: count(erased, RECEIPT_COUNTS.suppressionsRecorded),
    workflowsTerminated: count(erased, RECEIPT_COUNTS.workflowsTerminated),
    exportDocumentsDeleted: count(erased, 'exports'),
    webhooksTold: count(erased, RECEIPT_COUNTS.webhooksTold),
  };
}
