import { z } from 'zod';
import { isValidCookieName, isValidGlobalName } from './script-inputs.js';
import { failure, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import type { TenantContext } from '../../tenants/tenant-context.js';
import type { PixelHostClaim, PixelHostClaims } from './pixel-host-claims.js';
import { normaliseHost } from './pixel-host-rules.js';
import type { TrackingSites } from './tracking-site.js';

// Paths the gateway serves itself can't be a tenant's script path.
const RESERVED = /^\/(graphql|v1|healthz|readyz|metrics|o|p\.gif)(\/|$)/;

const settingsInput = z.object({
  scriptPath: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\-/]{1,120}\.js$/, 'must be a path like /assets/app.js')
    .refine((path) => !RESERVED.test(path), 'is a path the service uses itself')
    .optional(),
  globalName: z.string().refine(isValidGlobalName, 'must be a JavaScript identifier that is not a browser global').optional(),
  cookieName: z.string().refine(isValidCookieName, 'must be a cookie name of letters, digits, - and _').optional(),
  requireConsent: z.boolean().optional(),
  ipStorage: z.enum(['full', 'truncated', 'none']).optional(),
  eventRetentionDays: z.number().int().min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days (10 years)').optional(),
});

// A host as typed: normalised here; which names may be claimed is the claims' rule.
const hostInput = z.string().max(300, 'must be a host name like t.example.com').transform((raw) => normaliseHost(raw));

export interface TrackingSettingsService {
  update(ctx: TenantContext, input: unknown): Promise<Outcome<void>>;
  /** Claims a host (pending until proven); answers the tenant's active hosts, as the original contract does. */
  addPixelHost(ctx: TenantContext, host: unknown): Promise<Outcome<string[]>>;
  claimPixelHost(ctx: TenantContext, host: unknown): Promise<Outcome<PixelHostClaim>>;
  verifyPixelHost(ctx: TenantContext, host: unknown): Promise<Outcome<PixelHostClaim>>;
  removePixelHost(ctx: TenantContext, host: unknown): Promise<Outcome<string[]>>;
  /** Active hosts only: those that serve. */
  pixelHosts(ctx: TenantContext): Promise<string[]>;
  pixelHostClaims(ctx: TenantContext): Promise<PixelHostClaim[]>;
}

/** White-label settings and pixel hosts; every change is announced so cached sites are evicted everywhere. */
export function createTrackingSettingsService(deps: {
  db: Database;
  sites: TrackingSites;
  claims: PixelHostClaims;
}): TrackingSettingsService {
  const hostsOf = (tenantId: string) => deps.claims.activeHosts(tenantId);
  const claim = async (ctx: TenantContext, raw: unknown): Promise<Outcome<PixelHostClaim>> => {
    const parsed = parseInput(hostInput, raw, ['host']);
    return parsed.ok ? deps.claims.claim(ctx.tenantId, parsed.value) : parsed;
  };

  return {
    async update(ctx, input) {
      const parsed = parseInput(settingsInput, input, ['input']);
      if (!parsed.ok) return parsed;
      const v = parsed.value;
      await tenantSql(deps.db, ctx.schema).query(
        `update {t}.settings set script_path = coalesce($1, script_path), global_name = coalesce($2, global_name),
                cookie_name = coalesce($3, cookie_name), require_consent = coalesce($4, require_consent),
                ip_storage = coalesce($5, ip_storage), event_retention_days = coalesce($6, event_retention_days), updated_at = now()`,
        [v.scriptPath ?? null, v.globalName ?? null, v.cookieName ?? null, v.requireConsent ?? null, v.ipStorage ?? null, v.eventRetentionDays ?? null],
      );
      await deps.sites.changed(ctx.tenantId);
      return success(undefined);
    },

    async addPixelHost(ctx, raw) {
      const claimed = await claim(ctx, raw);
      return claimed.ok ? success(await hostsOf(ctx.tenantId)) : claimed;
    },

    claimPixelHost: claim,

    async verifyPixelHost(ctx, raw) {
      const parsed = parseInput(hostInput, raw, ['host']);
      return parsed.ok ? deps.claims.verify(ctx.tenantId, parsed.value) : parsed;
    },

    async removePixelHost(ctx, raw) {
      const parsed = parseInput(hostInput, raw, ['host']);
      if (!parsed.ok) return parsed;
      if (!(await deps.claims.remove(ctx.tenantId, parsed.value))) return failure(notFound('PixelHost'));
      return success(await hostsOf(ctx.tenantId));
    },

    pixelHosts: (ctx) => hostsOf(ctx.tenantId),
    pixelHostClaims: (ctx) => deps.claims.list(ctx.tenantId),
  };
}
