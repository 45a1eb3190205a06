/**
 * Who may call a provider now, across every worker: at most `concurrency`
 * calls at once per tenant and provider (a shared semaphore whose leases
 * lapse on their own if their holder dies), within `rateLimitPerMinute`, and
 * one call per question at a time (single flight): a second job asking the
 * same thing waits for the first one's answer in the cache instead of paying
 * for its own.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Coordination, SemaphoreLease } from '../../platform/coordination/coordination.js';

export interface GateLimits {
  readonly tenantId: string;
  readonly providerId: string;
  readonly rateLimitPerMinute: number;
  readonly concurrency: number;
}

export interface GateHooks {
  /** Called while waiting, so the activity's heartbeat keeps going. */
  readonly waiting: () => void;
  readonly signal?: AbortSignal;
}

/**
 * A lease lives this long unless its holder renews it (the semaphores renew
 * every third of it): a worker that dies (SIGKILL, a lost machine) frees its
 * slot and its flight within seconds, so the retry on another worker is not
 * kept waiting.
 */
const LEASE_MS = 15_000;
const POLL_MS = 50;

async function wait(ms: number, hooks: GateHooks): Promise<void> {
  hooks.waiting();
  await delay(ms, undefined, hooks.signal ? { signal: hooks.signal } : {});
}

export interface ProviderGate {
  /** Runs `call` holding a concurrency slot and a rate-limit token. */
  withSlot<T>(limits: GateLimits, hooks: GateHooks, call: () => Promise<T>): Promise<T>;
  /**
   * Single flight for one question: `lead` runs when no other caller is asking
   * it; otherwise `follow` is polled until it finds the other caller's answer,
   * or the other caller is gone (then this one leads).
   */
  singleFlight<T>(key: string, hooks: GateHooks, lead: () => Promise<T>, follow: () => Promise<T | undefined>): Promise<{ value: T; led: boolean }>;
}

export function createProviderGate(coordination: Pick<Coordination, 'rateLimiter' | 'semaphores'>): ProviderGate {
  const { rateLimiter, semaphores } = coordination;

  /** Runs `work` holding `lease`, then frees it. */
  async function holding<T>(lease: SemaphoreLease, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } finally {
      // A failed release leaves the slot taken only until its lease lapses; it must not fail a call already paid for.
      await lease.release().catch(() => undefined);
    }
  }

  async function acquireSlot(limits: GateLimits, hooks: GateHooks): Promise<SemaphoreLease> {
    const key = `enrich:slot:${limits.tenantId}:${limits.providerId}`;
    for (;;) {
      const lease = await semaphores.tryAcquire(key, limits.concurrency, LEASE_MS);
      if (lease !== undefined) return lease;
      await wait(POLL_MS, hooks);
    }
  }

  return {
    async withSlot(limits, hooks, call) {
      for (;;) {
        const decision = await rateLimiter.hit(`enrich:rate:${limits.tenantId}:${limits.providerId}`, limits.rateLimitPerMinute, 60_000);
        if (decision.allowed) break;
        await wait(Math.min(decision.retryAfterSeconds * 1000, 5_000), hooks);
      }
      return holding(await acquireSlot(limits, hooks), call);
    },

    async singleFlight(key, hooks, lead, follow) {
      const flight = `enrich:flight:${key}`;
      for (;;) {
        const found = await follow();
        if (found !== undefined) return { value: found, led: false };
        // A semaphore of one is a renewed lease that lapses with its holder; between tries the follower looks for the answer.
        const lease = await semaphores.tryAcquire(flight, 1, LEASE_MS);
        if (lease !== undefined) {
          return holding(lease, async () => {
            // The previous leader may have answered between the look and the lease.
            const raced = await follow();
            if (raced !== undefined) return { value: raced, led: false };
            return { value: await lead(), led: true };
          });
        }
        await wait(POLL_MS, hooks);
      }
    },
  };
}
