import type { TenantMigration } from '../migration.js';

/**
 * Retention for every personal store, beside `event_retention_days` (0006),
 * enforced by the same daily retention run:
 * - `session_retention_days`: visits (address, device, pages), by start; a
 *   session's events go with it, so no event outlives its session.
 * - `webhook_delivery_retention_days`: deliveries and the payloads they carry.
 * - `vendor_body_retention_days`: what vendors answered as received: the
 *   bodies kept for inspection on calls, and the long-term company answers.
 * - `consent_retention_days`: consent changes, the proof of each decision.
 * - `export_retention_days`: a person's export document (was a fixed week).
 * Each window is read by an index on the time it is counted from; those times
 * never change after the insert, so the indexes cost nothing on the updates
 * sessions take on every event.
 */
export const personalDataRetentionMigration: TenantMigration = {
  name: '0015-personal-data-retention',
  up: (s) => [
    `alter table ${s}.settings
       add column session_retention_days integer not null default 396 check (session_retention_days between 1 and 3650),
       add column webhook_delivery_retention_days integer not null default 30 check (webhook_delivery_retention_days between 1 and 3650),
       add column vendor_body_retention_days integer not null default 90 check (vendor_body_retention_days between 1 and 3650),
       add column consent_retention_days integer not null default 1095 check (consent_retention_days between 1 and 3650),
       add column export_retention_days integer not null default 7 check (export_retention_days between 1 and 90)`,
    `create index sessions_started_idx on ${s}.sessions (started_at)`,
    `create index webhook_deliveries_created_idx on ${s}.webhook_deliveries (created_at)`,
    // Only calls that kept a body: once it is cleared the row leaves the index.
    `create index enrichment_calls_raw_idx on ${s}.enrichment_calls (at) where raw is not null`,
    `create index company_answers_fetched_idx on ${s}.company_answers (fetched_at)`,
    `create index consent_changes_at_idx on ${s}.consent_changes (at)`,
  ],
};
