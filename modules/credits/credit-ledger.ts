import { failure, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import {
  appendLedgerRow,
  chargeUnder,
  closeReservation,
  currentBalance,
  expiredReservations,
  ledgerKindOf,
  lockedBalance,
  openReservation,
  renewReservation,
  setBalance,
  usageByOperation,
} from './credits.repository.js';

export interface LedgerEntry {
  readonly tenantId: string;
  /** Credits taken (charge) or given (grant, refund); always positive here, the sign follows the kind. */
  readonly amount: number;
  readonly operation: string;
  /** Unique per tenant: a replay of the same key changes nothing and reports `replayed`. */
  readonly idempotencyKey: string;
  readonly reason?: string;
  readonly keyId?: string;
}

export interface LedgerResult {
  readonly balance: number;
  /** True when the idempotency key had been used already and nothing changed now; `balance` is then the current one. */
  readonly replayed: boolean;
}

export interface RefundResult extends LedgerResult {
  /** True when the key's row is a refund: written now, or earlier when `replayed`. */
  readonly refunded: boolean;
}

export interface UsageLine {
  readonly operation: string;
  /** Charges less refunds: a reservation returned in full is not a use. */
  readonly count: number;
  /** Net of refunds. */
  readonly credits: number;
  readonly cached: number;
  readonly refused: number;
}

export interface CreditLedger {
  /** A refusal is recorded (once per key) for usage, and returned as `credits-exhausted`. */
  charge(entry: LedgerEntry): Promise<Outcome<LedgerResult>>;
  /**
   * A charge held open until it is kept or refunded; one left unsettled past
   * the hold is released by `releaseExpired`. A replay renews the hold of a
   * reservation still open (a job alive between attempts).
   */
  reserve(entry: LedgerEntry): Promise<Outcome<LedgerResult>>;
  /** Keeps a reservation as the charge it is; `kept: false` when the sweep released it first (the call then goes unbilled). */
  keep(entry: { readonly tenantId: string; readonly reservationKey: string }): Promise<{ kept: boolean }>;
  /** Returns up to `limit` expired, unsettled reservations in full, each once (kind 'release'); how many it released and how many were due. */
  releaseExpired(limit: number): Promise<{ released: number; due: number }>;
  /** Written as kind 'grant', so usage leaves it out whatever its operation. */
  credit(entry: LedgerEntry): Promise<LedgerResult>;
  /**
   * Returns `entry.amount` of the charge keyed `refundsKey`, at most once per charge; an unknown
   * or already refunded charge is `refunded: false` and writes nothing. More than was charged,
   * or another operation than the charge's, is a bug and throws. It settles
   * a reservation under `refundsKey`; one already released is `refunded: false`.
   */
  refund(entry: LedgerEntry & { readonly refundsKey: string }): Promise<RefundResult>;
  /** Counts a cache hit: free, but visible in usage. */
  recordCached(entry: Omit<LedgerEntry, 'amount'>): Promise<LedgerResult>;
  balance(tenantId: string): Promise<number>;
  usage(tenantId: string, range: { from?: Date; to?: Date }): Promise<UsageLine[]>;
}

/** Told after a committed change, e.g. to push the new balance to subscribers. */
export type BalanceListener = (tenantId: string, balance: number) => void;

export const GRANT_OPERATION = 'grant';

/**
 * How long a reservation stays open unsettled before the sweep returns it:
 * longer than any live job holds one between its renewals (an enrichment
 * stage waits at most until the next UTC midnight for a daily limit).
 */
export const RESERVATION_HOLD_MS = 26 * 3_600_000;

/** The release of a reservation is keyed after it, as a refusal is: one per reservation. */
const releaseKey = (reservationKey: string) => `${reservationKey}#release`;

type LedgerKind = 'grant' | 'charge' | 'refund' | 'release' | 'cached' | 'refused';

interface LedgerRow {
  readonly entry: Omit<LedgerEntry, 'amount'>;
  readonly kind: LedgerKind;
  readonly signedAmount: number;
  readonly balanceAfter: number;
  readonly idempotencyKey?: string;
  readonly refunds?: string;
}

/**
 * Every change takes the tenant's balance row lock first, so changes of one
 * tenant are serialised: the idempotency check and the "never below zero"
 * check both see the latest committed state, however many run at once.
 */
export function createCreditLedger(deps: { control: ControlDb; onBalanceChanged: BalanceListener; reservationHoldMs?: number }): CreditLedger {
  const holdMs = deps.reservationHoldMs ?? RESERVATION_HOLD_MS;
  const lockBalance = async (tx: ControlDb, tenantId: string) => {
    const balance = await lockedBalance(tx, tenantId);
    if (balance === undefined) throw new Error(`tenant ${tenantId} has no credit balance`);
    return balance;
  };

  const seenBefore = async (tx: ControlDb, entry: Pick<LedgerEntry, 'tenantId' | 'idempotencyKey'>) =>
    (await ledgerKindOf(tx, entry.tenantId, entry.idempotencyKey)) !== undefined;

  const append = (tx: ControlDb, row: LedgerRow, opts: { ignoreReplay?: boolean } = {}) => {
    const { entry } = row;
    return appendLedgerRow(
      tx,
      {
        tenant_id: entry.tenantId,
        kind: row.kind,
        amount: row.signedAmount,
        balance_after: row.balanceAfter,
        operation: entry.operation,
        idempotency_key: row.idempotencyKey ?? entry.idempotencyKey,
        reason: entry.reason ?? null,
        key_id: entry.keyId ?? null,
        refunds: row.refunds ?? null,
      },
      opts,
    );
  };

  const apply = async (tx: ControlDb, row: LedgerRow) => {
    await setBalance(tx, row.entry.tenantId, row.balanceAfter);
    await append(tx, row);
  };

  const assertAmount = (entry: LedgerEntry) => {
    if (!Number.isSafeInteger(entry.amount) || entry.amount < 0) {
      throw new Error(`credit amounts are whole numbers of zero or more, got ${entry.amount}`);
    }
  };

  async function takeCharge(entry: LedgerEntry, reservation: boolean): Promise<Outcome<LedgerResult>> {
    assertAmount(entry);
    const result = await deps.control.transaction(async (tx): Promise<Outcome<LedgerResult>> => {
      const balance = await lockBalance(tx, entry.tenantId);
      if (await seenBefore(tx, entry)) {
        if (reservation) await renewReservation(tx, entry.tenantId, entry.idempotencyKey, holdMs);
        return success({ balance, replayed: true });
      }
      if (balance < entry.amount) {
        // Its own key, not the charge's: a retry once credits arrive must still be able to charge.
        await append(
          tx,
          { entry, kind: 'refused', signedAmount: 0, balanceAfter: balance, idempotencyKey: `${entry.idempotencyKey}#refused` },
          { ignoreReplay: true },
        );
        return failure({ kind: 'credits-exhausted', balance, required: entry.amount });
      }
      await apply(tx, { entry, kind: 'charge', signedAmount: -entry.amount, balanceAfter: balance - entry.amount });
      if (reservation) await openReservation(tx, { ...entry, holdMs });
      return success({ balance: balance - entry.amount, replayed: false });
    });
    if (result.ok && !result.value.replayed) deps.onBalanceChanged(entry.tenantId, result.value.balance);
    return result;
  }

  return {
    charge: (entry) => takeCharge(entry, false),

    reserve: (entry) => takeCharge(entry, true),

    async keep(entry) {
      return deps.control.transaction(async (tx) => {
        if ((await closeReservation(tx, entry.tenantId, entry.reservationKey)) !== undefined) return { kept: true };
        // Nothing open: kept before (a replay), made before reservations existed, or released by the sweep.
        const charge = await chargeUnder(tx, entry.tenantId, entry.reservationKey, GRANT_OPERATION);
        return { kept: charge !== undefined && !charge.refunded };
      });
    },

    async releaseExpired(limit) {
      const due = await expiredReservations(deps.control, limit);
      let released = 0;
      for (const reservation of due) {
        const tenantId = reservation.tenant_id;
        const balance = await deps.control.transaction(async (tx) => {
          const before = await lockBalance(tx, tenantId);
          // Settled since it was read (kept, refunded, renewed): the settlement stands.
          const open = await closeReservation(tx, tenantId, reservation.idempotency_key, { expiredOnly: true });
          if (open === undefined) return undefined;
          const entry = { tenantId, operation: open.operation, idempotencyKey: releaseKey(reservation.idempotency_key), reason: 'reservation expired unsettled' };
          const after = before + open.amount;
          await apply(tx, { entry, kind: 'release', signedAmount: open.amount, balanceAfter: after, refunds: reservation.idempotency_key });
          return after;
        });
        if (balance === undefined) continue;
        released += 1;
        deps.onBalanceChanged(tenantId, balance);
      }
      return { released, due: due.length };
    },

    async credit(entry) {
      assertAmount(entry);
      const result = await deps.control.transaction(async (tx) => {
        const balance = await lockBalance(tx, entry.tenantId);
        if (await seenBefore(tx, entry)) return { balance, replayed: true };
        await apply(tx, { entry, kind: 'grant', signedAmount: entry.amount, balanceAfter: balance + entry.amount });
        return { balance: balance + entry.amount, replayed: false };
      });
      if (!result.replayed) deps.onBalanceChanged(entry.tenantId, result.balance);
      return result;
    },

    async refund(entry) {
      assertAmount(entry);
      const { refundsKey } = entry;
      const result = await deps.control.transaction(async (tx): Promise<RefundResult> => {
        const balance = await lockBalance(tx, entry.tenantId);
        const own = await ledgerKindOf(tx, entry.tenantId, entry.idempotencyKey);
        if (own !== undefined) return { balance, replayed: true, refunded: own === 'refund' };
        await closeReservation(tx, entry.tenantId, refundsKey);
        const charge = await chargeUnder(tx, entry.tenantId, refundsKey, GRANT_OPERATION);
        if (charge === undefined || charge.refunded) return { balance, replayed: false, refunded: false };
        if (entry.amount > -charge.amount) {
          throw new Error(`refund of ${entry.amount} exceeds the ${-charge.amount} charged under ${refundsKey}`);
        }
        // Usage is per operation; a refund filed under another would skew both lines.
        if (entry.operation !== charge.operation) {
          throw new Error(`refund for ${entry.operation} names a ${charge.operation} charge (${refundsKey})`);
        }
        await apply(tx, { entry, kind: 'refund', signedAmount: entry.amount, balanceAfter: balance + entry.amount, refunds: refundsKey });
        return { balance: balance + entry.amount, replayed: false, refunded: true };
      });
      if (result.refunded && !result.replayed) deps.onBalanceChanged(entry.tenantId, result.balance);
      return result;
    },

    async recordCached(entry) {
      // The lock keeps balance_after in step with concurrent charges, so rows still form a running sum.
      return deps.control.transaction(async (tx) => {
        const balance = await lockBalance(tx, entry.tenantId);
        if (await seenBefore(tx, entry)) return { balance, replayed: true };
        await append(tx, { entry, kind: 'cached', signedAmount: 0, balanceAfter: balance });
        return { balance, replayed: false };
      });
    },

    async balance(tenantId) {
      return (await currentBalance(deps.control, tenantId)) ?? 0;
    },

    usage: (tenantId, range) => usageByOperation(deps.control, tenantId, GRANT_OPERATION, range),
  };
}
