import type { ControlMigration } from '../migration.js';

/** Owns the ledger and its trigger; nobody logs in as it, and the application is not a member. */
export const LEDGER_OWNER_ROLE = 'leadgraph_ledger_owner';
/** What the application's login role is granted (GRANT leadgraph_application TO <login>): DML on the control schema, only SELECT and INSERT on the ledger. */
export const APPLICATION_ROLE = 'leadgraph_application';

/**
 * Reservations: a charge taken before a metered call is open until the job
 * settles it (kept or refunded) or the sweep releases it after `expires_at`
 * (a job terminated in between). Whoever deletes the open row settles; the
 * ledger's unique index on `refunds` backs that up, so a late settle and the
 * sweep never both return it. Open rows are working state, not the record:
 * the ledger keeps the charge and its refund or release.
 *
 * The append-only rule by privileges: the trigger alone is dropped by the
 * table's owner, so the ledger goes to a role of its own. Run as the
 * application's role, this fails (it may neither create roles nor give a
 * table away): control migrations then run through MIGRATION_DATABASE_URL
 * (README, "Credits"). Roles are shared by the databases of a server, so
 * each is made only where missing, and a concurrent maker is no error.
 */
export const creditReservationsMigration: ControlMigration = {
  name: '0011-credit-reservations',
  up: () => [
    `create table control.credit_reservations (
       tenant_id text not null references control.tenants (id),
       idempotency_key text not null,
       amount integer not null check (amount >= 0),
       operation text not null,
       expires_at timestamptz not null,
       created_at timestamptz not null default now(),
       primary key (tenant_id, idempotency_key)
     )`,
    `create index credit_reservations_expiry_idx on control.credit_reservations (expires_at)`,
    `alter table control.credit_ledger
       drop constraint credit_ledger_kind_check,
       add constraint credit_ledger_kind_check check (kind in ('grant', 'charge', 'refund', 'release', 'cached', 'refused'))`,
    `do $$
     declare
       wanted text;
     begin
       foreach wanted in array array['${LEDGER_OWNER_ROLE}', '${APPLICATION_ROLE}'] loop
         if not exists (select 1 from pg_roles where rolname = wanted) then
           begin
             execute format('create role %I nologin', wanted);
           exception when duplicate_object or unique_violation then null;
           end;
         end if;
       end loop;
       -- Giving the table away needs membership of its new owner: the migration's role (not the application's) takes it.
       if not pg_has_role(current_user, '${LEDGER_OWNER_ROLE}', 'member') then
         execute format('grant ${LEDGER_OWNER_ROLE} to %I', current_user);
       end if;
     exception when insufficient_privilege then
       raise exception using
         errcode = 'insufficient_privilege',
         message = format('control migration 0011 gives the credit ledger to the role ${LEDGER_OWNER_ROLE}, which %s may not make or join (%s)', current_user, sqlerrm),
         hint = 'run control migrations as a role that may create roles, through MIGRATION_DATABASE_URL (README, "Credits")';
     end $$`,
    // Its foreign key's checks run as the owner, which must reach the schema.
    `grant usage on schema control to ${LEDGER_OWNER_ROLE}`,
    // Its id sequence and indexes follow the table; a trigger belongs to its table.
    `alter table control.credit_ledger owner to ${LEDGER_OWNER_ROLE}`,
    `alter function control.credit_ledger_append_only() owner to ${LEDGER_OWNER_ROLE}`,
    `grant usage on schema control to ${APPLICATION_ROLE}`,
    `grant select, insert, update, delete on all tables in schema control to ${APPLICATION_ROLE}`,
    `grant usage, select on all sequences in schema control to ${APPLICATION_ROLE}`,
    // Tables later migrations make (as this same role) are the application's to use in the same way.
    `alter default privileges in schema control grant select, insert, update, delete on tables to ${APPLICATION_ROLE}`,
    `alter default privileges in schema control grant usage, select on sequences to ${APPLICATION_ROLE}`,
    `revoke all on control.credit_ledger from public, ${APPLICATION_ROLE}`,
    `grant select, insert on control.credit_ledger to ${APPLICATION_ROLE}`,
  ],
};
