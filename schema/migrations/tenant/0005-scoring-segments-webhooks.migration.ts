import type { TenantMigration } from '../migration.js';

/**
 * What a sales team acts on:
 * - `scoring_models`: every version of the tenant's model; the newest is in
 *   force. `leads.score_breakdown` explains the score the lead holds.
 * - `segments` and `segment_memberships`: one row per stay of a lead in a
 *   segment (entered, exited), so membership keeps its history; the open stay
 *   (exited_at null) is unique per lead and segment.
 * - `webhooks` and `webhook_deliveries`: endpoints with their signing secret
 *   (sealed) and event types; every delivery with its payload and attempts.
 */
export const scoringSegmentsWebhooksMigration: TenantMigration = {
  name: '0005-scoring-segments-webhooks',
  up: (s) => [
    `create table ${s}.scoring_models (
       version integer primary key,
       rules jsonb not null,
       created_at timestamptz not null default now()
     )`,
    `alter table ${s}.leads add column score_breakdown jsonb not null default '[]', add column scored_at timestamptz`,
    `create index leads_score_idx on ${s}.leads (score desc) where merged_into is null`,
    `create table ${s}.segments (
       id text primary key,
       name text not null,
       rule jsonb not null,
       windowed boolean not null,
       created_at timestamptz not null default now(),
       deleted_at timestamptz
     )`,
    `create table ${s}.segment_memberships (
       segment_id text not null references ${s}.segments (id),
       lead_id text not null,
       entered_at timestamptz not null,
       exited_at timestamptz
     )`,
    `create unique index segment_memberships_open_idx on ${s}.segment_memberships (segment_id, lead_id) where exited_at is null`,
    `create index segment_memberships_lead_idx on ${s}.segment_memberships (lead_id) where exited_at is null`,
    `create table ${s}.webhooks (
       id text primary key,
       url text not null,
       events text[] not null,
       sealed_secret text not null,
       disabled_at timestamptz,
       disabled_reason text,
       consecutive_failures integer not null default 0,
       created_at timestamptz not null default now()
     )`,
    `create table ${s}.webhook_deliveries (
       id text primary key,
       webhook_id text not null references ${s}.webhooks (id),
       event_type text not null,
       payload jsonb not null,
       status text not null default 'PENDING' check (status in ('PENDING', 'DELIVERED', 'FAILED')),
       attempts integer not null default 0,
       last_status integer,
       last_error text,
       created_at timestamptz not null default now(),
       delivered_at timestamptz
     )`,
    `create index webhook_deliveries_webhook_idx on ${s}.webhook_deliveries (webhook_id, created_at desc)`,
  ],
};
