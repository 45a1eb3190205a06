import { RateLimiterMemory } from 'rate-limiter-flexible';
import { assertKeyPrefix, assertTtl, type Cache, type Coordination, type CoordinationErrorHandler, type PubSub, type Unsubscribe } from './coordination.js';
import { createFlexibleRateLimiter, memoizeLimiters } from './flexible-rate-limiter.js';
import { createMemorySemaphores } from './memory-semaphores.js';

export type MemoryCoordinationOptions = {
  /** Injectable clock so cache expiry can be driven deterministically (rate-limit windows follow rate-limiter-flexible's clock). */
  now?: () => number;
  onError?: CoordinationErrorHandler;
};

type Expiring<T> = { value: T; expiresAt: number };

// Expired entries are dropped lazily on read; this bounds growth from keys never read again.
const SWEEP_EVERY_WRITES = 1024;

class ExpiringMap<T> {
  private readonly entries = new Map<string, Expiring<T>>();
  private writes = 0;

  constructor(private readonly now: () => number) {}

  get(key: string): Expiring<T> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, value: T, expiresAt: number): void {
    this.entries.set(key, { value, expiresAt });
    if (++this.writes % SWEEP_EVERY_WRITES === 0) this.sweep();
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Removes the entries under `prefix`, counting only those still live. */
  deleteByPrefix(prefix: string): number {
    const now = this.now();
    let deleted = 0;
    for (const [key, entry] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      if (entry.expiresAt > now) deleted += 1;
      this.entries.delete(key);
    }
    return deleted;
  }

  clear(): void {
    this.entries.clear();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}

const defaultOnError: CoordinationErrorHandler = (error, context) => {
  console.error(`[coordination:memory] ${context}`, error);
};

/** Single-node stand-in for Redis: same semantics, nothing shared beyond this process. */
export function createMemoryCoordination(opts: MemoryCoordinationOptions = {}): Coordination {
  const now = opts.now ?? Date.now;
  const onError = opts.onError ?? defaultOnError;
  let closed = false;

  // Mirrors Redis, where a closed connection rejects every command.
  const ensureOpen = (): void => {
    if (closed) throw new Error('coordination is closed');
  };

  const limiters = memoizeLimiters((points, durationSeconds) => new RateLimiterMemory({ keyPrefix: '', points, duration: durationSeconds }));
  const rateLimiter = createFlexibleRateLimiter({
    limiterFor(points, durationSeconds) {
      ensureOpen();
      return limiters.limiterFor(points, durationSeconds);
    },
    // Each limiter keeps its own store, which only dump() lists; a tenant's counters are few and offboarding rare.
    async deleteByPrefix(prefix) {
      ensureOpen();
      const at = Date.now();
      let deleted = 0;
      for (const limiter of limiters.all()) {
        for (const { key, expiresAt } of limiter.dump().storage) {
          const name = String(key);
          if (!name.startsWith(prefix)) continue;
          if ((await limiter.delete(name)) && (expiresAt === null || expiresAt > at)) deleted += 1;
        }
      }
      return deleted;
    },
  });
  const semaphores = createMemorySemaphores(ensureOpen);

  const entries = new ExpiringMap<string>(now);
  const cache: Cache = {
    async get(key) {
      ensureOpen();
      return entries.get(key)?.value;
    },
    async set(key, value, ttlMs) {
      ensureOpen();
      assertTtl(ttlMs);
      entries.set(key, value, now() + Math.ceil(ttlMs));
    },
    async delete(key) {
      ensureOpen();
      entries.delete(key);
    },
    async setIfAbsent(key, value, ttlMs) {
      ensureOpen();
      assertTtl(ttlMs);
      if (entries.get(key) !== undefined) return false;
      entries.set(key, value, now() + Math.ceil(ttlMs));
      return true;
    },
    async deleteIfEquals(key, value) {
      ensureOpen();
      if (entries.get(key)?.value !== value) return false;
      entries.delete(key);
      return true;
    },
    async deleteByPrefix(prefix) {
      ensureOpen();
      assertKeyPrefix(prefix);
      return entries.deleteByPrefix(prefix);
    },
  };

  const channels = new Map<string, Set<(message: string) => void>>();
  const pubsub: PubSub = {
    async publish(channel, message) {
      ensureOpen();
      const handlers = channels.get(channel);
      if (handlers === undefined) return;
      // Snapshot at publish time, deliver on a later tick like a network round-trip would;
      // re-check membership so an unsubscribe that lands first stops delivery.
      for (const handler of [...handlers]) {
        setImmediate(() => {
          if (!channels.get(channel)?.has(handler)) return;
          try {
            handler(message);
          } catch (error) {
            onError(error, `subscriber on channel "${channel}" threw`);
          }
        });
      }
    },
    async subscribe(channel, onMessage) {
      ensureOpen();
      // Wrap so the same function subscribed twice gets two independent subscriptions.
      const handler = (message: string): void => onMessage(message);
      let handlers = channels.get(channel);
      if (handlers === undefined) {
        handlers = new Set();
        channels.set(channel, handlers);
      }
      handlers.add(handler);
      const unsubscribe: Unsubscribe = async () => {
        const current = channels.get(channel);
        if (current === undefined) return;
        current.delete(handler);
        if (current.size === 0) channels.delete(channel);
      };
      return unsubscribe;
    },
  };

  return {
    kind: 'memory',
    rateLimiter,
    semaphores,
    cache,
    pubsub,
    async ping() {
      ensureOpen();
    },
    async close() {
      closed = true;
      channels.clear();
      limiters.clear();
      semaphores.clear();
      entries.clear();
    },
  };
}
