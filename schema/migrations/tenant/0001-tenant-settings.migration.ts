import type { TenantMigration } from '../migration.js';

/** White-label and privacy settings live with the tenant's data, one row per tenant schema. */
export const tenantSettingsMigration: TenantMigration = {
  name: '0001-tenant-settings',
  up: (schema) => [
    `create table ${schema}.settings (
       id boolean primary key default true check (id),
       script_path text not null default '/t.js',
       global_name text not null default 'lg',
       cookie_name text not null default '_lg_aid',
       require_consent boolean not null default false,
       ip_storage text not null default 'full' check (ip_storage in ('full', 'truncated', 'none')),
       updated_at timestamptz not null default now()
     )`,
    `insert into ${schema}.settings default values`,
  ],
};
