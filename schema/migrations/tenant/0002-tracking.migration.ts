import type { TenantMigration } from '../migration.js';

/**
 * Behaviour and identity: events belong to sessions, sessions to leads.
 * A lead absorbed by a merge keeps its row (merged_into) so the merge can be undone.
 */
export const trackingMigration: TenantMigration = {
  name: '0002-tracking',
  up: (s) => [
    `create table ${s}.companies (
       id text primary key,
       domain text unique,
       name text,
       industry text,
       employees integer,
       revenue double precision,
       country text,
       tech_stack text[] not null default '{}',
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create table ${s}.leads (
       id text primary key,
       email text,
       user_id text,
       traits jsonb not null default '{}',
       company_id text references ${s}.companies (id),
       score integer not null default 0,
       needs_manual_enrichment boolean not null default false,
       last_enriched_at timestamptz,
       merged_into text references ${s}.leads (id),
       first_seen_at timestamptz not null,
       last_seen_at timestamptz not null,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create unique index leads_email_idx on ${s}.leads (lower(email)) where email is not null and merged_into is null`,
    `create unique index leads_user_id_idx on ${s}.leads (user_id) where user_id is not null and merged_into is null`,
    `create index leads_listing_idx on ${s}.leads (created_at desc, id desc) where merged_into is null`,
    `create table ${s}.identities (
       anonymous_id text primary key,
       lead_id text not null references ${s}.leads (id),
       first_seen_at timestamptz not null
     )`,
    `create index identities_lead_idx on ${s}.identities (lead_id)`,
    `create table ${s}.sessions (
       id text primary key,
       lead_id text not null references ${s}.leads (id),
       anonymous_id text,
       started_at timestamptz not null,
       last_activity_at timestamptz not null,
       page_views integer not null default 0,
       event_count integer not null default 0,
       campaign text,
       ip text,
       company_id text references ${s}.companies (id),
       properties jsonb not null default '{}'
     )`,
    `create index sessions_lead_idx on ${s}.sessions (lead_id, started_at desc)`,
    `create index sessions_visitor_idx on ${s}.sessions (anonymous_id, last_activity_at desc)`,
    `create table ${s}.events (
       id bigint generated always as identity primary key,
       message_id text not null,
       type text not null,
       name text not null,
       lead_id text not null references ${s}.leads (id),
       session_id text references ${s}.sessions (id),
       anonymous_id text,
       user_id text,
       at timestamptz not null,
       received_at timestamptz not null default now(),
       properties jsonb not null default '{}',
       context jsonb not null default '{}'
     )`,
    // Dedupe by messageId is exact and permanent, not a window.
    `create unique index events_message_idx on ${s}.events (message_id)`,
    `create index events_lead_idx on ${s}.events (lead_id, at desc)`,
    `create index events_session_idx on ${s}.events (session_id)`,
    `create table ${s}.merges (
       id text primary key,
       survivor_id text not null references ${s}.leads (id),
       absorbed_id text not null references ${s}.leads (id),
       cause text not null,
       moved jsonb not null,
       at timestamptz not null default now(),
       undone_at timestamptz
     )`,
    `create table ${s}.identity_conflicts (
       id text primary key,
       lead_id text not null references ${s}.leads (id),
       other_lead_id text not null references ${s}.leads (id),
       cause text not null,
       at timestamptz not null default now(),
       resolved_at timestamptz
     )`,
  ],
};
