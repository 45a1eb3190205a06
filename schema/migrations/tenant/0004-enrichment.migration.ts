import type { TenantMigration } from '../migration.js';

/**
 * Enrichment's state, all in the tenant's schema so offboarding and deletion
 * reach it with the rest of the tenant's data:
 * - `enrichment_settings`: one row; the waterfall order, prices the tenant
 *   overrides, its confidence threshold, staleness, daily credit limit.
 * - `enrichment_vendors`: HTTP vendors the tenant configured; the API key only
 *   sealed (secret-box, AAD naming tenant and vendor), never in `config`.
 * - `enrichment_jobs`: one row per requested enrichment; at most one queued or
 *   running per lead, which is what makes a second request join the first.
 * - `enrichment_calls`: what each provider answered for a job, what it cost,
 *   and a vendor body that did not parse (kept for inspection, capped).
 * - `lead_fields`: every enriched field with its provenance and the values it beat.
 * - `company_answers`: the long-term cache of answers about a company domain.
 * - `companies.imported_at`: the record came from the tenant's own import, so
 *   its fields reach leads as tenant-supplied values.
 */
export const enrichmentMigration: TenantMigration = {
  name: '0004-enrichment',
  up: (s) => [
    `create table ${s}.enrichment_settings (
       id boolean primary key default true check (id),
       waterfall text[] not null default '{tenant-dataset,ip-organization,email-verification,company-homepage}',
       prices jsonb not null default '{}',
       confidence_threshold double precision not null default 0.6 check (confidence_threshold between 0 and 1),
       staleness_days integer not null default 90 check (staleness_days between 1 and 3650),
       daily_credit_limit integer check (daily_credit_limit >= 0),
       auto_enrich boolean not null default true,
       answer_cache_hours integer not null default 24 check (answer_cache_hours between 1 and 720),
       company_cache_days integer not null default 60 check (company_cache_days between 1 and 3650),
       updated_at timestamptz not null default now()
     )`,
    `insert into ${s}.enrichment_settings default values`,
    `create table ${s}.enrichment_vendors (
       id text primary key,
       config jsonb not null,
       sealed_key text not null,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create table ${s}.enrichment_jobs (
       id text primary key,
       lead_id text not null,
       trigger text not null check (trigger in ('request', 'batch', 'identified', 'stale', 'retry')),
       status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')),
       credits_charged integer not null default 0,
       error text,
       paused_reason text,
       created_at timestamptz not null default now(),
       started_at timestamptz,
       finished_at timestamptz
     )`,
    `create unique index enrichment_jobs_active_idx on ${s}.enrichment_jobs (lead_id) where status in ('QUEUED', 'RUNNING')`,
    `create index enrichment_jobs_lead_idx on ${s}.enrichment_jobs (lead_id, created_at desc)`,
    `create index enrichment_jobs_failed_idx on ${s}.enrichment_jobs (created_at desc) where status = 'FAILED'`,
    `create table ${s}.enrichment_calls (
       id bigint generated always as identity primary key,
       job_id text not null,
       provider text not null,
       outcome text not null check (outcome in ('match', 'no-match', 'failure', 'cached', 'skipped', 'refused')),
       credits integer not null default 0,
       reason text,
       raw text,
       at timestamptz not null default now(),
       unique (job_id, provider)
     )`,
    `create table ${s}.lead_fields (
       lead_id text not null,
       field text not null,
       value jsonb not null,
       confidence double precision not null,
       source text not null,
       verified boolean not null,
       supplied boolean not null,
       fetched_at timestamptz not null,
       expires_at timestamptz not null,
       below_threshold boolean not null,
       conflicts jsonb not null default '[]',
       primary key (lead_id, field)
     )`,
    `create table ${s}.company_answers (
       domain text not null,
       provider text not null,
       answer jsonb not null,
       fetched_at timestamptz not null,
       expires_at timestamptz not null,
       primary key (domain, provider)
     )`,
    `alter table ${s}.companies add column imported_at timestamptz`,
    // Re-enrichment walks the stalest leads first; never-enriched ones are not its business.
    `create index leads_enriched_idx on ${s}.leads (last_enriched_at) where merged_into is null and last_enriched_at is not null`,
  ],
};
