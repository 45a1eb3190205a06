import type { ControlMigration } from '../migration.js';

/**
 * Usage must tell returned reservations, free cache hits and refusals apart from charges.
 * Rows written before this keep kind 'charge'; grants among them are still known by operation = 'grant'.
 */
export const ledgerKindsMigration: ControlMigration = {
  name: '0005-ledger-kinds',
  up: () => [
    `alter table control.credit_ledger
       add column kind text not null default 'charge' check (kind in ('grant', 'charge', 'refund', 'cached', 'refused')),
       add column refunds text`,
    // A charge is returned at most once, whatever key each refund arrives with.
    `create unique index credit_ledger_refunds_idx on control.credit_ledger (tenant_id, refunds) where refunds is not null`,
  ],
};
