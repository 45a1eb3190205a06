import type { ControlMigration } from '../migration.js';

/**
 * Each tenant's data key: what Temporal's payload codec encrypts the tenant's
 * workflow payloads with, sealed by the deployment's master key. Offboarding
 * empties `sealed` (crypto-shredding): every history the tenant left becomes
 * unreadable, while the row says which key it was and when it was destroyed.
 * One live key per tenant; the id travels in each payload's metadata.
 * `privacy_request_subjects` holds, under that key, who a deletion or export
 * request is about while its workflow runs.
 */
export const tenantDataKeysMigration: ControlMigration = {
  name: '0012-tenant-data-keys',
  up: () => [
    `create table control.tenant_data_keys (
       id text primary key,
       tenant_id text not null references control.tenants (id),
       sealed text,
       created_at timestamptz not null default now(),
       destroyed_at timestamptz,
       check ((sealed is null) = (destroyed_at is not null))
     )`,
    `create unique index tenant_data_keys_one_per_tenant on control.tenant_data_keys (tenant_id)`,
    // Who a privacy request is about, sealed with the tenant's data key, from the request until its workflow
    // settles it: the workflow's input carries the request's id, never the person's email.
    `create table control.privacy_request_subjects (
       tenant_id text not null references control.tenants (id),
       request_id text not null,
       sealed text not null,
       created_at timestamptz not null default now(),
       primary key (tenant_id, request_id)
     )`,
  ],
};
