import { proxyActivities } from '@temporalio/workflow';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import type { SegmentWindowActivities } from './segment-windows.activities.js';

const { sweepSegmentWindows } = proxyActivities<SegmentWindowActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
});

/** Run by the tenant's `segment-windows:<tenant>` schedule every minute. */
export async function segmentWindowsWorkflow(tenant: TenantRef): Promise<number> {
  return sweepSegmentWindows(tenant);
}
