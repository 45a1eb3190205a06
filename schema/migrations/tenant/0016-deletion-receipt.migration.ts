import type { TenantMigration } from '../migration.js';

/**
 * The deletion receipt's start time (its end is `completed_at`; what it
 * erased is `erased`, counted in the transactions that erased it), and a
 * partial index that makes "does this tenant still hold version 1
 * suppressions?" free, since ingestion's processor asks it in every chunk.
 */
export const deletionReceiptMigration: TenantMigration = {
  name: '0016-deletion-receipt',
  up: (s) => [
    `alter table ${s}.deletion_requests add column started_at timestamptz`,
    `create index suppressions_legacy on ${s}.suppressions (hash) where hash_version = 1`,
  ],
};
