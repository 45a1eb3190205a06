import type { Client } from '@temporalio/client';
import type { OffboardingOrder } from '../../tenants/offboarding/tenant-offboarding.js';

export const offboardTenantWorkflowId = (tenantId: string): string => `offboard:${tenantId}`;

/**
 * Starts a tenant's offboarding, or joins the one running: one workflow per
 * tenant. A closed one may run again (it failed, or the operator asks again):
 * every step is idempotent.
 */
export function createOffboardingStarter(deps: { client: Client; taskQueue: string }): (order: OffboardingOrder) => Promise<void> {
  return async (order) => {
    await deps.client.workflow.start('offboardTenantWorkflow', {
      workflowId: offboardTenantWorkflowId(order.tenantId),
      taskQueue: deps.taskQueue,
      args: [order],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  };
}
