import { ActivityFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { ExportPersonActivities } from './export-person.activities.js';
import type { PersonRequestInput } from '../../modules/privacy/privacy-requests.js';

/**
 * One statement builds and stores the document, heartbeating meanwhile (a
 * dead worker's attempt moves on within seconds); a few attempts, then the
 * request is FAILED and can be asked for again.
 */
const steps = proxyActivities<ExportPersonActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** Everything held about a person as one JSON document, `export:<tenant>:<request>`; it expires with its request. */
export async function exportPersonWorkflow(input: PersonRequestInput): Promise<void> {
  try {
    await steps.buildExport(input);
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    await steps.failExport(input).catch(() => undefined);
  }
}
