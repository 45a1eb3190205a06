import type { ControlMigration } from '../migration.js';

/**
 * The ledger is the record; the balance row is its running sum, kept in the
 * same transaction so that a conditional UPDATE can refuse to go below zero
 * under any number of concurrent charges.
 */
export const creditsMigration: ControlMigration = {
  name: '0002-credits',
  up: () => [
    `create table control.credit_balances (
       tenant_id text primary key references control.tenants (id),
       balance bigint not null check (balance >= 0),
       updated_at timestamptz not null default now()
     )`,
    `create table control.credit_ledger (
       id bigserial primary key,
       tenant_id text not null references control.tenants (id),
       amount integer not null,
       balance_after bigint not null check (balance_after >= 0),
       operation text not null,
       idempotency_key text not null,
       reason text,
       key_id text,
       created_at timestamptz not null default now(),
       unique (tenant_id, idempotency_key)
     )`,
    `create index credit_ledger_usage_idx on control.credit_ledger (tenant_id, created_at)`,
    `create function control.credit_ledger_append_only() returns trigger language plpgsql as $$
       begin
         raise exception 'control.credit_ledger is append-only';
       end
     $$`,
    `create trigger credit_ledger_append_only
       before update or delete on control.credit_ledger
       for each row execute function control.credit_ledger_append_only()`,
    `create trigger credit_ledger_no_truncate
       before truncate on control.credit_ledger
       for each statement execute function control.credit_ledger_append_only()`,
  ],
};
