import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { RecheckPage, RecheckPixelHostsActivities } from './recheck-pixel-hosts.activities.js';

const { recheckPixelHostsPage } = proxyActivities<RecheckPixelHostsActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '10 seconds', maximumAttempts: 3 },
});

export interface RecheckSummary {
  kept: number;
  deactivated: number;
  failed: number;
  unreachable: number;
  gone: number;
}

// A run's history stays small however many hosts there are: after this many pages it goes on as a new run.
const PAGES_PER_RUN = 200;

/**
 * Run by the platform's `pixel-hosts:recheck` schedule: every host a tenant
 * proved is looked up again, and one whose proof is gone for `graceChecks`
 * checks in a row stops serving until proven again.
 */
export async function recheckPixelHostsWorkflow(input: RecheckPage): Promise<RecheckSummary> {
  const summary: RecheckSummary = { kept: 0, deactivated: 0, failed: 0, unreachable: 0, gone: 0 };
  let after = input.after;
  for (let page = 0; page < PAGES_PER_RUN; page += 1) {
    const result = await recheckPixelHostsPage({ ...input, after });
    for (const key of Object.keys(summary) as Array<keyof RecheckSummary>) summary[key] += result.counts[key];
    if (result.next === undefined) return summary;
    after = result.next;
  }
  return continueAsNew<typeof recheckPixelHostsWorkflow>({ ...input, after });
}
