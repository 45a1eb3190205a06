import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import { insertApiKey } from '../api-keys/api-key-store.js';
import { SCOPES } from '../api-keys/scopes.js';
import { GRANT_OPERATION, type CreditLedger } from '../../modules/credits/credit-ledger.js';
import { pixelHostRefusal } from '../../modules/tracking-settings/pixel-host-rules.js';
import { openCreditBalance } from '../../modules/credits/credits.repository.js';
import { activePixelHostsAmong, insertOperatorPixelHost } from '../../modules/tracking-settings/tracking-settings.repository.js';
import { insertTenant } from '../tenants.repository.js';
import { HOSTNAME } from './hostname.js';
import type { MigrateTenantSchema } from './tenant-schema-migration.js';

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
  control: ControlDb;
  ledger: CreditLedger;
  migrateSchema: MigrateTenantSchema;
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

      const [clash] = await activePixelHostsAmong(deps.control, pixelHosts);
      if (clash !== undefined) {
        return failure(invalidInput(['input', 'pixelHosts', pixelHosts.indexOf(clash)], `${clash} is already registered`));
      }

      const tenantId = newTenantId();
      const schema = `t_${tenantId}`;
      const keys = await deps.control.transaction(async (tx) => {
        await insertTenant(tx, { id: tenantId, name, schema });
        await openCreditBalance(tx, tenantId);
        for (const host of pixelHosts) await insertOperatorPixelHost(tx, host, tenantId);
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
      await deps.migrateSchema(schema);
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
