import type { TenantMigration } from '../migration.js';

/**
 * Automatic enrichment that a visitor's call (a publishable key: `/v1/*`,
 * t.js, pixels) sets off follows the tenant's policy, safe by default:
 * business addresses only, a daily credit cap, a few per visitor a day.
 * - `enrichment_settings.auto_*`: the policy; a null cap means none.
 * - `enrichment_jobs.automatic`: the job was admitted (or refused) under the
 *   policy; `reserved_credits` is the most it can cost, held against the
 *   day's cap until the job finishes and its real charge counts instead;
 *   `anonymous_id` is the visitor it came from.
 * - status `SKIPPED`: refused by the policy, with the reason in `error`;
 *   nothing was charged and nothing runs.
 * - Built-in providers' prices are the operator's floor now: a lower price
 *   a tenant set before (the catalog's prices of this release) is dropped.
 */
export const automaticEnrichmentPolicyMigration: TenantMigration = {
  name: '0008-automatic-enrichment-policy',
  up: (s) => [
    `alter table ${s}.enrichment_settings
       add column auto_business_only boolean not null default true,
       add column auto_daily_credit_cap integer default 100 check (auto_daily_credit_cap >= 0),
       add column auto_per_visitor_daily integer not null default 3 check (auto_per_visitor_daily >= 0)`,
    `alter table ${s}.enrichment_jobs
       drop constraint enrichment_jobs_status_check,
       add constraint enrichment_jobs_status_check check (status in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED')),
       add column automatic boolean not null default false,
       add column reserved_credits integer not null default 0,
       add column anonymous_id text`,
    `create index enrichment_jobs_automatic_idx on ${s}.enrichment_jobs (created_at) where automatic`,
    `update ${s}.enrichment_settings set prices = (
       select coalesce(jsonb_object_agg(key, value), '{}') from jsonb_each(prices)
        where not ((key = 'email-verification' and value::numeric < 1) or (key = 'company-homepage' and value::numeric < 2)))`,
  ],
};
