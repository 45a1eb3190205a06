import { failure, success, type Outcome } from '../../platform/outcome.js';
import type { Database, Sql } from '../../platform/postgres/database.js';

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
export function createCreditLedger(deps: { db: Database; onBalanceChanged: BalanceListener }): CreditLedger {
  const lockBalance = async (tx: Sql, tenantId: string) => {
    const rows = await tx.query<{ balance: number }>(
      'select balance from control.credit_balances where tenant_id = $1 for update',
      [tenantId],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`tenant ${tenantId} has no credit balance`);
    return row.balance;
  };

  const seenBefore = async (tx: Sql, entry: Pick<LedgerEntry, 'tenantId' | 'idempotencyKey'>) => {
    const rows = await tx.query(
      'select 1 from control.credit_ledger where tenant_id = $1 and idempotency_key = $2',
      [entry.tenantId, entry.idempotencyKey],
    );
    return rows.length > 0;
  };

  const append = async (tx: Sql, row: LedgerRow, onConflict = '') => {
    const { entry } = row;
    await tx.query(
      `insert into control.credit_ledger (tenant_id, kind, amount, balance_after, operation, idempotency_key, reason, key_id, refunds)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) ${onConflict}`,
      [
        entry.tenantId,
        row.kind,
        row.signedAmount,
        row.balanceAfter,
        entry.operation,
        row.idempotencyKey ?? entry.idempotencyKey,
        entry.reason ?? null,
        entry.keyId ?? null,
        row.refunds ?? null,
      ],
    );
  };

  const apply = async (tx: Sql, row: LedgerRow) => {
    await tx.query('update control.credit_balances set balance = $2, updated_at = now() where tenant_id = $1', [
      row.entry.tenantId,
      row.balanceAfter,
    ]);
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
      const result = await deps.db.transaction(async (tx): Promise<Outcome<LedgerResult>> => {
        const balance = await lockBalance(tx, entry.tenantId);
        if (await seenBefore(tx, entry)) return success({ balance, replayed: true });
        if (balance < entry.amount) {
          // Its own key, not the charge's: a retry once credits arrive must still be able to charge.
          await append(
            tx,
            { entry, kind: 'refused', signedAmount: 0, balanceAfter: balance, idempotencyKey: `${entry.idempotencyKey}#refused` },
            'on conflict (tenant_id, idempotency_key) do nothing',
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
      const result = await deps.db.transaction(async (tx) => {
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
      const result = await deps.db.transaction(async (tx): Promise<RefundResult> => {
        const balance = await lockBalance(tx, entry.tenantId);
        const own = await tx.query<{ kind: LedgerKind }>(
          'select kind from control.credit_ledger where tenant_id = $1 and idempotency_key = $2',
          [entry.tenantId, entry.idempotencyKey],
        );
        if (own[0] !== undefined) return { balance, replayed: true, refunded: own[0].kind === 'refund' };
        const charges = await tx.query<{ amount: number; operation: string; refunded: boolean }>(
          `select amount, operation,
                  exists (select 1 from control.credit_ledger r where r.tenant_id = c.tenant_id and r.refunds = c.idempotency_key) as refunded
             from control.credit_ledger c
            where c.tenant_id = $1 and c.idempotency_key = $2 and c.kind = 'charge' and c.operation <> $3`,
          [entry.tenantId, refundsKey, GRANT_OPERATION],
        );
        const charge = charges[0];
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
      return deps.db.transaction(async (tx) => {
        const balance = await lockBalance(tx, entry.tenantId);
        if (await seenBefore(tx, entry)) return { balance, replayed: true };
        await append(tx, { entry, kind: 'cached', signedAmount: 0, balanceAfter: balance });
        return { balance, replayed: false };
      });
    },

    async balance(tenantId) {
      const rows = await deps.db.query<{ balance: number }>(
        'select balance from control.credit_balances where tenant_id = $1',
        [tenantId],
      );
      return rows[0]?.balance ?? 0;
    },

    async usage(tenantId, range) {
      const rows = await deps.db.query<UsageLine>(
        `select operation,
                (count(*) filter (where kind = 'charge') - count(*) filter (where kind = 'refund'))::int as count,
                coalesce(-sum(amount) filter (where kind in ('charge', 'refund')), 0)::int as credits,
                (count(*) filter (where kind = 'cached'))::int as cached,
                (count(*) filter (where kind = 'refused'))::int as refused
           from control.credit_ledger
          where tenant_id = $1 and operation <> $2 and kind <> 'grant'
            and ($3::timestamptz is null or created_at >= $3) and ($4::timestamptz is null or created_at < $4)
          group by operation
          order by operation`,
        [tenantId, GRANT_OPERATION, range.from ?? null, range.to ?? null],
      );
      return rows;
    },
  };
}
