import type { TenantMigration } from '../migration.js';

/**
 * - `companies.name_key`: a company's name reduced for matching (see
 *   organizationNameKey), so a network's organisation finds the tenant's
 *   company of that name.
 * - Sessions and leads are updated by nearly every event. Keeping their
 *   updated columns (last activity, counters, traits) out of every index and
 *   leaving free room in each page lets PostgreSQL update them in place
 *   (heap-only tuples) instead of writing a new entry into each index. The
 *   index by visitor and last activity, which nothing reads, goes; ingestion
 *   finds open sessions through (lead_id, started_at).
 */
export const companiesAndSessionsMigration: TenantMigration = {
  name: '0003-companies-and-sessions',
  up: (s) => [
    `alter table ${s}.companies add column name_key text`,
    `create index companies_name_key_idx on ${s}.companies (name_key) where name_key is not null`,
    `drop index ${s}.sessions_visitor_idx`,
    `alter table ${s}.sessions set (fillfactor = 70)`,
    `alter table ${s}.leads set (fillfactor = 80)`,
  ],
};
