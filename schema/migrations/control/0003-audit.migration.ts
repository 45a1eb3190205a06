import type { ControlMigration } from '../migration.js';

/** Who ran which mutation, when, and how it ended; never arguments, so never personal data. */
export const auditMigration: ControlMigration = {
  name: '0003-audit',
  up: () => [
    `create table control.audit_log (
       id bigserial primary key,
       tenant_id text references control.tenants (id),
       actor text not null check (actor in ('admin', 'key')),
       key_id text,
       operation text not null,
       outcome text not null,
       at timestamptz not null default now()
     )`,
    `create index audit_log_tenant_idx on control.audit_log (tenant_id, at)`,
  ],
};
