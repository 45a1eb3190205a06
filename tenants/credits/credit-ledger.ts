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

export interface UsageLine {
  readonly operation: string;
  readonly count: number;
  readonly credits: number;
}

export interface CreditLedger {
  charge(entry: LedgerEntry): Promise<Outcome<LedgerResult>>;
  credit(entry: LedgerEntry): Promise<LedgerResult>;
  balance(tenantId: string): Promise<number>;
  usage(tenantId: string, range: { from?: Date; to?: Date }): Promise<UsageLine[]>;
}

/** Told after a committed change, e.g. to push the new balance to subscribers. */
export type BalanceListener = (tenantId: string, balance: number) => void;

export const GRANT_OPERATION = 'grant';

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

  const seenBefore = async (tx: Sql, entry: LedgerEntry) => {
    const rows = await tx.query(
      'select 1 from control.credit_ledger where tenant_id = $1 and idempotency_key = $2',
      [entry.tenantId, entry.idempotencyKey],
    );
    return rows.length > 0;
  };

  const apply = async (tx: Sql, entry: LedgerEntry, signedAmount: number, balanceAfter: number) => {
    await tx.query('update control.credit_balances set balance = $2, updated_at = now() where tenant_id = $1', [
      entry.tenantId,
      balanceAfter,
    ]);
    await tx.query(
      `insert into control.credit_ledger (tenant_id, amount, balance_after, operation, idempotency_key, reason, key_id)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [entry.tenantId, signedAmount, balanceAfter, entry.operation, entry.idempotencyKey, entry.reason ?? null, entry.keyId ?? null],
    );
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
        if (balance < entry.amount) return failure({ kind: 'credits-exhausted', balance, required: entry.amount });
        await apply(tx, entry, -entry.amount, balance - entry.amount);
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
        await apply(tx, entry, entry.amount, balance + entry.amount);
        return { balance: balance + entry.amount, replayed: false };
      });
      if (!result.replayed) deps.onBalanceChanged(entry.tenantId, result.balance);
      return result;
    },

    async balance(tenantId) {
      const rows = await deps.db.query<{ balance: number }>(
        'select balance from control.credit_balances where tenant_id = $1',
        [tenantId],
      );
      return rows[0]?.balance ?? 0;
    },

    async usage(tenantId, range) {
      const rows = await deps.db.query<{ operation: string; count: number; credits: number }>(
        `select operation, count(*) filter (where amount <= 0)::int as count, (-sum(amount))::int as credits
           from control.credit_ledger
          where tenant_id = $1 and operation <> $2
            and ($3::timestamptz is null or created_at >= $3) and ($4::timestamptz is null or created_at < $4)
          group by operation
          order by operation`,
        [tenantId, GRANT_OPERATION, range.from ?? null, range.to ?? null],
      );
      return rows;
    },
  };
}
