import type { Logger } from '../../platform/logging/logger.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { ledgerRoleFacts } from './credits.repository.js';

/** Why the connection's role could change the ledger's append-only rule; undefined when it cannot. */
export async function ledgerGuardGap(control: ControlDb): Promise<string | undefined> {
  const row = await ledgerRoleFacts(control);
  if (row === undefined) return undefined;
  // A superuser passes every privilege check; the owner's role (or a member of it) may drop the trigger.
  if (row.superuser) return `${row.role} is a superuser`;
  if (row.owns === true) return `${row.role} is or is a member of ${row.owner ?? 'the owner'}, the owner of control.credit_ledger`;
  // Such a role may grant itself membership of the owner's.
  if (row.create_role) return `${row.role} may create roles and grant their membership`;
  return undefined;
}

/** Logs a warning when the application's connection could change the ledger's append-only rule (README, "Credits"). */
export async function warnIfLedgerUnguarded(control: ControlDb, log: Logger): Promise<void> {
  const reason = await ledgerGuardGap(control);
  if (reason === undefined) return;
  log.warn('the credit ledger is append-only by a trigger only: the application role can remove it; run the application as a non-owner role', { reason });
}
