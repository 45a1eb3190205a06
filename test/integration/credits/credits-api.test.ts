import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';

const BALANCE = '{ tenant { credits { balance } } }';
const GRANT = `mutation ($tenantId: ID!, $amount: Int!, $reason: String!, $idempotencyKey: String) {
  grantCredits(tenantId: $tenantId, amount: $amount, reason: $reason, idempotencyKey: $idempotencyKey) { balance }
}`;
const USAGE = `query ($from: DateTime, $to: DateTime) { usage(from: $from, to: $to) { operation count credits cached refused } }`;

type UsageLine = { operation: string; count: number; credits: number; cached: number; refused: number };

describe('credits over GraphQL', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  const balanceOf = async (tenant: TestTenant) => {
    const response = await gateway.gql<{ tenant: { credits: { balance: number } } }>(tenant.secretKey, BALANCE);
    expect(response.errors).toBeUndefined();
    return response.data!.tenant.credits.balance;
  };

  const grant = (token: string, variables: { tenantId: string; amount: number; reason: string; idempotencyKey?: string }) =>
    gateway.gql<{ grantCredits: { balance: number } }>(token, GRANT, variables);

  const usage = (tenant: TestTenant, range: { from?: string; to?: string } = {}) =>
    gateway.gql<{ usage: UsageLine[] }>(tenant.secretKey, USAGE, range);

  const ledgerRows = async (tenantId: string) =>
    gateway.services.db.query<{ id: number; amount: number; reason: string | null }>(
      'select id, amount, reason from control.credit_ledger where tenant_id = $1 order by id',
      [tenantId],
    );

  describe('tenant { credits } and grantCredits', () => {
    it('shows the opening credits, and a grant raises the balance by its amount', async () => {
      const tenant = await createTenant(gateway, { credits: 40 });
      expect(await balanceOf(tenant)).toBe(40);

      const granted = await grant(gateway.adminToken, { tenantId: tenant.id, amount: 60, reason: 'monthly plan' });
      expect(granted.errors).toBeUndefined();
      expect(granted.data?.grantCredits).toEqual({ balance: 100 });
      expect(await balanceOf(tenant)).toBe(100);

      const rows = await ledgerRows(tenant.id);
      expect(rows.map((r) => [r.amount, r.reason])).toEqual([
        [40, 'opening credits'],
        [60, 'monthly plan'],
      ]);
    });

    it('grants once for a repeated idempotencyKey; without a key every call is a new grant', async () => {
      const tenant = await createTenant(gateway, { credits: 0 });
      const key = `invoice-${randomUUID()}`;

      const first = await grant(gateway.adminToken, { tenantId: tenant.id, amount: 25, reason: 'invoice paid', idempotencyKey: key });
      const retry = await grant(gateway.adminToken, { tenantId: tenant.id, amount: 25, reason: 'invoice paid', idempotencyKey: key });
      expect(first.data?.grantCredits).toEqual({ balance: 25 });
      expect(retry.errors).toBeUndefined();
      expect(retry.data?.grantCredits).toEqual({ balance: 25 });
      expect(await balanceOf(tenant)).toBe(25);
      expect(await ledgerRows(tenant.id)).toHaveLength(1);

      await grant(gateway.adminToken, { tenantId: tenant.id, amount: 5, reason: 'goodwill' });
      await grant(gateway.adminToken, { tenantId: tenant.id, amount: 5, reason: 'goodwill' });
      expect(await balanceOf(tenant)).toBe(35);
    });

    it('refuses an amount of zero or less with the argument path, and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const before = await ledgerRows(tenant.id);

      for (const amount of [0, -5]) {
        const refused = await grant(gateway.adminToken, { tenantId: tenant.id, amount, reason: 'oops' });
        expect(codeOf(refused)).toBe('BAD_USER_INPUT');
        expect(refused.errors?.[0]?.extensions?.['argumentPath']).toEqual(['amount']);
        expect(refused.data).toBeNull();
      }

      expect(await ledgerRows(tenant.id)).toEqual(before);
      expect(await balanceOf(tenant)).toBe(10);
    });

    it('refuses an empty reason with the argument path, and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const before = await ledgerRows(tenant.id);

      for (const reason of ['', '   ']) {
        const refused = await grant(gateway.adminToken, { tenantId: tenant.id, amount: 5, reason });
        expect(codeOf(refused)).toBe('BAD_USER_INPUT');
        expect(refused.errors?.[0]?.extensions?.['argumentPath']).toEqual(['reason']);
      }

      expect(await ledgerRows(tenant.id)).toEqual(before);
      expect(await balanceOf(tenant)).toBe(10);
    });

    it('answers NOT_FOUND for an unknown tenant id and writes nothing', async () => {
      const reason = `to nobody ${randomUUID()}`;
      const refused = await grant(gateway.adminToken, { tenantId: 'nosuchtenant00', amount: 5, reason });
      expect(codeOf(refused)).toBe('NOT_FOUND');
      const written = await gateway.services.db.query<{ n: number }>('select count(*)::int as n from control.credit_ledger where reason = $1', [
        reason,
      ]);
      expect(written[0]?.n).toBe(0);
    });

    it('is FORBIDDEN to a tenant secret key, even for its own tenant, and writes nothing', async () => {
      const tenant = await createTenant(gateway, { credits: 10 });
      const before = await ledgerRows(tenant.id);

      const refused = await grant(tenant.secretKey, { tenantId: tenant.id, amount: 1_000, reason: 'self-service' });
      expect(codeOf(refused)).toBe('FORBIDDEN');
      expect(refused.data).toBeNull();

      expect(await ledgerRows(tenant.id)).toEqual(before);
      expect(await balanceOf(tenant)).toBe(10);
    });

    it("a grant to A changes neither B's balance nor B's ledger", async () => {
      const a = await createTenant(gateway, { credits: 10 });
      const b = await createTenant(gateway, { credits: 10 });
      const bRows = await ledgerRows(b.id);
      // The same idempotency key used for both tenants grants each once.
      const key = `shared-${randomUUID()}`;

      await grant(gateway.adminToken, { tenantId: a.id, amount: 90, reason: 'top-up', idempotencyKey: key });
      expect(await balanceOf(a)).toBe(100);
      expect(await balanceOf(b)).toBe(10);
      expect(await ledgerRows(b.id)).toEqual(bRows);

      const forB = await grant(gateway.adminToken, { tenantId: b.id, amount: 5, reason: 'top-up', idempotencyKey: key });
      expect(forB.data?.grantCredits).toEqual({ balance: 15 });
      expect(await balanceOf(a)).toBe(100);
    });
  });

  describe('usage(from, to)', () => {
    const chargeUsage = async (tenant: TestTenant) => {
      for (let i = 0; i < 3; i++) {
        const charged = await gateway.services.ledger.charge({
          tenantId: tenant.id,
          amount: 2,
          operation: 'enrich',
          idempotencyKey: `enrich:${randomUUID()}`,
        });
        expect(charged.ok).toBe(true);
      }
      const verified = await gateway.services.ledger.charge({
        tenantId: tenant.id,
        amount: 1,
        operation: 'verify_email',
        idempotencyKey: `verify:${randomUUID()}`,
      });
      expect(verified.ok).toBe(true);
    };

    it('lists each metered operation with its count and credits, and no grant line', async () => {
      const tenant = await createTenant(gateway, { credits: 50 });
      await grant(gateway.adminToken, { tenantId: tenant.id, amount: 10, reason: 'top-up' });
      const from = new Date(Date.now() - 60_000).toISOString();
      await chargeUsage(tenant);

      const all = await usage(tenant);
      expect(all.errors).toBeUndefined();
      expect(all.data?.usage).toEqual([
        { operation: 'enrich', count: 3, credits: 6, cached: 0, refused: 0 },
        { operation: 'verify_email', count: 1, credits: 1, cached: 0, refused: 0 },
      ]);

      const windowed = await usage(tenant, { from, to: new Date(Date.now() + 60_000).toISOString() });
      expect(windowed.data?.usage).toEqual(all.data?.usage);
      expect(await balanceOf(tenant)).toBe(53);
    });

    it('nets refunds out, and shows cache hits and refusals', async () => {
      const tenant = await createTenant(gateway, { credits: 5 });
      const chargeKey = `enrich:${randomUUID()}`;
      await gateway.services.ledger.charge({ tenantId: tenant.id, amount: 4, operation: 'enrich', idempotencyKey: chargeKey });
      await gateway.services.ledger.refund({
        tenantId: tenant.id,
        amount: 4,
        operation: 'enrich',
        idempotencyKey: `refund:${chargeKey}`,
        refundsKey: chargeKey,
      });
      await gateway.services.ledger.recordCached({ tenantId: tenant.id, operation: 'enrich', idempotencyKey: `cached:${randomUUID()}` });
      await gateway.services.ledger.charge({ tenantId: tenant.id, amount: 9, operation: 'verify_email', idempotencyKey: `verify:${randomUUID()}` });

      const response = await usage(tenant);
      expect(response.errors).toBeUndefined();
      expect(response.data?.usage).toEqual([
        { operation: 'enrich', count: 0, credits: 0, cached: 1, refused: 0 },
        { operation: 'verify_email', count: 0, credits: 0, cached: 0, refused: 1 },
      ]);
      expect(await balanceOf(tenant)).toBe(5);
    });

    it('returns no lines for a window that holds no charges', async () => {
      const tenant = await createTenant(gateway, { credits: 50 });
      await chargeUsage(tenant);

      const future = await usage(tenant, { from: new Date(Date.now() + 3_600_000).toISOString() });
      expect(future.errors).toBeUndefined();
      expect(future.data?.usage).toEqual([]);

      // `to` is exclusive and lies before every charge.
      const past = await usage(tenant, { to: new Date(Date.now() - 3_600_000).toISOString() });
      expect(past.data?.usage).toEqual([]);
    });

    it('a tenant with no charges has no usage, though it was granted credits', async () => {
      const tenant = await createTenant(gateway, { credits: 50 });
      const response = await usage(tenant);
      expect(response.errors).toBeUndefined();
      expect(response.data?.usage).toEqual([]);
    });

    it('refuses from after to with BAD_USER_INPUT, and a value that is not a date', async () => {
      const tenant = await createTenant(gateway, { credits: 5 });
      const now = Date.now();
      const reversed = await usage(tenant, { from: new Date(now).toISOString(), to: new Date(now - 60_000).toISOString() });
      expect(codeOf(reversed)).toBe('BAD_USER_INPUT');
      expect(reversed.errors?.[0]?.extensions?.['argumentPath']).toEqual(['from']);

      const garbage = await usage(tenant, { from: 'yesterday-ish' });
      expect(codeOf(garbage)).toBe('BAD_USER_INPUT');
    });

    it('needs a tenant key: the platform token is FORBIDDEN, no key UNAUTHENTICATED', async () => {
      expect(codeOf(await gateway.gql(gateway.adminToken, USAGE))).toBe('FORBIDDEN');
      expect(codeOf(await gateway.gql(undefined, USAGE))).toBe('UNAUTHENTICATED');
    });

    it("never shows another tenant's charges in usage or balance", async () => {
      const a = await createTenant(gateway, { credits: 50 });
      const b = await createTenant(gateway, { credits: 50 });
      await chargeUsage(a);
      await gateway.services.ledger.charge({ tenantId: b.id, amount: 4, operation: 'lookup_ip', idempotencyKey: `ip:${randomUUID()}` });

      expect((await usage(a)).data?.usage).toEqual([
        { operation: 'enrich', count: 3, credits: 6, cached: 0, refused: 0 },
        { operation: 'verify_email', count: 1, credits: 1, cached: 0, refused: 0 },
      ]);
      expect((await usage(b)).data?.usage).toEqual([{ operation: 'lookup_ip', count: 1, credits: 4, cached: 0, refused: 0 }]);
      expect(await balanceOf(a)).toBe(43);
      expect(await balanceOf(b)).toBe(46);
    });
  });
});
