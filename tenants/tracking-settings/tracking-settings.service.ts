import { z } from 'zod';
import { isValidCookieName, isValidGlobalName } from '../../api/ingest/tracking-script/script-inputs.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import type { TenantContext } from '../tenant-context.js';
import { HOSTNAME } from '../provisioning/hostname.js';
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

const hostInput = z.string().trim().toLowerCase().regex(HOSTNAME, 'must be a host name like t.example.com');

export interface TrackingSettingsService {
  update(ctx: TenantContext, input: unknown): Promise<Outcome<void>>;
  addPixelHost(ctx: TenantContext, host: unknown): Promise<Outcome<string[]>>;
  removePixelHost(ctx: TenantContext, host: unknown): Promise<Outcome<string[]>>;
  pixelHosts(ctx: TenantContext): Promise<string[]>;
}

/** White-label settings and pixel hosts; every change is announced so cached sites are evicted everywhere. */
export function createTrackingSettingsService(deps: { db: Database; sites: TrackingSites }): TrackingSettingsService {
  const hostsOf = async (tenantId: string) =>
    (await deps.db.query<{ host: string }>('select host from control.pixel_hosts where tenant_id = $1 order by host', [tenantId])).map(
      (row) => row.host,
    );

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
      const parsed = parseInput(hostInput, raw, ['host']);
      if (!parsed.ok) return parsed;
      const inserted = await deps.db.query<{ tenant_id: string }>(
        `insert into control.pixel_hosts (host, tenant_id) values ($1, $2)
         on conflict (host) do update set host = excluded.host returning tenant_id`,
        [parsed.value, ctx.tenantId],
      );
      if (inserted[0]?.tenant_id !== ctx.tenantId) return failure(invalidInput(['host'], `${parsed.value} is already registered`));
      await deps.sites.changed(ctx.tenantId);
      return success(await hostsOf(ctx.tenantId));
    },

    async removePixelHost(ctx, raw) {
      const parsed = parseInput(hostInput, raw, ['host']);
      if (!parsed.ok) return parsed;
      const removed = await deps.db.query('delete from control.pixel_hosts where host = $1 and tenant_id = $2 returning host', [
        parsed.value,
        ctx.tenantId,
      ]);
      if (removed.length === 0) return failure(notFound('PixelHost'));
      await deps.sites.changed(ctx.tenantId);
      return success(await hostsOf(ctx.tenantId));
    },

    pixelHosts: (ctx) => hostsOf(ctx.tenantId),
  };
}
