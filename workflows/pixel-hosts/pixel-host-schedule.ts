import { ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { ensurePlatformSchedule } from '../platform-schedule.js';
import type { RecheckPage } from './recheck-pixel-hosts.activities.js';

/** One schedule for the whole platform: the re-check pages through every tenant's proven hosts. */
export const PIXEL_HOST_SCHEDULE_ID = 'pixel-hosts:recheck';

/** Makes the schedule, or brings an existing one to the configured interval and grace; returns whether it made it. */
export async function ensurePixelHostSchedule(deps: {
  client: Client;
  taskQueue: string;
  everyMinutes: number;
  graceChecks: number;
}): Promise<boolean> {
  const args: [RecheckPage] = [{ graceChecks: deps.graceChecks }];
  const options = {
    scheduleId: PIXEL_HOST_SCHEDULE_ID,
    spec: { intervals: [{ every: `${deps.everyMinutes} minutes` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'recheckPixelHostsWorkflow',
      workflowId: PIXEL_HOST_SCHEDULE_ID,
      taskQueue: deps.taskQueue,
      args,
    },
    // A missed run is made up by the next one, which looks at DNS as it is then.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${deps.everyMinutes} minutes` },
  } satisfies ScheduleOptions;
  return ensurePlatformSchedule(deps.client, options);
}
