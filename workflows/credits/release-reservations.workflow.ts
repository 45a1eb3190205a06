import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { ReleaseReservationsActivities } from './release-reservations.activities.js';

const { releaseExpiredReservations } = proxyActivities<ReleaseReservationsActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', maximumAttempts: 3 },
});

// A run's history stays small however many reservations expired at once: after this many pages it goes on as a new run.
const PAGES_PER_RUN = 200;

/**
 * Run by the deployment's `credits:release-reservations:<task queue>`
 * schedule: credits reserved by jobs that never settled (a workflow
 * terminated between reserving and settling) go back to their tenants,
 * each reservation once however often this runs.
 */
export async function releaseReservationsWorkflow(released = 0): Promise<number> {
  let total = released;
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await releaseExpiredReservations();
    total += result.released;
    if (!result.more) return total;
  }
  return continueAsNew<typeof releaseReservationsWorkflow>(total);
}
