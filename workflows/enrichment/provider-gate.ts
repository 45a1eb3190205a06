/**
 * Who may call a provider now, across every worker: at most `concurrency`
 * calls at once per tenant and provider (leases in the shared cache, each
 * expiring on its own if its holder dies), within `rateLimitPerMinute`, and
 * one call per question at a time (single flight): a second job asking the
 * same thing waits for the first one's answer in the cache instead of paying
 * for its own.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Coordination } from '../../platform/coordination/coordination.js';

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
 * A lease lives this long unless its holder renews it (every third of it):
 * a worker that dies (SIGKILL, a lost machine) frees its slot and its flight
 * within seconds, so the retry on another worker is not kept waiting.
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

export function createProviderGate(coordination: Coordination): ProviderGate {
  const { cache, rateLimiter } = coordination;

  /** Runs `work` while renewing the lease `key` holds for `token`, then releases it. */
  async function holding<T>(key: string, token: string, work: () => Promise<T>): Promise<T> {
    const renew = setInterval(() => {
      void (async () => {
        if ((await cache.get(key)) === token) await cache.set(key, token, LEASE_MS);
      })().catch(() => undefined); // a missed renewal only shortens the lease
    }, LEASE_MS / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await cache.deleteIfEquals(key, token);
    }
  }

  async function acquireSlot(limits: GateLimits, token: string, hooks: GateHooks): Promise<string> {
    for (;;) {
      for (let slot = 0; slot < limits.concurrency; slot += 1) {
        const key = `enrich:slot:${limits.tenantId}:${limits.providerId}:${slot}`;
        if (await cache.setIfAbsent(key, token, LEASE_MS)) return key;
      }
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
      const token = randomUUID();
      const slot = await acquireSlot(limits, token, hooks);
      return holding(slot, token, call);
    },

    async singleFlight(key, hooks, lead, follow) {
      const token = randomUUID();
      const flight = `enrich:flight:${key}`;
      for (;;) {
        const found = await follow();
        if (found !== undefined) return { value: found, led: false };
        if (await cache.setIfAbsent(flight, token, LEASE_MS)) {
          return holding(flight, token, async () => {
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
