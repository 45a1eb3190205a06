import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import { ApiKey, ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import type { TenantContext } from '../tenant-context.js';
import { insertApiKey } from './api-key-store.js';
import type { KeyRevocations } from './key-resolver.js';
import { checkCidr, checkOrigin } from './network-allowlist.js';
import { SCOPES, type Scope } from './scopes.js';

function checkedString(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const reason = check(value);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });
}

const apiKeyInput = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(200),
  kind: z.enum(ApiKeyKind).default(ApiKeyKind.SECRET),
  scopes: z.array(z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` })).max(SCOPES.length).optional(),
  ipAllowlist: z.array(checkedString(checkCidr)).max(100).default([]),
  allowedOrigins: z.array(checkedString(checkOrigin)).max(100).default([]),
});

export type ApiKeyInputData = z.input<typeof apiKeyInput>;

export interface ApiKeyCreatedResult {
  readonly apiKey: ApiKey;
  readonly secret: string;
}

export interface ApiKeyService {
  create(ctx: TenantContext, input: unknown): Promise<Outcome<ApiKeyCreatedResult>>;
  revoke(ctx: TenantContext, id: string): Promise<Outcome<ApiKey>>;
  list(ctx: TenantContext): Promise<ApiKey[]>;
}

export function createApiKeyService(deps: { control: ControlDb; revocations: KeyRevocations }): ApiKeyService {
  const findOwn = (em: EntityManager, tenantId: string, id: string) => em.findOne(ApiKey, { id, tenantId });

  return {
    async create(ctx, input) {
      const parsed = parseInput(apiKeyInput, input, ['input']);
      if (!parsed.ok) return parsed;
      const { name, kind, ipAllowlist, allowedOrigins } = parsed.value;
      const scopes: readonly Scope[] = parsed.value.scopes ?? ctx.scopes;
      // A key can hand out only what it holds itself, or revocation would be the only brake.
      const beyond = scopes.find((scope) => !ctx.scopes.includes(scope));
      if (beyond !== undefined) {
        return failure(invalidInput(['input', 'scopes'], `the calling key lacks the scope ${beyond}, so it cannot grant it`));
      }
      // Likewise an address-restricted key cannot mint a key usable from elsewhere.
      const widened = ctx.ipAllowlist.length > 0 && (ipAllowlist.length === 0 || ipAllowlist.some((entry) => !ctx.ipAllowlist.includes(entry)));
      if (widened) {
        return failure(
          invalidInput(['input', 'ipAllowlist'], `the calling key is restricted to ${ctx.ipAllowlist.join(', ')}; a key it creates must be too`),
        );
      }
      const { id, secret } = await insertApiKey(deps.control, {
        tenantId: ctx.tenantId,
        kind,
        name,
        scopes,
        ipAllowlist,
        allowedOrigins,
      });
      const apiKey = await findOwn(ctx.em, ctx.tenantId, id);
      if (apiKey === null) throw new Error(`api key ${id} vanished after insert`);
      return success({ apiKey, secret });
    },

    async revoke(ctx, id) {
      const apiKey = await findOwn(ctx.em, ctx.tenantId, id);
      if (apiKey === null) return failure(notFound('ApiKey'));
      if (apiKey.revokedAt === null) {
        apiKey.revokedAt = new Date();
        await ctx.em.flush();
      }
      // Announced on every call, so a retry after a failed broadcast still reaches every gateway.
      await deps.revocations.announce(apiKey.secretHash);
      return success(apiKey);
    },

    list: (ctx) => ctx.em.find(ApiKey, { tenantId: ctx.tenantId }, { orderBy: { createdAt: 'asc' } }),
  };
}
