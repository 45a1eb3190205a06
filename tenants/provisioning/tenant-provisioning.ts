import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import type { TenantMigration } from '../../schema/migrations/migration.js';
import { migrateTenant } from '../../schema/migrator.js';
import { insertApiKey } from '../api-keys/api-key-store.js';
import { SCOPES } from '../api-keys/scopes.js';
import { GRANT_OPERATION, type CreditLedger } from '../../modules/credits/credit-ledger.js';
import { pixelHostRefusal } from '../../modules/tracking-settings/pixel-host-rules.js';
import { HOSTNAME } from './hostname.js';


const createTenantInput = (platformNames: readonly string[]) =>
  z.object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    credits: z.number().int().min(0).max(1_000_000_000).default(0),
    pixelHosts: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(HOSTNAME, 'must be a host name like t.example.com')
          // The operator is trusted with any name of a customer's, but an address, a local name or its own never serves.
          .superRefine((host, ctx) => {
            const refusal = pixelHostRefusal(host, platformNames);
            if (refusal !== undefined) ctx.addIssue({ code: 'custom', message: refusal });
          }),
      )
      .max(50)
      .default([])
      .refine((hosts) => new Set(hosts).size === hosts.length, 'must not repeat a host'),
  });

export interface ProvisionedTenant {
  readonly tenantId: string;
  readonly schema: string;
  readonly secretKey: string;
  readonly publishableKey: string;
}

export interface TenantProvisioning {
  createTenant(input: unknown): Promise<Outcome<ProvisionedTenant>>;
}

/** Tenant ids double as schema names (`t_<id>`), so they are lowercase and alphanumeric. */
function newTenantId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(14), (byte) => alphabet[byte % alphabet.length]).join('');
}

export function createTenantProvisioning(deps: {
  db: Database;
  ledger: CreditLedger;
  tenantMigrations: readonly TenantMigration[];
  /** The platform's own host names (platformHostNames): never a tenant's pixel host. */
  platformNames?: readonly string[];
  /**
   * After the tenant exists (its re-enrichment schedule, say). A failure is
   * reported, not fatal: the worker makes what is missing when it starts.
   */
  afterCreate?: (tenant: { tenantId: string; schema: string }) => Promise<void>;
  onError?: (error: unknown, context: string) => void;
}): TenantProvisioning {
  const tenantInput = createTenantInput(deps.platformNames ?? []);
  return {
    async createTenant(input) {
      const parsed = parseInput(tenantInput, input, ['input']);
      if (!parsed.ok) return parsed;
      const { name, credits, pixelHosts } = parsed.value;

      const taken = await deps.db.query<{ host: string }>("select host from control.pixel_hosts where host = any($1) and status = 'active'", [
        pixelHosts,
      ]);
      const clash = taken[0];
      if (clash !== undefined) {
        return failure(invalidInput(['input', 'pixelHosts', pixelHosts.indexOf(clash.host)], `${clash.host} is already registered`));
      }

      const tenantId = newTenantId();
      const schema = `t_${tenantId}`;
      const keys = await deps.db.transaction(async (tx) => {
        await tx.query('insert into control.tenants (id, name, schema_name) values ($1, $2, $3)', [tenantId, name, schema]);
        await tx.query('insert into control.credit_balances (tenant_id, balance) values ($1, 0)', [tenantId]);
        for (const host of pixelHosts) {
          // The operator's word is the proof: active at once, and never re-checked.
          await tx.query(
            `insert into control.pixel_hosts (host, tenant_id, status, origin, verified_at) values ($1, $2, 'active', 'operator', now())`,
            [host, tenantId],
          );
        }
        const common = { tenantId, ipAllowlist: [], allowedOrigins: [] };
        const secret = await insertApiKey(tx, { ...common, kind: ApiKeyKind.SECRET, name: 'Default secret key', scopes: SCOPES });
        const publishable = await insertApiKey(tx, {
          ...common,
          kind: ApiKeyKind.PUBLISHABLE,
          name: 'Default publishable key',
          scopes: [],
        });
        return { secret: secret.secret, publishable: publishable.secret };
      });

      // Outside the transaction: the fan-out at start completes a tenant whose migration was interrupted.
      await migrateTenant(deps.db, schema, deps.tenantMigrations);
      if (credits > 0) {
        await deps.ledger.credit({
          tenantId,
          amount: credits,
          operation: GRANT_OPERATION,
          idempotencyKey: 'opening-grant',
          reason: 'opening credits',
        });
      }
      await deps.afterCreate?.({ tenantId, schema }).catch((error: unknown) => deps.onError?.(error, 'after tenant creation'));
      return success({ tenantId, schema, secretKey: keys.secret, publishableKey: keys.publishable });
    },
  };
}
