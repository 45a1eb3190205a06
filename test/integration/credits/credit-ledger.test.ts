import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCreditLedger } from '../../../modules/credits/credit-ledger.js';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';

describe('credit ledger (charging service)', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  const ledger = () => gateway.services.ledger;

  const rowsOf = (tenantId: string) =>
    gateway.services.db.query<{ amount: number; balance_after: number; operation: string; idempotency_key: string; reason: string | null }>(
      'select amount, balance_after, operation, idempotency_key, reason from control.credit_ledger where tenant_id = $1 order by id',
      [tenantId],
    );

  const kindsOf = async (tenantId: string) =>
    (await gateway.services.db.query<{ kind: string }>('select kind from control.credit_ledger where tenant_id = $1 order by id', [tenantId])).map(
      (r) => r.kind,
    );

  /** A ledger over the same database whose balance listener records what it is told. */
  const observedLedger = () => {
    const told: { tenantId: string; balance: number }[] = [];
    const observed = createCreditLedger({ control: gateway.services.control, onBalanceChanged: (tenantId, balance) => told.push({ tenantId, balance }) });
    return { ledger: observed, told };
  };

  const chargeRowCount = async (tenantId: string) => {
    const rows = await gateway.services.db.query<{ n: number }>(
      'select count(*)::int as n from control.credit_ledger where tenant_id = $1 and amount < 0',
      [tenantId],
    );
    return rows[0]?.n;
  };

  describe('charge', () => {
    it('200 parallel charges of 1 credit against a balance of 50 charge exactly 50 and refuse 150, leaving zero', async () => {
      const tenant = await createTenant(gateway, { credits: 50 });

      const results = await Promise.all(
        Array.from({ length: 200 }, () =>
          ledger().charge({ tenantId: tenant.id, amount: 1, operation: 'enrich', idempotencyKey: `charge:${randomUUID()}` }),
        ),
      );

      const charged = results.filter((r) => r.ok);
      const refused = results.filter((r) => !r.ok);
      expect(charged).toHaveLength(50);
      expect(charged.every((r) => r.ok && !r.value.replayed)).toBe(true);
      // Every successful charge saw a different balance: 49, 48, ..., 0.
      expect(charged.map((r) => (r.ok ? r.value.balance : -1)).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(refused).toHaveLength(150);
      for (const r of refused) {
        expect(r.ok ? undefined : r.problem).toEqual({ kind: 'credits-exhausted', balance: 0, required: 1 });
      }

      expect(await ledger().balance(tenant.id)).toBe(0);
      expect(await chargeRowCount(tenant.id)).toBe(50);
      const balanceRow = await gateway.services.db.query<{ balance: number }>(
        'select balance from control.credit_balances where tenant_id = $1',
        [tenant.id],
      );
      expect(balanceRow[0]?.balance).toBe(0);
    });

    it('a replayed idempotency key charges once, however many calls race', async () => {
      const tenant = await createTenant(gateway, { credits: 100 });
      const key = `enrich:${randomUUID()}`;

      const results = await Promise.all(
        Array.from({ length: 20 }, () => ledger().charge({ tenantId: tenant.id, amount: 7, operation: 'enrich', idempotencyKey: key })),
      );

      expect(results.every((r) => r.ok)).toBe(true);
      const firsts = results.filter((r) => r.ok && !r.value.replayed);
      const replays = results.filter((r) => r.ok && r.value.replayed);
      expect(firsts).toHaveLength(1);
      expect(firsts[0]?.ok && firsts[0].value.balance).toBe(93);
      expect(replays).toHaveLength(19);

      const rows = await gateway.services.db.query<{ n: number }>(
        'select count(*)::int as n from control.credit_ledger where tenant_id = $1 and idempotency_key = $2',
        [tenant.id, key],
      );
      expect(rows[0]?.n).toBe(1);
      expect(await ledger().balance(tenant.id)).toBe(93);
    });

    it('a charge larger than the balance is credits-exhausted with balance and required, and records only the refusal', async () => {
      const tenant = await createTenant(gateway, { credits: 5 });
      const before = await rowsOf(tenant.id);
      const key = `k:${randomUUID()}`;

      const result = await ledger().charge({ tenantId: tenant.id, amount: 6, operation: 'enrich', idempotencyKey: key });

      expect(result).toEqual({ ok: false, problem: { kind: 'credits-exhausted', balance: 5, required: 6 } });
      expect(await ledger().balance(tenant.id)).toBe(5);
      expect(await rowsOf(tenant.id)).toEqual([
        ...before,
        { amount: 0, balance_after: 5, operation: 'enrich', idempotency_key: `${key}#refused`, reason: null },
      ]);
      expect(await kindsOf(tenant.id)).toEqual(['grant', 'refused']);
    });

    it('a refused charge does not burn its idempotency key: the same key succeeds once credits arrive', async () => {
      const tenant = await createTenant(gateway, { credits: 1 });
      const key = `k:${randomUUID()}`;
      const refused = await ledger().charge({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: key });
      expect(refused.ok).toBe(false);

      await ledger().credit({ tenantId: tenant.id, amount: 10, operation: 'grant', idempotencyKey: `grant:${randomUUID()}` });
      const retried = await ledger().charge({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: key });
      expect(retried).toEqual({ ok: true, value: { balance: 8, replayed: false } });
    });

    it('refuses amounts that are not whole non-negative numbers, and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const before = await rowsOf(tenant.id);
      await expect(ledger().charge({ tenantId: tenant.id, amount: -1, operation: 'enrich', idempotencyKey: 'neg' })).rejects.toThrow(
        /whole numbers/,
      );
      await expect(ledger().charge({ tenantId: tenant.id, amount: 1.5, operation: 'enrich', idempotencyKey: 'frac' })).rejects.toThrow(
        /whole numbers/,
      );
      expect(await rowsOf(tenant.id)).toEqual(before);
      expect(await ledger().balance(tenant.id)).toBe(10);
    });

    it("charges one tenant only: another tenant's balance and rows are untouched, even with the same idempotency key", async () => {
      const a = await createTenant(gateway, { credits: 20 });
      const b = await createTenant(gateway, { credits: 20 });
      const bRowsBefore = await rowsOf(b.id);
      const key = `shared:${randomUUID()}`;

      const chargedA = await ledger().charge({ tenantId: a.id, amount: 4, operation: 'enrich', idempotencyKey: key });
      expect(chargedA).toEqual({ ok: true, value: { balance: 16, replayed: false } });
      expect(await ledger().balance(b.id)).toBe(20);
      expect(await rowsOf(b.id)).toEqual(bRowsBefore);

      // Keys are unique per tenant: B using the same key is a first charge of B's, not a replay of A's.
      const chargedB = await ledger().charge({ tenantId: b.id, amount: 3, operation: 'enrich', idempotencyKey: key });
      expect(chargedB).toEqual({ ok: true, value: { balance: 17, replayed: false } });
      expect(await ledger().balance(a.id)).toBe(16);
    });
  });

  describe('credit', () => {
    it('a replayed key credits once, however many calls race', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const key = `refund:${randomUUID()}`;

      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          ledger().credit({ tenantId: tenant.id, amount: 25, operation: 'enrich', idempotencyKey: key, reason: 'refund of a failed enrichment' }),
        ),
      );

      expect(results.filter((r) => !r.replayed)).toEqual([{ balance: 35, replayed: false }]);
      expect(results.filter((r) => r.replayed)).toHaveLength(9);
      expect(await ledger().balance(tenant.id)).toBe(35);
      const rows = (await rowsOf(tenant.id)).filter((r) => r.idempotency_key === key);
      expect(rows).toEqual([
        { amount: 25, balance_after: 35, operation: 'enrich', idempotency_key: key, reason: 'refund of a failed enrichment' },
      ]);
    });

    it('refuses a negative or fractional amount and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const before = await rowsOf(tenant.id);
      await expect(ledger().credit({ tenantId: tenant.id, amount: -5, operation: 'grant', idempotencyKey: 'neg' })).rejects.toThrow(
        /whole numbers/,
      );
      await expect(ledger().credit({ tenantId: tenant.id, amount: 0.5, operation: 'grant', idempotencyKey: 'frac' })).rejects.toThrow(
        /whole numbers/,
      );
      expect(await rowsOf(tenant.id)).toEqual(before);
      expect(await ledger().balance(tenant.id)).toBe(10);
    });

    it('refuses a tenant that does not exist and writes nothing', async () => {
      const ghost = `ghost${randomUUID().replaceAll('-', '').slice(0, 9)}`;
      await expect(ledger().credit({ tenantId: ghost, amount: 5, operation: 'grant', idempotencyKey: 'x' })).rejects.toThrow(
        /no credit balance/,
      );
      await expect(ledger().charge({ tenantId: ghost, amount: 5, operation: 'enrich', idempotencyKey: 'y' })).rejects.toThrow(
        /no credit balance/,
      );
      expect(await rowsOf(ghost)).toEqual([]);
    });

    it("credits one tenant only: another tenant's balance is untouched", async () => {
      const a = await createTenant(gateway, { credits: 1 });
      const b = await createTenant(gateway, { credits: 1 });
      await ledger().credit({ tenantId: a.id, amount: 9, operation: 'grant', idempotencyKey: `grant:${randomUUID()}` });
      expect(await ledger().balance(a.id)).toBe(10);
      expect(await ledger().balance(b.id)).toBe(1);
    });
  });

  describe('refund', () => {
    it('returns credits of a charge, tells the balance listener, and takes the charge out of usage', async () => {
      const tenant = await createTenant(gateway, { credits: 20 });
      const { ledger: observed, told } = observedLedger();
      const chargeKey = `k:${randomUUID()}`;
      await observed.charge({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: chargeKey });

      const refunded = await observed.refund({
        tenantId: tenant.id,
        amount: 5,
        operation: 'enrich',
        idempotencyKey: `refund:${chargeKey}`,
        refundsKey: chargeKey,
        reason: 'provider failed',
      });

      expect(refunded).toEqual({ balance: 20, replayed: false, refunded: true });
      expect(await ledger().balance(tenant.id)).toBe(20);
      expect(told).toEqual([
        { tenantId: tenant.id, balance: 15 },
        { tenantId: tenant.id, balance: 20 },
      ]);
      expect(await kindsOf(tenant.id)).toEqual(['grant', 'charge', 'refund']);
      expect(await ledger().usage(tenant.id, {})).toEqual([{ operation: 'enrich', count: 0, credits: 0, cached: 0, refused: 0 }]);
    });

    it('a partial refund returns only its amount', async () => {
      const tenant = await createTenant(gateway, { credits: 20 });
      const chargeKey = `k:${randomUUID()}`;
      await ledger().charge({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: chargeKey });
      const refunded = await ledger().refund({ tenantId: tenant.id, amount: 2, operation: 'enrich', idempotencyKey: `r:${randomUUID()}`, refundsKey: chargeKey });
      expect(refunded).toEqual({ balance: 17, replayed: false, refunded: true });
      expect(await ledger().usage(tenant.id, {})).toEqual([{ operation: 'enrich', count: 0, credits: 3, cached: 0, refused: 0 }]);
    });

    it('a replayed refund key is replayed and changes nothing, however many calls race', async () => {
      const tenant = await createTenant(gateway, { credits: 20 });
      const chargeKey = `k:${randomUUID()}`;
      await ledger().charge({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: chargeKey });
      const refund = { tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: `r:${randomUUID()}`, refundsKey: chargeKey };

      const results = await Promise.all(Array.from({ length: 10 }, () => ledger().refund(refund)));

      expect(results.filter((r) => !r.replayed)).toEqual([{ balance: 20, replayed: false, refunded: true }]);
      expect(results.filter((r) => r.replayed)).toEqual(Array.from({ length: 9 }, () => ({ balance: 20, replayed: true, refunded: true })));
      expect(await ledger().balance(tenant.id)).toBe(20);
      expect(await kindsOf(tenant.id)).toEqual(['grant', 'charge', 'refund']);
    });

    it('refunds a charge at most once: a second refund under another key is refunded: false and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 20 });
      const { ledger: observed, told } = observedLedger();
      const chargeKey = `k:${randomUUID()}`;
      await ledger().charge({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: chargeKey });
      await ledger().refund({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: `r1:${randomUUID()}`, refundsKey: chargeKey });
      const before = await rowsOf(tenant.id);

      const second = await observed.refund({ tenantId: tenant.id, amount: 2, operation: 'enrich', idempotencyKey: `r2:${randomUUID()}`, refundsKey: chargeKey });

      expect(second).toEqual({ balance: 18, replayed: false, refunded: false });
      expect(await rowsOf(tenant.id)).toEqual(before);
      expect(told).toEqual([]);
    });

    it('an unknown charge, a grant, a refusal or another tenant\'s charge is refunded: false and writes nothing', async () => {
      const a = await createTenant(gateway, { credits: 3 });
      const b = await createTenant(gateway, { credits: 20 });
      const ofB = `k:${randomUUID()}`;
      await ledger().charge({ tenantId: b.id, amount: 5, operation: 'enrich', idempotencyKey: ofB });
      const refusedKey = `k:${randomUUID()}`;
      await ledger().charge({ tenantId: a.id, amount: 9, operation: 'enrich', idempotencyKey: refusedKey });
      const before = await rowsOf(a.id);

      for (const refundsKey of [`k:${randomUUID()}`, 'opening-grant', `${refusedKey}#refused`, refusedKey, ofB]) {
        const result = await ledger().refund({ tenantId: a.id, amount: 0, operation: 'enrich', idempotencyKey: `r:${randomUUID()}`, refundsKey });
        expect(result).toEqual({ balance: 3, replayed: false, refunded: false });
      }
      expect(await rowsOf(a.id)).toEqual(before);
      expect(await ledger().balance(b.id)).toBe(15);
    });

    it('throws on a refund larger than its charge, or filed under another operation, and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 20 });
      const chargeKey = `k:${randomUUID()}`;
      await ledger().charge({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: chargeKey });
      const before = await rowsOf(tenant.id);

      await expect(
        ledger().refund({ tenantId: tenant.id, amount: 6, operation: 'enrich', idempotencyKey: `r:${randomUUID()}`, refundsKey: chargeKey }),
      ).rejects.toThrow(/exceeds/);
      await expect(
        ledger().refund({ tenantId: tenant.id, amount: 5, operation: 'verify_email', idempotencyKey: `r:${randomUUID()}`, refundsKey: chargeKey }),
      ).rejects.toThrow(/names a enrich charge/);
      await expect(
        ledger().refund({ tenantId: tenant.id, amount: -1, operation: 'enrich', idempotencyKey: `r:${randomUUID()}`, refundsKey: chargeKey }),
      ).rejects.toThrow(/whole numbers/);

      expect(await rowsOf(tenant.id)).toEqual(before);
      expect(await ledger().balance(tenant.id)).toBe(15);
    });
  });

  describe('recordCached', () => {
    it('counts a cache hit in usage at no cost, once per key, without telling the balance listener', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const { ledger: observed, told } = observedLedger();
      const hit = { tenantId: tenant.id, operation: 'enrich', idempotencyKey: `cached:${randomUUID()}` };

      expect(await observed.recordCached(hit)).toEqual({ balance: 10, replayed: false });
      expect(await observed.recordCached(hit)).toEqual({ balance: 10, replayed: true });
      await observed.recordCached({ ...hit, idempotencyKey: `cached:${randomUUID()}` });

      expect(await ledger().balance(tenant.id)).toBe(10);
      expect(await ledger().usage(tenant.id, {})).toEqual([{ operation: 'enrich', count: 0, credits: 0, cached: 2, refused: 0 }]);
      expect(await kindsOf(tenant.id)).toEqual(['grant', 'cached', 'cached']);
      expect(told).toEqual([]);
    });

    it('records for one tenant only', async () => {
      const a = await createTenant(gateway, { credits: 10 });
      const b = await createTenant(gateway, { credits: 10 });
      const key = `cached:${randomUUID()}`;
      await ledger().recordCached({ tenantId: a.id, operation: 'enrich', idempotencyKey: key });
      expect(await ledger().usage(b.id, {})).toEqual([]);
      expect(await ledger().recordCached({ tenantId: b.id, operation: 'enrich', idempotencyKey: key })).toEqual({ balance: 10, replayed: false });
    });
  });

  describe('refused charges', () => {
    it('a refusal retried with the same key is recorded once, leaves the balance, and tells no listener', async () => {
      const tenant = await createTenant(gateway, { credits: 2 });
      const { ledger: observed, told } = observedLedger();
      const attempt = { tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` };

      for (let i = 0; i < 2; i++) {
        expect(await observed.charge(attempt)).toEqual({ ok: false, problem: { kind: 'credits-exhausted', balance: 2, required: 5 } });
      }

      expect(await ledger().balance(tenant.id)).toBe(2);
      expect(await ledger().usage(tenant.id, {})).toEqual([{ operation: 'enrich', count: 0, credits: 0, cached: 0, refused: 1 }]);
      expect(told).toEqual([]);
    });
  });

  describe('usage', () => {
    it('nets refunds out of count and credits, and counts cache hits and refusals per operation', async () => {
      const tenant = await createTenant(gateway, { credits: 15 });
      const keys = Array.from({ length: 3 }, () => `k:${randomUUID()}`);
      for (const idempotencyKey of keys) {
        expect((await ledger().charge({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey })).ok).toBe(true);
      }
      await ledger().refund({ tenantId: tenant.id, amount: 5, operation: 'enrich', idempotencyKey: `r:${randomUUID()}`, refundsKey: keys[0]! });
      await ledger().recordCached({ tenantId: tenant.id, operation: 'enrich', idempotencyKey: `c:${randomUUID()}` });
      await ledger().charge({ tenantId: tenant.id, amount: 6, operation: 'verify_email', idempotencyKey: `k:${randomUUID()}` });
      await ledger().recordCached({ tenantId: tenant.id, operation: 'lookup_ip', idempotencyKey: `c:${randomUUID()}` });

      expect(await ledger().usage(tenant.id, {})).toEqual([
        { operation: 'enrich', count: 2, credits: 10, cached: 1, refused: 0 },
        { operation: 'lookup_ip', count: 0, credits: 0, cached: 1, refused: 0 },
        { operation: 'verify_email', count: 0, credits: 0, cached: 0, refused: 1 },
      ]);
      expect(await ledger().balance(tenant.id)).toBe(5);
    });
  });

  describe('the ledger table', () => {
    it('is append-only: UPDATE and DELETE raise an error and leave the rows as they were', async () => {
      const tenant = await createTenant(gateway, { credits: 30 });
      await ledger().charge({ tenantId: tenant.id, amount: 10, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` });
      const before = await rowsOf(tenant.id);
      expect(before).toHaveLength(2);

      await expect(
        gateway.services.db.query('update control.credit_ledger set amount = 0 where tenant_id = $1', [tenant.id]),
      ).rejects.toThrow(/append-only/);
      await expect(gateway.services.db.query('delete from control.credit_ledger where tenant_id = $1', [tenant.id])).rejects.toThrow(
        /append-only/,
      );

      expect(await rowsOf(tenant.id)).toEqual(before);
    });

    it('never records a negative balance, and each row continues the running sum of the one before', async () => {
      const tenant = await createTenant(gateway, { credits: 12 });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 4 === 0
            ? ledger().credit({ tenantId: tenant.id, amount: 2, operation: 'grant', idempotencyKey: `grant:${randomUUID()}` })
            : ledger().charge({ tenantId: tenant.id, amount: 3, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` }),
        ),
      );

      const min = await gateway.services.db.query<{ min: number }>(
        'select min(balance_after)::int as min from control.credit_ledger where tenant_id = $1',
        [tenant.id],
      );
      expect(min[0]?.min).toBeGreaterThanOrEqual(0);

      const rows = await rowsOf(tenant.id);
      let running = 0;
      for (const row of rows) {
        running += row.amount;
        expect(row.balance_after).toBe(running);
      }
      expect(await ledger().balance(tenant.id)).toBe(running);
    });

    it('the database itself refuses a negative balance, whatever code writes', async () => {
      const tenant = await createTenant(gateway, { credits: 3 });
      await expect(
        gateway.services.db.query(
          `insert into control.credit_ledger (tenant_id, amount, balance_after, operation, idempotency_key) values ($1, -4, -1, 'enrich', $2)`,
          [tenant.id, `k:${randomUUID()}`],
        ),
      ).rejects.toThrow(/check constraint/);
      await expect(
        gateway.services.db.query('update control.credit_balances set balance = -1 where tenant_id = $1', [tenant.id]),
      ).rejects.toThrow(/check constraint/);
      expect(await ledger().balance(tenant.id)).toBe(3);
    });
  });
});
