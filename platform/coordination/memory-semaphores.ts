/**
 * In-process semaphores with the Redis adapter's contract. A holder here can only die with the
 * process, and the slots with it, so leases need neither renewal nor expiry.
 */
import { assertSemaphoreArgs, type SemaphoreLease, type Semaphores } from './coordination.js';

export function createMemorySemaphores(ensureOpen: () => void): Semaphores & { clear(): void } {
  const holders = new Map<string, Set<symbol>>();
  return {
    async tryAcquire(key, limit, leaseMs) {
      ensureOpen();
      assertSemaphoreArgs(limit, leaseMs);
      const held = holders.get(key) ?? new Set<symbol>();
      if (held.size >= limit) return undefined;
      const holder = Symbol(key);
      held.add(holder);
      holders.set(key, held);
      const lease: SemaphoreLease = {
        async release() {
          held.delete(holder);
          if (held.size === 0 && holders.get(key) === held) holders.delete(key);
        },
      };
      return lease;
    },
    clear: () => holders.clear(),
  };
}
