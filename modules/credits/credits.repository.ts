/**
 * The credits module's tables, `control.credit_balances` (the running sum, one
 * row per tenant, locked by every change), `control.credit_ledger` (the
 * append-only record) and `control.credit_reservations` (charges not settled yet).
 */
import { sql, type Insertable } from 'kysely';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { ControlRows } from '../../schema/tables/tables.js';

/** The zero balance every tenant is made with; a change locks it, so it must exist first. */
export async function openCreditBalance(control: ControlDb, tenantId: string): Promise<void> {
  await control.kysely.insertInto('credit_balances').values({ tenant_id: tenantId, balance: 0 }).execute();
}

/** The balance, its row locked to the end of the transaction: changes of one tenant queue here. */
export async function lockedBalance(tx: ControlDb, tenantId: string): Promise<number | undefined> {
  const row = await tx.kysely.selectFrom('credit_balances').select('balance').where('tenant_id', '=', tenantId).forUpdate().executeTakeFirst();
  return row?.balance;
}

export async function currentBalance(control: ControlDb, tenantId: string): Promise<number | undefined> {
  const row = await control.kysely.selectFrom('credit_balances').select('balance').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.balance;
}

export async function setBalance(tx: ControlDb, tenantId: string, balance: number): Promise<void> {
  await tx.kysely
    .updateTable('credit_balances')
    .set((eb) => ({ balance, updated_at: eb.fn('now') }))
    .where('tenant_id', '=', tenantId)
    .execute();
}

/** The kind of the tenant's ledger row under `idempotencyKey`, if there is one. */
export async function ledgerKindOf(tx: ControlDb, tenantId: string, idempotencyKey: string): Promise<string | undefined> {
  const row = await tx.kysely
    .selectFrom('credit_ledger')
    .select('kind')
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row?.kind;
}

export type NewLedgerRow = Pick<
  Insertable<ControlRows.CreditLedger>,
  'tenant_id' | 'kind' | 'amount' | 'balance_after' | 'operation' | 'idempotency_key' | 'reason' | 'key_id' | 'refunds'
>;

/** Appends a row; `ignoreReplay`: a row already under the key is kept and nothing is written. */
export async function appendLedgerRow(tx: ControlDb, row: NewLedgerRow, opts: { ignoreReplay?: boolean } = {}): Promise<void> {
  const insert = tx.kysely.insertInto('credit_ledger').values(row);
  await (opts.ignoreReplay === true ? insert.onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing()) : insert).execute();
}

/** A charge of another operation than `exceptOperation` under `idempotencyKey`, and whether a refund names it already. */
export async function chargeUnder(tx: ControlDb, tenantId: string, idempotencyKey: string, exceptOperation: string) {
  return tx.kysely
    .selectFrom('credit_ledger as c')
    .select((eb) => [
      'c.amount',
      'c.operation',
      eb
        .exists(
          eb
            .selectFrom('credit_ledger as r')
            .select(eb.lit(1).as('one'))
            .whereRef('r.tenant_id', '=', 'c.tenant_id')
            .whereRef('r.refunds', '=', 'c.idempotency_key'),
        )
        .$castTo<boolean>()
        .as('refunded'),
    ])
    .where('c.tenant_id', '=', tenantId)
    .where('c.idempotency_key', '=', idempotencyKey)
    .where('c.kind', '=', 'charge')
    .where('c.operation', '<>', exceptOperation)
    .executeTakeFirst();
}

/** Kinds that give a charge back: a settlement's refund, the sweep's release of an expired reservation. */
const RETURNS = ['refund', 'release'] as const;

/**
 * Use per operation in a period: charges less refunds and releases, credits net of
 * refunds, cache hits and refusals; grants (by kind or operation) left out.
 */
