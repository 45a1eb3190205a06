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
 * - Events, the table every ingested message lands in, keep no foreign keys
 *   and no index by session: the two per-row key checks and the extra index
 *   cost a third of a batch insert. Their lead and session come from the one
 *   write path that creates those rows in the same statement (batch-writer),
 *   merges and splits move them by lead, and deletion removes a person's
 *   events by lead before the lead; a test checks that no event is ever
 *   left without its lead and session.
 * - `leads.last_seen_at` goes: keeping it meant rewriting the lead row for
 *   every event, and a lead's last activity is its sessions' (and events')
 *   to tell. A lead row now changes only when something about the person
 *   does: identifiers, traits, company.
 */
export const companiesAndSessionsMigration: TenantMigration = {
  name: '0003-companies-and-sessions',
  up: (s) => [
    `alter table ${s}.companies add column name_key text`,
    `create index companies_name_key_idx on ${s}.companies (name_key) where name_key is not null`,
    `drop index ${s}.sessions_visitor_idx`,
    `alter table ${s}.sessions set (fillfactor = 70)`,
    `alter table ${s}.leads set (fillfactor = 80)`,
    `alter table ${s}.events drop constraint events_lead_id_fkey, drop constraint events_session_id_fkey`,
    `drop index ${s}.events_session_idx`,
    `alter table ${s}.leads drop column last_seen_at`,
  ],
};
