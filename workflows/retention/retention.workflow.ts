import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import type { PersonalStore } from '../../modules/privacy/expired-data.js';
import type { RetentionActivities, RetentionPlan } from './retention.activities.js';

const { planRetention, sweepEvents, expireStoreRows, maskStoredSessionIps } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * Where a pass is, carried across continue-as-new. `stores` and `expired`
 * are absent from a pass begun by the code before stores existed.
 */
export interface RetentionPass extends Omit<RetentionPlan, 'stores'> {
  readonly stores?: RetentionPlan['stores'];
  readonly nextEventId: number;
  /** Sessions are masked after the events, page by page; null before the first page. */
  readonly sessionsAfter: string | null;
  readonly sessionsDone: boolean;
  readonly deleted: number;
  readonly masked: number;
  /** Rows deleted (vendor bodies: cleared) per store so far; the head of `stores` is the one in progress. */
  readonly expired?: Partial<Record<PersonalStore, number>>;
}

export interface RetentionInput extends TenantRef {
  readonly pass?: RetentionPass;
}

export interface RetentionSummary {
  /** Events deleted: past their window, or with their session. */
  readonly deleted: number;
  readonly masked: number;
  /** Rows deleted per store past its window (vendor bodies: cleared from their calls). */
  readonly expired: Partial<Record<PersonalStore, number>>;
}

/** Activity calls per run before continuing as new, so the history stays small for any number of events. */
const STEPS_PER_RUN = 100;

/**
 * Run daily by the tenant's `retention:<tenant>` schedule: deletes events
 * older than the tenant's `event_retention_days`, walking the events' ids
 * from the oldest, then every other personal store past its own window
 * (sessions, webhook deliveries, vendor bodies, consent changes, exports),
 * page by page, and brings stored addresses (events' `context.ip`,
 * sessions' `ip`) in line with the tenant's current `ip_storage`.
 * A pass begun by the code before stores existed has none, so it replays
 * the same commands.
 */
export async function retentionWorkflow(input: RetentionInput): Promise<RetentionSummary> {
  let pass: RetentionPass = input.pass ?? (await start(input));
  for (let step = 0; step < STEPS_PER_RUN; step += 1) {
    if (pass.nextEventId <= pass.lastEventId) {
      const swept = await sweepEvents({ tenantId: input.tenantId, schema: input.schema, fromId: pass.nextEventId, lastId: pass.lastEventId, cutoff: pass.cutoff, ipStorage: pass.ipStorage });
      pass = { ...pass, nextEventId: swept.nextId, deleted: pass.deleted + swept.deleted, masked: pass.masked + swept.masked };
    } else if (pass.stores !== undefined && pass.stores.length > 0) {
      pass = await expireNextPages(input, pass, pass.stores);
    } else if (!pass.sessionsDone) {
      const page = await maskStoredSessionIps({ tenantId: input.tenantId, schema: input.schema, after: pass.sessionsAfter, ipStorage: pass.ipStorage });
      pass = { ...pass, sessionsAfter: page.last, sessionsDone: page.last === null, masked: pass.masked + page.masked };
    } else {
      return { deleted: pass.deleted, masked: pass.masked, expired: pass.expired ?? {} };
    }
  }
  return continueAsNew<typeof retentionWorkflow>({ ...input, pass });
}

async function start(tenant: TenantRef): Promise<RetentionPass> {
  const plan = await planRetention(tenant);
  return { ...plan, nextEventId: plan.firstEventId, sessionsAfter: null, sessionsDone: plan.ipStorage === 'full', deleted: 0, masked: 0, expired: {} };
}

/** A few pages of the first store left; a store whose last page came back short leaves the list. */
async function expireNextPages(tenant: TenantRef, pass: RetentionPass, stores: RetentionPlan['stores']): Promise<RetentionPass> {
  const [expiry, ...rest] = stores;
  if (expiry === undefined) return pass;
  const swept = await expireStoreRows({ tenantId: tenant.tenantId, schema: tenant.schema, expiry });
  const expired = { ...pass.expired, [expiry.store]: (pass.expired?.[expiry.store] ?? 0) + swept.deleted };
  return { ...pass, stores: swept.done ? rest : stores, deleted: pass.deleted + swept.events, expired };
}
