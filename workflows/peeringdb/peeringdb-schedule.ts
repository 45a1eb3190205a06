import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensurePlatformSchedule } from '../platform-schedule.js';
import type { PeeringDbSyncInput } from './sync-peeringdb.workflow.js';

/**
 * One schedule per deployment: deployments sharing a Temporal namespace keep
 * apart by their task queue, as they keep apart every workflow they run.
 */
export const peeringDbScheduleId = (taskQueue: string): string => `peeringdb:sync:${taskQueue}`;

/**
 * Where PEERINGDB_URL is set: makes the schedule (its first sync starts at
 * once), or brings an existing one to the configured interval; returns whether
 * it made it. Where it is not: removes a schedule left from when it was, so no
 * sync runs against nothing.
 */
export async function ensurePeeringDbSchedule(deps: { client: Client; taskQueue: string; configured: boolean; everyHours: number }): Promise<boolean> {
  const scheduleId = peeringDbScheduleId(deps.taskQueue);
  if (!deps.configured) {
    try {
      await deps.client.schedule.getHandle(scheduleId).delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
    return false;
  }
  const args: [PeeringDbSyncInput] = [{}];
  const options = {
    scheduleId,
    spec: { intervals: [{ every: `${deps.everyHours} hours` }] },
    action: { type: 'startWorkflow', workflowType: 'syncPeeringDbWorkflow', workflowId: scheduleId, taskQueue: deps.taskQueue, args },
    // A sync still running (a first full read, a long rate-limit wait) is not doubled; a missed one is made up by the next.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${deps.everyHours} hours` },
    state: { triggerImmediately: true },
  } satisfies ScheduleOptions;
  return ensurePlatformSchedule(deps.client, options);
}
