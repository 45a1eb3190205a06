import type { ControlMigration } from '../migration.js';

export const platformMigration: ControlMigration = {
  name: '0001-platform',
  up: () => [
    `create table control.tenants (
       id text primary key,
       name text not null,
       schema_name text not null unique,
       status text not null default 'active' check (status in ('active', 'deleting', 'deleted')),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `create table control.api_keys (
       id text primary key,
       tenant_id text not null references control.tenants (id),
       kind text not null check (kind in ('secret', 'publishable')),
       name text not null,
       prefix text not null,
       secret_hash text not null unique,
       scopes text[] not null default '{}',
       ip_allowlist text[] not null default '{}',
       allowed_origins text[] not null default '{}',
       created_at timestamptz not null default now(),
       revoked_at timestamptz
     )`,
    `create index api_keys_tenant_idx on control.api_keys (tenant_id, created_at)`,
    `create table control.pixel_hosts (
       host text primary key,
       tenant_id text not null references control.tenants (id),
       created_at timestamptz not null default now()
     )`,
    `create index pixel_hosts_tenant_idx on control.pixel_hosts (tenant_id)`,
  ],
};
