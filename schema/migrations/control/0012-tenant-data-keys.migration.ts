import type { ControlMigration } from '../migration.js';

/**
 * Each tenant's data key: what Temporal's payload codec encrypts the tenant's
 * workflow payloads with, sealed by the deployment's master key. Offboarding
 * empties `sealed` (crypto-shredding): every history the tenant left becomes
 * unreadable, while the row says which key it was and when it was destroyed.
 * One live key per tenant; the id travels in each payload's metadata.
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
  ],
};
