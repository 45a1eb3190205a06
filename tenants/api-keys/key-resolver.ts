import type { BlockList } from 'node:net';
import type { PubSub } from '../../platform/coordination/coordination.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import { ApiKeyKind } from '../../schema/entities/control/api-key.entity.js';
import { hashSecret } from './api-key-secret.js';
import { activeKeyBySecretHash } from '../tenants.repository.js';
import { buildBlockList } from './network-allowlist.js';
import { isScope, type Scope } from './scopes.js';

export interface ResolvedKey {
  readonly id: string;
  readonly tenantId: string;
  readonly schema: string;
  readonly kind: ApiKeyKind;
  readonly scopes: readonly Scope[];
  readonly ipAllowlist: readonly string[];
  readonly ipBlockList: BlockList | undefined;
  readonly allowedOrigins: readonly string[];
}

/** Tells every gateway instance that a key no longer works. */
export interface KeyRevocations {
  announce(secretHash: string): Promise<void>;
}

export interface KeyResolver extends KeyRevocations {
  resolve(secret: string): Promise<ResolvedKey | undefined>;
  /**
   * Calls `listener` with the secret hash of every key revoked from now on, on this instance or
   * another (so long-lived connections can end); returns a function that stops the calls.
   */
  onRevoked(listener: (secretHash: string) => void): () => void;
  /** Starts listening for revocations from other instances. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const REVOKED_CHANNEL = 'api-keys:revoked';
const MAX_ENTRIES = 50_000;

/**
 * Key resolution sits on every request, so resolved keys are cached in
 * process. Revocation is announced over pub/sub and evicts the entry on every
 * instance at once; the TTL only bounds the damage of a lost message.
 */
export function createKeyResolver(deps: { control: ControlDb; pubsub: PubSub; ttlMs: number; now: () => number }): KeyResolver {
  const cache = new Map<string, { key: ResolvedKey | undefined; expiresAt: number }>();
  // Bumped by every eviction: a lookup that raced a revocation must not cache its stale answer.
  let generation = 0;
  let unsubscribe: (() => Promise<void>) | undefined;
  const revocationListeners = new Set<(secretHash: string) => void>();

  const evict = (hash: string) => {
    generation += 1;
    cache.delete(hash);
    for (const listener of revocationListeners) listener(hash);
  };

  const load = async (hash: string): Promise<ResolvedKey | undefined> => {
    const row = await activeKeyBySecretHash(deps.control, hash);
    if (row === undefined) return undefined;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      schema: row.schema_name,
      kind: row.kind === 'publishable' ? ApiKeyKind.PUBLISHABLE : ApiKeyKind.SECRET,
      scopes: row.scopes.filter(isScope),
      ipAllowlist: row.ip_allowlist,
      ipBlockList: row.ip_allowlist.length > 0 ? buildBlockList(row.ip_allowlist) : undefined,
      allowedOrigins: row.allowed_origins,
    };
  };

  return {
    async resolve(secret) {
      const hash = hashSecret(secret);
      const hit = cache.get(hash);
      if (hit !== undefined && hit.expiresAt > deps.now()) return hit.key;
      const started = generation;
      const key = await load(hash);
      if (started === generation) {
        if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value ?? '');
        // Unknown keys are remembered briefly, so a flood of bad keys can't reach PostgreSQL each time.
        cache.set(hash, { key, expiresAt: deps.now() + (key === undefined ? Math.min(deps.ttlMs, 2_000) : deps.ttlMs) });
      }
      return key;
    },

    onRevoked(listener) {
      revocationListeners.add(listener);
      return () => revocationListeners.delete(listener);
    },

    async announce(secretHash) {
      evict(secretHash);
      await deps.pubsub.publish(REVOKED_CHANNEL, secretHash);
    },

    async start() {
      unsubscribe ??= await deps.pubsub.subscribe(REVOKED_CHANNEL, evict);
    },

    async stop() {
      await unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
