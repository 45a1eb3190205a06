import type { TenantMigration } from '../migration.js';

/**
 * - `companies.name_key`: a company's name reduced for matching (see
 *   organizationNameKey), so a network's organisation finds the tenant's
 *   company of that name.
 * - `sessions (lead_id, last_activity_at)`: ingestion reads only the sessions
 *   that may still be open for the leads of a batch. It replaces the index by
 *   visitor, which nothing reads: every index on a session's last activity is
 *   rewritten by each event of the visit.
 */
export const companiesAndSessionsMigration: TenantMigration = {
  name: '0003-companies-and-sessions',
  up: (s) => [
    `alter table ${s}.companies add column name_key text`,
    `create index companies_name_key_idx on ${s}.companies (name_key) where name_key is not null`,
    `create index sessions_open_idx on ${s}.sessions (lead_id, last_activity_at desc)`,
    `drop index ${s}.sessions_visitor_idx`,
  ],
};
