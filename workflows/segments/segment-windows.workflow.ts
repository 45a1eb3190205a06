import { proxyActivities } from '@temporalio/workflow';
import type { TenantIdentity } from '../../tenants/tenant-db.js';
import type { SegmentWindowActivities } from './segment-windows.activities.js';

const { sweepSegmentWindows } = proxyActivities<SegmentWindowActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumAttempts: 3 },
});

/** Run by the tenant's `segment-windows:<tenant>` schedule every minute. */
export async function segmentWindowsWorkflow(tenant: TenantIdentity): Promise<number> {
  return sweepSegmentWindows(tenant);
}
