// Contract for cross-instance coordination (rate limits, semaphores, short-lived cache, pub/sub).
// Redis backs it in production; an in-process adapter backs single-node installs.
// Both must behave the same, which test/integration/coordination.test.ts enforces.

export type RateLimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  /**
   * Counts one hit against `key` in a fixed window of `windowMs` (whole seconds) that starts at
   * the first hit. Refused decisions carry an integer `retryAfterSeconds` >= 1.
   */
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
  /**
   * Counts one hit against each key, each against its own limit, in one pipelined round trip;
   * refused when any key is over (retry after the longest wait). Every key counts the hit, refused
   * or not. Keys sharing a `{tag}` stay together on a cluster.
   */
  hitEach(hits: ReadonlyArray<{ readonly key: string; readonly limit: number }>, windowMs: number): Promise<RateLimitDecision>;
  /** Forgets every counter whose key starts with `prefix` (a tenant's, when it is offboarded); returns how many. */
  deleteByPrefix(prefix: string): Promise<number>;
}

/** One held slot of a semaphore; it renews itself until released. */
export interface SemaphoreLease {
  /** Frees the slot; idempotent. */
  release(): Promise<void>;
}

export interface Semaphores {
  /**
   * Takes one of `limit` slots named `key` when one is free, without waiting; undefined when all
   * are held. The lease renews itself while its holder lives and lapses `leaseMs` after it dies.
   */
  tryAcquire(key: string, limit: number, leaseMs: number): Promise<SemaphoreLease | undefined>;
}

export interface Cache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Stores only when `key` holds nothing live; true when this call stored. Atomic across
   * instances, so it can elect a single flight or take a lease.
   */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /**
   * Deletes only when `key` still holds exactly `value`; true when this call deleted. Lets a
   * lease holder release its own lease without freeing one that expired and was taken by another.
   */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * Deletes every entry whose key starts with `prefix`; returns how many. Not a snapshot: an
   * entry written while it runs may survive, so callers stop the writers first.
   */
  deleteByPrefix(prefix: string): Promise<number>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  /** Fire-and-forget fan-out; delivery is asynchronous and at-most-once. */
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is live: messages published afterwards are delivered. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<Unsubscribe>;
}

export type CoordinationKind = 'redis' | 'memory';

export interface Coordination {
  kind: CoordinationKind;
  rateLimiter: RateLimiter;
  semaphores: Semaphores;
  cache: Cache;
  pubsub: PubSub;
  /** Rejects when the backing store is unreachable; for health checks. */
  ping(): Promise<void>;
  /** Releases connections; idempotent. Operations after close reject. */
  close(): Promise<void>;
}

/** Where subscriber exceptions and background connection errors go instead of crashing the process. */
export type CoordinationErrorHandler = (error: unknown, context: string) => void;

// Shared by both adapters so bad arguments fail identically rather than silently mis-limiting.
export function assertRateLimitArgs(limit: number, windowMs: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`rate limit must be a non-negative integer, got ${limit}`);
  }
  // rate-limiter-flexible counts windows in whole seconds (Redis EX), so anything else would be rounded silently.
  if (!Number.isInteger(windowMs) || windowMs < 1_000 || windowMs % 1_000 !== 0) {
    throw new RangeError(`rate limit window must be a whole number of seconds, got ${windowMs} ms`);
  }
}

export function assertSemaphoreArgs(limit: number, leaseMs: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
  }
  if (!Number.isInteger(leaseMs) || leaseMs < 1) {
    throw new RangeError(`semaphore lease must be a positive whole number of ms, got ${leaseMs}`);
  }
}

// An empty prefix would wipe every tenant's entries at once; no caller means that.
export function assertKeyPrefix(prefix: string): void {
  if (prefix === '') throw new RangeError('a key prefix must not be empty');
}

export function assertTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs < 1) {
    throw new RangeError(`cache ttl must be >= 1 ms, got ${ttlMs}`);
  }
}

/** The decision of several counters: allowed when all are, else the longest wait. */
export function combineRateLimits(decisions: readonly RateLimitDecision[]): RateLimitDecision {
  let remaining = Number.POSITIVE_INFINITY;
  let wait = 0;
  for (const decision of decisions) {
    if (decision.allowed) remaining = Math.min(remaining, decision.remaining);
    else wait = Math.max(wait, decision.retryAfterSeconds);
  }
  if (wait > 0) return { allowed: false, retryAfterSeconds: wait };
  return { allowed: true, remaining: Number.isFinite(remaining) ? remaining : 0 };
}

/** Turns a count and the window's remaining time into a decision; never tells a client to retry in 0 s. */
export function decideRateLimit(count: number, limit: number, msUntilReset: number): RateLimitDecision {
  if (count <= limit) return { allowed: true, remaining: limit - count };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msUntilReset / 1000)) };
}
