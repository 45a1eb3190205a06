/**
 * Each tenant's recurring work is a Temporal Schedule of its own: visible and
 * pausable in Temporal's UI, never two runs at once, kept by Temporal rather
 * than by a process that may be down at the hour, and removed with the tenant.
 * - `reenrich:<tenant>`: daily re-enrichment of stale leads;
 * - `retention:<tenant>`: daily deletion of events past the tenant's retention,
 *   and stored addresses brought in line with its ip_storage;
 * - `segment-windows:<tenant>`: every minute, leads leave (and enter) windowed
 *   segments as their windows slide; made with the tenant's first windowed segment.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { TenantRef } from '../modules/enrichment/enrichment-plan.js';

export const reenrichScheduleId = (tenantId: string): string => `reenrich:${tenantId}`;
export const segmentWindowsScheduleId = (tenantId: string): string => `segment-windows:${tenantId}`;
export const retentionScheduleId = (tenantId: string): string => `retention:${tenantId}`;

export interface TenantSchedules {
  /** Creates the tenant's re-enrichment and retention schedules where it lacks them; returns whether it made one. */
  ensure(tenant: TenantRef): Promise<boolean>;
  /** The every-minute sweep, made when the tenant first has a windowed segment (most tenants never pay for it). */
  ensureSegmentWindows(tenant: TenantRef): Promise<boolean>;
  remove(tenantId: string): Promise<void>;
}

export function createTenantSchedules(deps: {
  client: Client;
  taskQueue: string;
  batchConcurrency: number;
  /** Whether the tenant is still served (control.tenants.status = 'active'). */
  tenantIsActive: (tenantId: string) => Promise<boolean>;
}): TenantSchedules {
  async function create(options: Parameters<Client['schedule']['create']>[0]): Promise<boolean> {
    try {
      await deps.client.schedule.create(options);
      return true;
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning) return false;
      throw error;
    }
  }

  async function remove(tenantId: string): Promise<void> {
    for (const id of [reenrichScheduleId(tenantId), segmentWindowsScheduleId(tenantId), retentionScheduleId(tenantId)]) {
      await deps.client.schedule
        .getHandle(id)
        .delete()
        .catch((error: unknown) => {
          if (!(error instanceof ScheduleNotFoundError)) throw error;
        });
    }
  }

  /**
   * A schedule made for a tenant that offboarding has started on is taken
   * away again. Offboarding marks the tenant before it removes schedules, so
   * whichever of the two comes second, none is left behind.
   */
  async function unlessOffboarding(tenantId: string, made: boolean): Promise<boolean> {
    if (made && !(await deps.tenantIsActive(tenantId))) {
      await remove(tenantId);
      return false;
    }
    return made;
  }

  /** A schedule of an offboarded tenant cannot even be encoded (its data key is destroyed): nothing is made, as above. */
  async function guarded(tenantId: string, make: () => Promise<boolean>): Promise<boolean> {
    let made: boolean;
    try {
      made = await make();
    } catch (error) {
      if (!(await deps.tenantIsActive(tenantId))) return false;
      throw error;
    }
    return unlessOffboarding(tenantId, made);
  }

  return {
    ensure: (tenant) => guarded(tenant.tenantId, () => ensureDaily(tenant)),
    ensureSegmentWindows: (tenant) => guarded(tenant.tenantId, () => ensureWindows(tenant)),
    remove,
  };

  async function ensureDaily(tenant: TenantRef): Promise<boolean> {
    const reenrich = await create({
      scheduleId: reenrichScheduleId(tenant.tenantId),
      // Spread over the day by the tenant's id, so thousands of tenants do not start at one instant.
      spec: { intervals: [{ every: '1 day', offset: `${hashMinutes(tenant.tenantId)} minutes` }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'reenrichStaleWorkflow',
        workflowId: `reenrich:${tenant.tenantId}`,
        taskQueue: deps.taskQueue,
        args: [{ tenantId: tenant.tenantId, schema: tenant.schema, concurrency: deps.batchConcurrency }],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    const retention = await create({
      scheduleId: retentionScheduleId(tenant.tenantId),
      // Half a day away from the tenant's re-enrichment, so its two daily jobs do not share an hour.
      spec: { intervals: [{ every: '1 day', offset: `${(hashMinutes(tenant.tenantId) + 12 * 60) % (24 * 60)} minutes` }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'retentionWorkflow',
        workflowId: `retention:${tenant.tenantId}`,
        taskQueue: deps.taskQueue,
        args: [{ tenantId: tenant.tenantId, schema: tenant.schema }],
      },
      // A missed day is made up by the next run: it deletes everything past the threshold, whenever it runs.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
    });
    return reenrich || retention;
  }

  function ensureWindows(tenant: TenantRef): Promise<boolean> {
    return create({
      scheduleId: segmentWindowsScheduleId(tenant.tenantId),
      spec: { intervals: [{ every: '1 minute' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'segmentWindowsWorkflow',
        workflowId: `segment-windows:${tenant.tenantId}`,
        taskQueue: deps.taskQueue,
        args: [{ tenantId: tenant.tenantId, schema: tenant.schema }],
      },
      // A missed minute is made up by the next run, which looks at the present.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    });
  }
}

function hashMinutes(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % (24 * 60);
}
