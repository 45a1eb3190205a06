/**
 * The RateLimiter contract on rate-limiter-flexible, shared by both adapters: they supply the
 * limiter for a limit and a window (Redis or memory) and how to forget counters by prefix.
 */
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { assertKeyPrefix, assertRateLimitArgs, combineRateLimits, decideRateLimit, type RateLimitDecision, type RateLimiter } from './coordination.js';

export interface FlexibleLimiterStore {
  /** A limiter allowing `points` hits a window of `durationSeconds`; every one shares the store and key layout. */
  limiterFor(points: number, durationSeconds: number): RateLimiterAbstract;
  /**
   * One hit on each key in one round trip, counted as `limiterFor`'s limiters
   * count (same keys, same window rule): what a store across the network
   * offers for a request with many counters, where the library takes one
   * round trip a key.
   */
  consumeEach?(keys: readonly string[], durationSeconds: number): Promise<Array<{ readonly consumed: number; readonly msBeforeNext: number }>>;
  /** Forgets every counter whose key starts with `prefix`; returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;
}

// A limiter's options are fixed at construction, so one per distinct limit and window (few: they come from config).
export function memoizeLimiters<L extends RateLimiterAbstract>(create: (points: number, durationSeconds: number) => L): {
  limiterFor(points: number, durationSeconds: number): L;
  all(): Iterable<L>;
  clear(): void;
} {
  const limiters = new Map<string, L>();
  return {
    limiterFor(points, durationSeconds) {
      const id = `${points}/${durationSeconds}`;
      let limiter = limiters.get(id);
      if (limiter === undefined) {
        limiter = create(points, durationSeconds);
        limiters.set(id, limiter);
      }
      return limiter;
    },
    all: () => limiters.values(),
    clear: () => limiters.clear(),
  };
}

// The library resolves an admitted hit and rejects a refused one with its RateLimiterRes; any other rejection is a store failure.
async function consumeOne(limiter: RateLimiterAbstract, key: string, limit: number): Promise<RateLimitDecision> {
  let res: RateLimiterRes;
  try {
    res = await limiter.consume(key);
  } catch (refusal) {
    if (!(refusal instanceof RateLimiterRes)) throw refusal;
    res = refusal;
  }
  return decideRateLimit(res.consumedPoints, limit, res.msBeforeNext);
}

export function createFlexibleRateLimiter(store: FlexibleLimiterStore): RateLimiter {
  const rateLimiter: RateLimiter = {
    hit: (key, limit, windowMs) => rateLimiter.hitEach([{ key, limit }], windowMs),
    async hitEach(hits, windowMs) {
      for (const { limit } of hits) assertRateLimitArgs(limit, windowMs);
      if (hits.length === 0) return { allowed: true, remaining: 0 };
      // Each key counts the hit even when another refuses it.
      if (store.consumeEach !== undefined && hits.length > 1) {
        const counted = await store.consumeEach(
          hits.map((hit) => hit.key),
          windowMs / 1_000,
        );
        return combineRateLimits(hits.map(({ limit }, i) => decideRateLimit(counted[i]?.consumed ?? Number.POSITIVE_INFINITY, limit, counted[i]?.msBeforeNext ?? windowMs)));
      }
      const decisions = await Promise.all(hits.map(({ key, limit }) => consumeOne(store.limiterFor(limit, windowMs / 1_000), key, limit)));
      return combineRateLimits(decisions);
    },
    async deleteByPrefix(prefix) {
      assertKeyPrefix(prefix);
      return store.deleteByPrefix(prefix);
    },
  };
  return rateLimiter;
}
