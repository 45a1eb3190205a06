import { z } from 'zod';
import { isValidCookieName, isValidGlobalName } from './script-inputs.js';
import { failure, notFound, success, type Outcome } from '../../platform/outcome.js';
import { parseInput } from '../../platform/validation/parse-input.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { PixelHostClaim, PixelHostClaims } from './pixel-host-claims.js';
import { normaliseHost } from './pixel-host-rules.js';
import type { TrackingSites } from './tracking-site.js';
import { trackingSettings, updateTrackingSettings, type SettingsRow } from './tracking-settings.repository.js';

// Paths the gateway serves itself can't be a tenant's script path.
const RESERVED = /^\/(graphql|v1|healthz|readyz|metrics|o|p\.gif)(\/|$)/;

/** Days a store is kept: at least one, at most `max`. */
const retentionDays = (max: number, years: string) =>
  z.number().int().min(1, 'must be at least 1 day').max(max, `must be at most ${max} days (${years})`).optional();

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
  eventRetentionDays: retentionDays(3650, '10 years'),
  sessionRetentionDays: retentionDays(3650, '10 years'),
  webhookDeliveryRetentionDays: retentionDays(3650, '10 years'),
  vendorBodyRetentionDays: retentionDays(3650, '10 years'),
  consentRetentionDays: retentionDays(3650, '10 years'),
  // An export answers one request; a person who needs it later asks again.
  exportRetentionDays: retentionDays(90, 'about 3 months'),
});

// A host as typed: normalised here; which names may be claimed is the claims' rule.
const hostInput = z.string().max(300, 'must be a host name like t.example.com').transform((raw) => normaliseHost(raw));

/** The tenant's white-label and privacy settings, as saved. */
export interface TrackingSettings {
  readonly scriptPath: string;
  readonly globalName: string;
  readonly cookieName: string;
  readonly requireConsent: boolean;
  readonly ipStorage: string;
  readonly eventRetentionDays: number;
  readonly sessionRetentionDays: number;
  readonly webhookDeliveryRetentionDays: number;
  readonly vendorBodyRetentionDays: number;
  readonly consentRetentionDays: number;
  readonly exportRetentionDays: number;
  readonly updatedAt: Date;
}

const toSettings = (row: SettingsRow): TrackingSettings => ({
  scriptPath: row.script_path,
  globalName: row.global_name,
  cookieName: row.cookie_name,
  requireConsent: row.require_consent,
  ipStorage: row.ip_storage,
  eventRetentionDays: row.event_retention_days,
  sessionRetentionDays: row.session_retention_days,
  webhookDeliveryRetentionDays: row.webhook_delivery_retention_days,
  vendorBodyRetentionDays: row.vendor_body_retention_days,
  consentRetentionDays: row.consent_retention_days,
  exportRetentionDays: row.export_retention_days,
  updatedAt: row.updated_at,
});

export interface TrackingSettingsService {
  /** Every tenant schema has its row (the migrations make it); NOT_FOUND only for one being made or dropped. */
  settings(db: TenantDb): Promise<Outcome<TrackingSettings>>;
  /** Saves the fields given and answers the settings as they now are. */
  update(db: TenantDb, input: unknown): Promise<Outcome<TrackingSettings>>;
  /** Claims a host (pending until proven); answers the tenant's active hosts, as the original contract does. */
  addPixelHost(db: TenantDb, host: unknown): Promise<Outcome<string[]>>;
  claimPixelHost(db: TenantDb, host: unknown): Promise<Outcome<PixelHostClaim>>;
  verifyPixelHost(db: TenantDb, host: unknown): Promise<Outcome<PixelHostClaim>>;
  removePixelHost(db: TenantDb, host: unknown): Promise<Outcome<string[]>>;
  /** Active hosts only: those that serve. */
  pixelHosts(db: TenantDb): Promise<string[]>;
  pixelHostClaims(db: TenantDb): Promise<PixelHostClaim[]>;
}

/** White-label settings and pixel hosts; every change is announced so cached sites are evicted everywhere. */
export function createTrackingSettingsService(deps: {
  sites: TrackingSites;
  claims: PixelHostClaims;
}): TrackingSettingsService {
  const hostsOf = (tenantId: string) => deps.claims.activeHosts(tenantId);
  const claim = async (db: TenantDb, raw: unknown): Promise<Outcome<PixelHostClaim>> => {
    const parsed = parseInput(hostInput, raw, ['host']);
    return parsed.ok ? deps.claims.claim(db.tenantId, parsed.value) : parsed;
  };

  return {
    async settings(db) {
      const row = await trackingSettings(db);
      return row === undefined ? failure(notFound('TenantSettings')) : success(toSettings(row));
    },

    async update(db, input) {
      const parsed = parseInput(settingsInput, input, ['input']);
      if (!parsed.ok) return parsed;
      const v = parsed.value;
      const row = await updateTrackingSettings(db, {
        script_path: v.scriptPath,
        global_name: v.globalName,
        cookie_name: v.cookieName,
        require_consent: v.requireConsent,
        ip_storage: v.ipStorage,
        event_retention_days: v.eventRetentionDays,
        session_retention_days: v.sessionRetentionDays,
        webhook_delivery_retention_days: v.webhookDeliveryRetentionDays,
        vendor_body_retention_days: v.vendorBodyRetentionDays,
        consent_retention_days: v.consentRetentionDays,
        export_retention_days: v.exportRetentionDays,
      });
      await deps.sites.changed(db.tenantId);
      return success(toSettings(row));
    },

    async addPixelHost(db, raw) {
      const claimed = await claim(db, raw);
      return claimed.ok ? success(await hostsOf(db.tenantId)) : claimed;
    },

    claimPixelHost: claim,

    async verifyPixelHost(db, raw) {
      const parsed = parseInput(hostInput, raw, ['host']);
      return parsed.ok ? deps.claims.verify(db.tenantId, parsed.value) : parsed;
    },

    async removePixelHost(db, raw) {
      const parsed = parseInput(hostInput, raw, ['host']);
      if (!parsed.ok) return parsed;
      if (!(await deps.claims.remove(db.tenantId, parsed.value))) return failure(notFound('PixelHost'));
      return success(await hostsOf(db.tenantId));
    },

    pixelHosts: (db) => hostsOf(db.tenantId),
    pixelHostClaims: (db) => deps.claims.list(db.tenantId),
  };
}
