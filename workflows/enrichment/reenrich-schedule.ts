/**
 * Each tenant's daily re-enrichment is a Temporal Schedule (`reenrich:<tenant>`):
 * visible and pausable in Temporal's UI, never two runs at once, and kept by
 * Temporal rather than by a process that may be down at the hour.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { TenantRef } from './enrichment-plan.js';

export const reenrichScheduleId = (tenantId: string): string => `reenrich:${tenantId}`;

export interface ReenrichSchedules {
  /** Creates the tenant's schedule if it has none; returns whether it created one. */
  ensure(tenant: TenantRef): Promise<boolean>;
  remove(tenantId: string): Promise<void>;
}

export function createReenrichSchedules(deps: { client: Client; taskQueue: string; batchConcurrency: number }): ReenrichSchedules {
  return {
    async ensure(tenant) {
      try {
        await deps.client.schedule.create({
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
        return true;
      } catch (error) {
        if (error instanceof ScheduleAlreadyRunning) return false;
        throw error;
      }
    },

    async remove(tenantId) {
      await deps.client.schedule.getHandle(reenrichScheduleId(tenantId)).delete();
    },
  };
}

function hashMinutes(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % (24 * 60);
}
