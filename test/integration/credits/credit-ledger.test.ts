import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

    it('a charge larger than the balance is credits-exhausted with balance and required, and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 5 });
      const before = await rowsOf(tenant.id);

      const result = await ledger().charge({ tenantId: tenant.id, amount: 6, operation: 'enrich', idempotencyKey: `k:${randomUUID()}` });

      expect(result).toEqual({ ok: false, problem: { kind: 'credits-exhausted', balance: 5, required: 6 } });
      expect(await ledger().balance(tenant.id)).toBe(5);
      expect(await rowsOf(tenant.id)).toEqual(before);
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
