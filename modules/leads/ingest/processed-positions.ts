/**
 * Read-your-writes over the log: a caller that must see what its messages
 * did waits until the lane's cursor passes its position. A processor in this
 * process says so at once (`advanced`), one elsewhere through the pubsub
 * channel the composition root wires to it; the cursor is read again every
 * `pollMs` regardless, so a lost message only costs a poll.
 */
import type { TenantDb } from '../../../tenants/tenant-db.js';
import type { Lane } from './log-entry.js';

export interface ProcessedPositions {
  /** Resolves true once the tenant's lane is processed up to `position`, false when `timeoutMs` passes first. */
  reached(tenant: TenantDb, lane: Lane, position: number, timeoutMs: number): Promise<boolean>;
  /** The lane's cursor moved to `position` (here or in another process). */
  advanced(tenantId: string, lane: Lane, position: number): void;
}

export function createProcessedPositions(deps: {
  /** The lane's processed position as committed. */
  read: (tenant: TenantDb, lane: Lane) => Promise<number>;
  pollMs?: number;
}): ProcessedPositions {
  const pollMs = deps.pollMs ?? 100;
  const known = new Map<string, number>();
  const listeners = new Map<string, Set<() => void>>();
  const keyOf = (tenantId: string, lane: Lane) => `${tenantId}:${lane}`;

  const learn = (key: string, position: number) => {
    if (position <= (known.get(key) ?? 0)) return;
    known.set(key, position);
    for (const wake of listeners.get(key) ?? []) wake();
  };

  return {
    async reached(tenant, lane, position, timeoutMs) {
      const key = keyOf(tenant.tenantId, lane);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if ((known.get(key) ?? 0) >= position) return true;
        learn(key, await deps.read(tenant, lane));
        if ((known.get(key) ?? 0) >= position) return true;
        const left = deadline - Date.now();
        if (left <= 0) return false;
        await new Promise<void>((resolve) => {
          const set = listeners.get(key) ?? new Set();
          listeners.set(key, set);
          const done = () => {
            clearTimeout(timer);
            set.delete(done);
            if (set.size === 0) listeners.delete(key);
            resolve();
          };
          const timer = setTimeout(done, Math.min(pollMs, left));
          set.add(done);
        });
      }
    },
    advanced: (tenantId, lane, position) => learn(keyOf(tenantId, lane), position),
  };
}
