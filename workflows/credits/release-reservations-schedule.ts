import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensurePlatformSchedule } from '../platform-schedule.js';

/** One per deployment: deployments sharing a namespace keep apart by their task queue (as peeringdb-schedule.ts). */
export const reservationSweepScheduleId = (taskQueue: string): string => `credits:release-reservations:${taskQueue}`;

/** Makes the sweep's schedule, or brings an existing one to the configured interval; returns whether it made it. */
export async function ensureReservationSweepSchedule(deps: { client: Client; taskQueue: string; everyMinutes: number }): Promise<boolean> {
  const scheduleId = reservationSweepScheduleId(deps.taskQueue);
  const options = {
    scheduleId,
    spec: { intervals: [{ every: `${deps.everyMinutes} minutes` }] },
    action: { type: 'startWorkflow', workflowType: 'releaseReservationsWorkflow', workflowId: scheduleId, taskQueue: deps.taskQueue, args: [] },
    // A sweep still running is not doubled; a missed one is made up by the next, which finds everything expired by then.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${deps.everyMinutes} minutes` },
  } satisfies ScheduleOptions;
  return ensurePlatformSchedule(deps.client, options);
}
