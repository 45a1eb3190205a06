/**
 * Each tenant's suppression hashes, held in process: ingestion asks on every
 * batch, so a tenant without suppressions must cost a map lookup, not a query.
 * A tenant's set is loaded on first use, dropped when its `suppressions`
 * channel says it changed (on every gateway), and reloaded at most every
 * minute anyway, so a lost message is forgotten within a minute.
 */
import type { PubSub, Unsubscribe } from '../../platform/coordination/coordination.js';
import { tenantChannel } from '../../tenants/tenant-channels.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import type { SuppressionHashRow } from './privacy.repository.js';
import { legacySuppressionHash, SUPPRESSION_HASH_VERSION, suppressionHash, type SuppressedKind } from './suppression-hash.js';

export interface SuppressionTenant {
  readonly tenantId: string;
  readonly schema: string;
}

/** A tenant's erased identifiers, as hashes (see suppression-hash.ts); empty for most tenants. */
export interface SuppressedSet {
  readonly size: number;
  /** Whether the identifier was erased: by its hash under the tenant's key, or under the old key for rows recorded before. */
  has(kind: SuppressedKind, value: string): boolean;
}

export interface SuppressionList {
  hashesOf(tenant: SuppressionTenant): Promise<SuppressedSet>;
  stop(): Promise<void>;
}

const REFRESH_MS = 60_000;

/** Tells every process that the tenant's suppressions changed; call after committing new hashes. */
export async function publishSuppressionsChanged(pubsub: PubSub, tenantId: string): Promise<void> {
  await pubsub.publish(tenantChannel(tenantId, 'suppressions'), 'changed');
}

export function createSuppressionList(deps: {
  /** Every suppression row of the tenant (privacy.repository.ts's `suppressionHashRows` on its handle). */
  loadRows: (tenant: SuppressionTenant) => Promise<readonly SuppressionHashRow[]>;
  pubsub: PubSub;
  hashKeys: HashKeys;
  now: () => number;
  refreshMs?: number;
  onError: (error: unknown, context: string) => void;
}): SuppressionList {
  const refreshMs = deps.refreshMs ?? REFRESH_MS;
  const loaded = new Map<string, { hashes: Promise<SuppressedSet>; at: number }>();
  const subscriptions = new Map<string, Promise<Unsubscribe | undefined>>();

  // Subscribed before the first load, so a change committed after that load is always heard of.
  const subscribed = (tenantId: string) => {
    let subscription = subscriptions.get(tenantId);
    if (subscription === undefined) {
      subscription = deps.pubsub
        .subscribe(tenantChannel(tenantId, 'suppressions'), () => loaded.delete(tenantId))
        .catch((error: unknown) => {
          // Ingestion goes on; the periodic reload bounds how stale the set can get, and the next batch subscribes again.
          deps.onError(error, 'suppression changes not subscribed');
          subscriptions.delete(tenantId);
          return undefined;
        });
      subscriptions.set(tenantId, subscription);
    }
    return subscription;
  };

  const load = async (tenant: SuppressionTenant): Promise<SuppressedSet> => {
    const rows = await deps.loadRows(tenant);
    const current = new Set(rows.filter((row) => row.hash_version === SUPPRESSION_HASH_VERSION).map((row) => row.hash));
    const legacy = new Set(rows.filter((row) => row.hash_version !== SUPPRESSION_HASH_VERSION).map((row) => row.hash));
    return {
      size: rows.length,
      has: (kind, value) =>
        current.has(suppressionHash(deps.hashKeys, tenant.tenantId, kind, value)) ||
        (legacy.size > 0 && legacy.has(legacySuppressionHash(tenant.tenantId, kind, value))),
    };
  };

  return {
    async hashesOf(tenant) {
      await subscribed(tenant.tenantId);
      const held = loaded.get(tenant.tenantId);
      if (held !== undefined && deps.now() - held.at < refreshMs) return held.hashes;
      const entry = { hashes: load(tenant), at: deps.now() };
      loaded.set(tenant.tenantId, entry);
      // A failed load is not kept: the next batch tries again.
      entry.hashes.catch(() => {
        if (loaded.get(tenant.tenantId) === entry) loaded.delete(tenant.tenantId);
      });
      return entry.hashes;
    },
    async stop() {
      const all = [...subscriptions.values()];
      subscriptions.clear();
      loaded.clear();
      for (const unsubscribe of await Promise.all(all)) await unsubscribe?.();
    },
  };
}
