import { failure, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { appendLedgerRow, chargeUnder, currentBalance, ledgerKindOf, lockedBalance, setBalance, usageByOperation } from './credits.repository.js';

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
  /** Written as kind 'grant', so usage leaves it out whatever its operation. */
  credit(entry: LedgerEntry): Promise<LedgerResult>;
  /**
   * Returns `entry.amount` of the charge keyed `refundsKey`, at most once per charge; an unknown
   * or already refunded charge is `refunded: false` and writes nothing. More than was charged,
   * or another operation than the charge's, is a bug and throws.
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

type LedgerKind = 'grant' | 'charge' | 'refund' | 'cached' | 'refused';

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
export function createCreditLedger(deps: { control: ControlDb; onBalanceChanged: BalanceListener }): CreditLedger {
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

  return {
    async charge(entry) {
      assertAmount(entry);
      const result = await deps.control.transaction(async (tx): Promise<Outcome<LedgerResult>> => {
        const balance = await lockBalance(tx, entry.tenantId);
        if (await seenBefore(tx, entry)) return success({ balance, replayed: true });
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
        return success({ balance: balance - entry.amount, replayed: false });
      });
      if (result.ok && !result.value.replayed) deps.onBalanceChanged(entry.tenantId, result.value.balance);
      return result;
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
