import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { failure, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { GRANT_OPERATION, type CreditLedger } from './credit-ledger.js';
import { isTenantActive } from '../../tenants/tenant-status.js';

const grantInput = z.object({
  tenantId: z.string().min(1),
  amount: z.number().int().positive('must be a positive number of credits').max(1_000_000_000),
  reason: z.string().trim().min(1, 'must say why').max(500),
  idempotencyKey: z.string().min(1).max(200).optional(),
});

/** The operator's top-ups; a billing system retrying with the same idempotency key grants once. */
export function createCreditGrants(deps: { control: ControlDb; ledger: CreditLedger }) {
  return {
    async grant(input: unknown): Promise<Outcome<{ balance: number }>> {
      const parsed = parseInput(grantInput, input, []);
      if (!parsed.ok) return parsed;
      const { tenantId, amount, reason, idempotencyKey } = parsed.value;
      if (!(await isTenantActive(deps.control, tenantId))) return failure(notFound('Tenant'));
      const result = await deps.ledger.credit({
        tenantId,
        amount,
        operation: GRANT_OPERATION,
        idempotencyKey: `grant:${idempotencyKey ?? randomUUID()}`,
        reason,
      });
      return success({ balance: result.balance });
    },
  };
}

export type CreditGrants = ReturnType<typeof createCreditGrants>;
