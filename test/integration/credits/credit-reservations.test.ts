import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCreditLedger, type CreditLedger } from '../../../modules/credits/credit-ledger.js';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';

/**
 * Reservations expire and the sweep (`releaseExpired`) returns them. Other
 * files' sweeps share this database, so assertions read each tenant's own
 * ledger rows rather than how many one call released.
 */
describe('credit reservations', () => {
  let gateway: TestGateway;
  /** The platform's ledger: a reservation is held for the default hold. */
  let held: CreditLedger;
  /** A ledger whose reservations expire at once: the next sweep may release them. */
  let expiring: CreditLedger;

  beforeAll(async () => {
    gateway = await startTestGateway();
    held = gateway.services.ledger;
    expiring = createCreditLedger({ control: gateway.services.control, onBalanceChanged: () => undefined, reservationHoldMs: 0 });
  });
  afterAll(async () => {
    await gateway.close();
  });

  const OPERATION = 'enrichment:vendor:test';
  const entry = (tenantId: string, amount = 7) => ({ tenantId, amount, operation: OPERATION, idempotencyKey: `enrich:${randomUUID()}:vendor:test:reserve` });

  const rowsOf = (tenantId: string) =>
    gateway.services.db.query<{ kind: string; amount: number; balance_after: number; idempotency_key: string; refunds: string | null }>(
      'select kind, amount, balance_after, idempotency_key, refunds from control.credit_ledger where tenant_id = $1 order by id',
      [tenantId],
    );
  const openOf = async (tenantId: string) =>
    (await gateway.services.db.query<{ idempotency_key: string }>('select idempotency_key from control.credit_reservations where tenant_id = $1', [tenantId])).map(
      (r) => r.idempotency_key,
    );

  it('an unsettled reservation past its hold is released once: the balance is back, one release row names it, usage shows no use', async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    const other = await createTenant(gateway, { credits: 50 });
    const reserved = entry(tenant.id);
    const live = entry(other.id, 5);
    expect((await expiring.reserve(reserved)).ok).toBe(true);
    expect((await held.reserve(live)).ok).toBe(true);
    expect(await held.balance(tenant.id)).toBe(93);

    // Three sweeps at once (two workers' schedules, a retry): one release.
    await Promise.all([expiring.releaseExpired(100), held.releaseExpired(100), expiring.releaseExpired(100)]);

    expect(await rowsOf(tenant.id)).toEqual([
      { kind: 'grant', amount: 100, balance_after: 100, idempotency_key: expect.any(String), refunds: null },
      { kind: 'charge', amount: -7, balance_after: 93, idempotency_key: reserved.idempotencyKey, refunds: null },
      { kind: 'release', amount: 7, balance_after: 100, idempotency_key: `${reserved.idempotencyKey}#release`, refunds: reserved.idempotencyKey },
    ]);
    expect(await held.balance(tenant.id)).toBe(100);
    expect(await openOf(tenant.id)).toEqual([]);
    expect(await held.usage(tenant.id, {})).toEqual([{ operation: OPERATION, count: 0, credits: 0, cached: 0, refused: 0 }]);
    // The other tenant's reservation is within its hold: untouched.
    expect(await openOf(other.id)).toEqual([live.idempotencyKey]);
    expect(await held.balance(other.id)).toBe(45);
  });

  it('a reservation replayed by its live job is held again from now, so the sweep leaves it', async () => {
    const tenant = await createTenant(gateway, { credits: 20 });
    const reserved = entry(tenant.id);
    await held.reserve(reserved);
    // As if the hold had run out between two attempts of its job.
    await gateway.services.db.query(`update control.credit_reservations set expires_at = now() - interval '1 minute' where tenant_id = $1`, [tenant.id]);

    const replay = await held.reserve(reserved);
    await held.releaseExpired(100);

    expect(replay).toEqual({ ok: true, value: { balance: 13, replayed: true } });
    expect(await openOf(tenant.id)).toEqual([reserved.idempotencyKey]);
    const hold = await gateway.services.db.query<{ hours: number }>(
      `select (extract(epoch from expires_at - now()) / 3600)::float8 as hours from control.credit_reservations where tenant_id = $1`,
      [tenant.id],
    );
    expect(hold[0]?.hours).toBeGreaterThan(25);
    expect((await rowsOf(tenant.id)).map((r) => r.kind)).toEqual(['grant', 'charge']);
  });

  it('a settle after the sweep changes nothing: keep is kept: false, refund is refunded: false, one release stands', async () => {
    const tenant = await createTenant(gateway, { credits: 30 });
    const kept = entry(tenant.id);
    const refunded = entry(tenant.id);
    await expiring.reserve(kept);
    await expiring.reserve(refunded);
    await expiring.releaseExpired(100);

    expect(await held.keep({ tenantId: tenant.id, reservationKey: kept.idempotencyKey })).toEqual({ kept: false });
    const refund = await held.refund({ ...refunded, idempotencyKey: `${refunded.idempotencyKey}:refund`, refundsKey: refunded.idempotencyKey });

    expect(refund).toEqual({ balance: 30, replayed: false, refunded: false });
    expect((await rowsOf(tenant.id)).map((r) => [r.kind, r.refunds])).toEqual([
      ['grant', null],
      ['charge', null],
      ['charge', null],
      ['release', kept.idempotencyKey],
      ['release', refunded.idempotencyKey],
    ]);
    expect(await held.balance(tenant.id)).toBe(30);
  });

  it('a settle before the sweep stands: a kept charge stays charged, a refund returns it once, and the sweep finds nothing', async () => {
    const tenant = await createTenant(gateway, { credits: 30 });
    const kept = entry(tenant.id);
    const refunded = entry(tenant.id);
    await expiring.reserve(kept);
    await expiring.reserve(refunded);

    expect(await held.keep({ tenantId: tenant.id, reservationKey: kept.idempotencyKey })).toEqual({ kept: true });
    expect(await held.keep({ tenantId: tenant.id, reservationKey: kept.idempotencyKey })).toEqual({ kept: true });
    await held.refund({ ...refunded, idempotencyKey: `${refunded.idempotencyKey}:refund`, refundsKey: refunded.idempotencyKey });
    await expiring.releaseExpired(100);

    expect((await rowsOf(tenant.id)).map((r) => [r.kind, r.refunds])).toEqual([
      ['grant', null],
      ['charge', null],
      ['charge', null],
      ['refund', refunded.idempotencyKey],
    ]);
    expect(await openOf(tenant.id)).toEqual([]);
    expect(await held.balance(tenant.id)).toBe(23);
  });

  it('settles racing sweeps: each reservation ends kept or returned once, never both, and the balance is the sum of what was kept', async () => {
    const tenant = await createTenant(gateway, { credits: 1000 });
    const reservations = Array.from({ length: 40 }, () => entry(tenant.id, 5));
    for (const reserved of reservations) await expiring.reserve(reserved);

    const settles = reservations.map((reserved, i) =>
      i % 2 === 0
        ? held.keep({ tenantId: tenant.id, reservationKey: reserved.idempotencyKey }).then((r) => ({ key: reserved.idempotencyKey, settledBy: r.kept ? 'keep' : 'none' }))
        : held
            .refund({ ...reserved, idempotencyKey: `${reserved.idempotencyKey}:refund`, refundsKey: reserved.idempotencyKey })
            .then((r) => ({ key: reserved.idempotencyKey, settledBy: r.refunded ? 'refund' : 'none' })),
    );
    const [outcomes] = await Promise.all([Promise.all(settles), expiring.releaseExpired(100), expiring.releaseExpired(100), expiring.releaseExpired(100)]);

    const rows = await rowsOf(tenant.id);
    const returns = rows.filter((r) => r.refunds !== null);
    for (const { key, settledBy } of outcomes) {
      const returned = returns.filter((r) => r.refunds === key).map((r) => r.kind);
      // A keep that won leaves the charge alone; a refund that won is the one return; a settle that lost finds the sweep's release.
      expect({ key, returned }).toEqual({ key, returned: settledBy === 'keep' ? [] : settledBy === 'refund' ? ['refund'] : ['release'] });
    }
    const keptCount = outcomes.filter((o) => o.settledBy === 'keep').length;
    expect(await held.balance(tenant.id)).toBe(1000 - 5 * keptCount);
    expect(rows.at(-1)?.balance_after).toBe(1000 - 5 * keptCount);
    expect(await openOf(tenant.id)).toEqual([]);
    // Each row continues the running sum of the one before.
    rows.slice(1).forEach((row, i) => expect(row.balance_after).toBe((rows[i]?.balance_after ?? 0) + row.amount));
  });
});
