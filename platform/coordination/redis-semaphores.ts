/**
 * Semaphores on redis-semaphore: a slot is an entry in a sorted set scored by its last renewal, so
 * a holder that dies stops renewing and its slot lapses after the lease.
 */
import type { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import { assertSemaphoreArgs, type CoordinationErrorHandler, type SemaphoreLease, type Semaphores } from './coordination.js';

export function createRedisSemaphores(connection: Redis, onError: CoordinationErrorHandler): Semaphores & { stopRenewals(): void } {
  const renewals = new Set<NodeJS.Timeout>();
  const stopRenewal = (renewal: NodeJS.Timeout): void => {
    clearInterval(renewal);
    renewals.delete(renewal);
  };
  return {
    async tryAcquire(key, limit, leaseMs) {
      assertSemaphoreArgs(limit, leaseMs);
      // One attempt, no pause after a miss: callers poll at their own pace, heartbeating between tries.
      const options = { lockTimeout: leaseMs, acquireAttemptsLimit: 1, retryInterval: 0, refreshInterval: 0 };
      const semaphore = new Semaphore(connection, key, limit, options);
      if (!(await semaphore.tryAcquire())) return undefined;

      // The library's own refresh timer lets a Redis error escape as an unhandled rejection
      // (swarthy/redis-semaphore#199), so renewal is ours: re-taking the held identifier extends it.
      const renewal = setInterval(() => {
        const renewer = new Semaphore(connection, key, limit, { ...options, identifier: semaphore.identifier, acquiredExternally: true });
        renewer.tryAcquire().then(
          (held) => {
            if (held) return;
            stopRenewal(renewal);
            onError(new Error(`semaphore lease on "${key}" lapsed before its holder released it`), 'semaphore renewal');
          },
          // A missed renewal only shortens the lease; the next one may land.
          (error: unknown) => onError(error, `renewing semaphore lease on "${key}"`),
        );
      }, Math.max(1, Math.floor(leaseMs / 3)));
      renewal.unref();
      renewals.add(renewal);

      let released: Promise<void> | undefined;
      const lease: SemaphoreLease = {
        release() {
          stopRenewal(renewal);
          released ??= semaphore.release();
          return released;
        },
      };
      return lease;
    },
    /** On close: the leases still held lapse like those of a holder that died. */
    stopRenewals() {
      for (const renewal of renewals) clearInterval(renewal);
      renewals.clear();
    },
  };
}
