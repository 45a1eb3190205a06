import type { ControlMigration } from '../migration.js';

/**
 * An operator's request to offboard a tenant, kept after the tenant's schema is
 * gone so the request can still be read. One per tenant: asking again returns it.
 * `erased` holds counts by kind (keys, hosts, workflows, cache entries), nothing more.
 */
export const tenantDeletionsMigration: ControlMigration = {
  name: '0006-tenant-deletions',
  up: () => [
    `create table control.tenant_deletions (
       id text primary key,
       tenant_id text not null unique references control.tenants (id),
       status text not null default 'QUEUED' check (status in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')),
       erased jsonb not null default '{}',
       requested_at timestamptz not null default now(),
       completed_at timestamptz,
       error text
     )`,
  ],
};