export async function usageByOperation(control: ControlDb, tenantId: string, grantOperation: string, range: { from?: Date; to?: Date }) {
  let query = control.kysely
    .selectFrom('credit_ledger')
    .select((eb) => [
      'operation',
      eb
        .cast<number>(eb(eb.fn.countAll().filterWhere('kind', '=', 'charge'), '-', eb.fn.countAll().filterWhere('kind', 'in', RETURNS)), 'integer')
        .as('count'),
      eb.cast<number>(eb.fn.coalesce(eb.neg(eb.fn.sum('amount').filterWhere('kind', 'in', ['charge', ...RETURNS])), eb.lit(0)), 'integer').as('credits'),
      eb.cast<number>(eb.fn.countAll().filterWhere('kind', '=', 'cached'), 'integer').as('cached'),
      eb.cast<number>(eb.fn.countAll().filterWhere('kind', '=', 'refused'), 'integer').as('refused'),
    ])
    .where('tenant_id', '=', tenantId)
    .where('operation', '<>', grantOperation)
    .where('kind', '<>', 'grant');
  if (range.from !== undefined) query = query.where('created_at', '>=', range.from);
  if (range.to !== undefined) query = query.where('created_at', '<', range.to);
  return query.groupBy('operation').orderBy('operation').execute();
}

/** Opens a reservation of the charge under `idempotencyKey`, returned by the sweep once `holdMs` has passed unsettled. */
export async function openReservation(
  tx: ControlDb,
  row: { tenantId: string; idempotencyKey: string; amount: number; operation: string; holdMs: number },
): Promise<void> {
  await tx.kysely
    .insertInto('credit_reservations')
    .values({
      tenant_id: row.tenantId,
      idempotency_key: row.idempotencyKey,
      amount: row.amount,
      operation: row.operation,
      // The database's clock, as the sweep reads it: workers' clocks never disagree with it.
      expires_at: sql<Date>`now() + ${row.holdMs} * interval '1 millisecond'`,
    })
    .execute();
}

/** A replayed reservation still open is held `holdMs` from now; whether it is still open. */
export async function renewReservation(tx: ControlDb, tenantId: string, idempotencyKey: string, holdMs: number): Promise<boolean> {
  const rows = await tx.kysely
    .updateTable('credit_reservations')
    .set({ expires_at: sql<Date>`greatest(expires_at, now() + ${holdMs} * interval '1 millisecond')` })
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', '=', idempotencyKey)
    .returning('amount')
    .execute();
  return rows.length > 0;
}

/**
 * Closes the reservation (`expiredOnly`: only if past its expiry) and returns
 * what it held; undefined when nothing was open, so only one closer settles it.
 */
export async function closeReservation(tx: ControlDb, tenantId: string, idempotencyKey: string, opts: { expiredOnly?: boolean } = {}) {
  let query = tx.kysely.deleteFrom('credit_reservations').where('tenant_id', '=', tenantId).where('idempotency_key', '=', idempotencyKey);
  if (opts.expiredOnly === true) query = query.where('expires_at', '<=', sql<Date>`now()`);
  return query.returning(['amount', 'operation']).executeTakeFirst();
}

/** Reservations past their expiry, oldest first. */
export async function expiredReservations(control: ControlDb, limit: number) {
  return control.kysely
    .selectFrom('credit_reservations')
    .select(['tenant_id', 'idempotency_key'])
    .where('expires_at', '<=', sql<Date>`now()`)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
}

/** The connection's role and what it is to the ledger: superuser, may create roles, (a member of) its owner. */
export async function ledgerRoleFacts(control: ControlDb) {
  const rows = await control.query<{ role: string; superuser: boolean; create_role: boolean; owns: boolean | null; owner: string | null }>(
    `select current_user as role, r.rolsuper as superuser, r.rolcreaterole as create_role,
            pg_has_role(current_user, c.relowner, 'member') as owns, pg_get_userbyid(c.relowner) as owner
       from pg_roles r
       left join pg_class c on c.oid = to_regclass('control.credit_ledger')
      where r.rolname = current_user`,
  );
  return rows[0];
}
