/**
 * Per-visitor limits on the public collection endpoints (`/v1/*`, `p.gif`,
 * the email pixel), per tenant: one budget per client address and one per
 * anonymous id (the email pixel's is its address's owner), each a fixed
 * window of a minute. They sit under the per-key limit, so one visitor with
 * a tenant's public key cannot use the whole key's budget, and a visitor of
 * one tenant never uses another tenant's.
 */
import type { RateLimitDecision, RateLimiter } from '../../../platform/coordination/coordination.js';
import type { HashKeys } from '../../../tenants/secrets/hash-keys.js';

const WINDOW_MS = 60_000;

export interface VisitorLimitSettings {
  readonly perAddressPerMinute: number;
  readonly perVisitorPerMinute: number;
}

export interface Visitor {
  /** The client address as the gateway sees it; null when unknown. */
  readonly address: string | null;
  /** The anonymous ids (or pixel email owners) the request speaks for; each is counted once. */
  readonly visitorIds: readonly string[];
}

export interface VisitorLimits {
  /**
   * Counts the request against its visitor's budgets, and against `also`
   * (the key's own, say: keys tagged `{<tenant>}`) in the same round trip;
   * refused when one is spent.
   */
  admit(tenantId: string, visitor: Visitor, also?: ReadonlyArray<{ readonly key: string; readonly limit: number }>): Promise<RateLimitDecision>;
}

export function createVisitorLimits(deps: { rateLimiter: RateLimiter; hashKeys: HashKeys; settings: VisitorLimitSettings }): VisitorLimits {
  return {
    async admit(tenantId, visitor, also = []) {
      // `{tenant}` keeps a tenant's counters in one slot of a Redis cluster, so they go in one script.
      const tag = `{${tenantId}}`;
      // Addresses and visitor ids are personal data: key names carry only their keyed hashes, so a
      // Redis dump reveals no one and an erasure leaves nothing to find under a person's id.
      const keyOf = (kind: 'ip' | 'id', value: string) => `ingest-visitor:${tag}:${kind}:${deps.hashKeys.hash('rate-limit', tenantId, `${kind}:${value}`)}`;
      const hits = [
        ...also,
        ...(visitor.address === null ? [] : [{ key: keyOf('ip', visitor.address), limit: deps.settings.perAddressPerMinute }]),
        ...[...new Set(visitor.visitorIds)].map((id) => ({ key: keyOf('id', id), limit: deps.settings.perVisitorPerMinute })),
      ];
      if (hits.length === 0) return { allowed: true, remaining: deps.settings.perAddressPerMinute };
      return deps.rateLimiter.hitEach(hits, WINDOW_MS);
    },
  };
}
