import type { TenantMigration } from '../migration.js';

/**
 * Forgetting people and proving it:
 * - `suppressions`: hashed identifiers of erased people (never the
 *   identifiers); ingestion drops their events and counts them in
 *   `suppressed_events` (per day, no identifiers either).
 * - `deletion_requests`: a request's status and what was erased, as counts;
 *   no email, no id of the person, so the audit trail holds no personal data.
 * - `export_requests`: a person's data as one JSON document, kept until it
 *   expires (it is personal data too).
 * - `consent_changes`: who granted or withdrew consent, when, from where.
 * - `settings.event_retention_days`: how long raw events are kept (13 months
 *   by default). No index by time on events for it: ingestion would pay for it
 *   on every insert, and the daily retention run walks the primary key in ranges instead.
 */
export const privacyMigration: TenantMigration = {
  name: '0006-privacy',
  up: (s) => [
    `create table ${s}.suppressions (
       hash text primary key,
       kind text not null check (kind in ('email', 'user_id', 'anonymous_id')),
       created_at timestamptz not null default now()
     )`,
    `create table ${s}.suppressed_events (
       day date primary key,
       count bigint not null
     )`,
    `create table ${s}.deletion_requests (
       id text primary key,
       status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')),
       erased jsonb not null default '{}',
       error text,
       requested_at timestamptz not null default now(),
       completed_at timestamptz
     )`,
    `create table ${s}.export_requests (
       id text primary key,
       status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')),
       document jsonb,
       requested_at timestamptz not null default now(),
       completed_at timestamptz,
       expires_at timestamptz not null
     )`,
    `create table ${s}.consent_changes (
       id bigint generated always as identity primary key,
       lead_id text,
       anonymous_id text,
       granted boolean not null,
       categories jsonb not null default '{}',
       source text not null,
       at timestamptz not null default now()
     )`,
    `create index consent_changes_lead_idx on ${s}.consent_changes (lead_id, at desc)`,
    `alter table ${s}.settings add column event_retention_days integer not null default 396 check (event_retention_days between 1 and 3650)`,
  ],
};
