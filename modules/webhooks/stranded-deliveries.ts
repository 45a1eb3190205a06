/**
 * A delivery is recorded, then handed to its workflow. When Temporal cannot
 * be reached at that moment (or the process stops between the two), the
 * delivery stays PENDING with no attempt and nothing would ever send it. The
 * worker sweeps for those now and then and hands them over again; a
 * delivery's workflow id is its own, so one that was only slow starts nothing
 * twice.
 */
import type { Logger } from '../../platform/logging/logger.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { activeTenants } from '../../tenants/tenant-status.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import { strandedDeliveryIds } from './webhooks.repository.js';

/** Younger deliveries may still be on their way to their workflow, whose first attempt is immediate. */
export const STRANDED_AFTER_MS = 2 * 60_000;
const PAGE = 500;

/**
 * Hands every active tenant's stranded deliveries to their workflows; returns
 * how many. A tenant that cannot be swept (its schema not there yet, say) is
 * reported and the others are swept all the same.
 */
export async function redispatchStrandedDeliveries(deps: {
  control: ControlDb;
  tenantDbs: Pick<TenantDatabases, 'ofResolved'>;
  dispatcher: WebhookDispatcher;
  onError: (error: unknown, tenantId: string) => void;
  strandedAfterMs?: number;
}): Promise<number> {
  const tenants = await activeTenants(deps.control);
  let dispatched = 0;
  for (const tenant of tenants) {
    try {
      const stranded = await strandedDeliveryIds(deps.tenantDbs.ofResolved(tenant), deps.strandedAfterMs ?? STRANDED_AFTER_MS, PAGE);
      if (stranded.length === 0) continue;
      await deps.dispatcher.dispatch(tenant, stranded);
      dispatched += stranded.length;
    } catch (error) {
      deps.onError(error, tenant.tenantId);
    }
  }
  return dispatched;
}

/** The sweep every `everyMs` until stopped; a failed round is logged and the next one tries again. */
export function sweepStrandedDeliveries(deps: {
  control: ControlDb;
  tenantDbs: Pick<TenantDatabases, 'ofResolved'>;
  dispatcher: WebhookDispatcher;
  log: Logger;
  everyMs: number;
}): { stop(): Promise<void> } {
  let round: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    round = round.then(async () => {
      const onError = (error: unknown, tenantId: string) => deps.log.warn('stranded webhook deliveries of a tenant not swept', { error, tenantId });
      const count = await redispatchStrandedDeliveries({ ...deps, onError }).catch((error: unknown) => {
        deps.log.warn('stranded webhook deliveries not swept', { error });
        return 0;
      });
      if (count > 0) deps.log.info('stranded webhook deliveries handed to their workflows', { count });
    });
  }, deps.everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await round;
    },
  };
}
