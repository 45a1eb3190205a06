import type { PubSub } from '../../platform/coordination/coordination.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { normaliseHost, pixelHostRefusal } from './pixel-host-rules.js';
import { activeTenantSite, tenantsServedByHost, trackingSettings } from './tracking-settings.repository.js';

/** What the browser-facing routes need to serve a tenant's white-label collection. */
export interface TrackingSite {
  readonly tenantId: string;
  readonly schema: string;
  readonly scriptPath: string;
  readonly globalName: string;
  readonly cookieName: string;
  readonly requireConsent: boolean;
  readonly ipStorage: 'full' | 'truncated' | 'none';
  readonly pixelSecret: Buffer;
}

export interface TrackingSites {
  /** The site of an active pixel host (the request's Host header), if any; never for a platform name or an address. */
  byHost(host: string): Promise<TrackingSite | undefined>;
  byTenant(tenantId: string): Promise<TrackingSite | undefined>;
  /** Tells every gateway that a tenant's settings or hosts changed. */
  changed(tenantId: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const CHANGED_CHANNEL = 'tracking-sites:changed';
const TTL_MS = 60_000;
// Every request's Host header is looked up (misses too), so the cache must not grow with arbitrary hosts.
const MAX_HOSTS = 10_000;

const IP_STORAGE: ReadonlyArray<TrackingSite['ipStorage']> = ['full', 'truncated', 'none'];
const isIpStorage = (text: string): text is TrackingSite['ipStorage'] => (IP_STORAGE as readonly string[]).includes(text);

/**
 * Sites are read on every pixel and script request, so they are cached in
 * process and evicted on every instance when a tenant changes them.
 */
export function createTrackingSites(deps: {
  control: ControlDb;
  /** The tenant found in the control schema (active) is the one whose settings are read. */
  tenantDbs: Pick<TenantDatabases, 'ofResolved'>;
  pubsub: PubSub;
  now: () => number;
  /** The platform's own host names (platformHostNames). */
  platformNames?: readonly string[];
}): TrackingSites {
  const byTenantCache = new Map<string, { site: TrackingSite | undefined; expiresAt: number }>();
  const hostCache = new Map<string, { tenantId: string | undefined; expiresAt: number }>();
  let unsubscribe: (() => Promise<void>) | undefined;

  const load = async (tenantId: string): Promise<TrackingSite | undefined> => {
    const tenant = await activeTenantSite(deps.control, tenantId);
    if (tenant === undefined) return undefined;
    const settings = await trackingSettings(deps.tenantDbs.ofResolved({ tenantId, schema: tenant.schema_name }));
    if (settings === undefined) return undefined;
    // The table allows only these; anything else is a broken row.
    if (!isIpStorage(settings.ip_storage)) throw new Error(`tenant ${tenantId} stores IPs as ${settings.ip_storage}`);
    return {
      tenantId,
      schema: tenant.schema_name,
      scriptPath: settings.script_path,
      globalName: settings.global_name,
      cookieName: settings.cookie_name,
      requireConsent: settings.require_consent,
      ipStorage: settings.ip_storage,
      pixelSecret: tenant.pixel_secret,
    };
  };

  const byTenant = async (tenantId: string) => {
    const hit = byTenantCache.get(tenantId);
    if (hit !== undefined && hit.expiresAt > deps.now()) return hit.site;
    const site = await load(tenantId);
    byTenantCache.set(tenantId, { site, expiresAt: deps.now() + TTL_MS });
    return site;
  };

  const evict = (tenantId: string) => {
    byTenantCache.delete(tenantId);
    for (const [host, entry] of hostCache) if (entry.tenantId === tenantId || entry.tenantId === undefined) hostCache.delete(host);
  };

  return {
    byTenant,
    async byHost(rawHost) {
      const host = normaliseHost(rawHost);
      // A name the platform answers on, or one that is no DNS name, never names a tenant (whatever a row says).
      if (pixelHostRefusal(host, deps.platformNames ?? []) !== undefined) return undefined;
      let entry = hostCache.get(host);
      if (entry === undefined || entry.expiresAt <= deps.now()) {
        const [tenantId] = await tenantsServedByHost(deps.control, host);
        entry = { tenantId, expiresAt: deps.now() + TTL_MS };
        if (hostCache.size >= MAX_HOSTS) hostCache.delete(hostCache.keys().next().value ?? '');
        hostCache.set(host, entry);
      }
      return entry.tenantId === undefined ? undefined : byTenant(entry.tenantId);
    },
    async changed(tenantId) {
      evict(tenantId);
      await deps.pubsub.publish(CHANGED_CHANNEL, tenantId);
    },
    async start() {
      unsubscribe ??= await deps.pubsub.subscribe(CHANGED_CHANNEL, evict);
    },
    async stop() {
      await unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
