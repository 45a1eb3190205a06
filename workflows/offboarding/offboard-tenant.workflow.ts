import { ApplicationFailure, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OffboardingOrder } from '../../tenants/offboarding/tenant-offboarding.js';
import type { OffboardTenantActivities } from './offboard-tenant.activities.js';

// About 25 minutes of retries; past them the request reads FAILED with the cause, and asking again resumes.
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 30 };

const steps = proxyActivities<OffboardTenantActivities>({ startToCloseTimeout: '2 minutes', retry });

// Listing and terminating, dropping a large schema, scanning Redis: long, so they heartbeat or get time.
const sweeps = proxyActivities<OffboardTenantActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry });
const drops = proxyActivities<OffboardTenantActivities>({ startToCloseTimeout: '30 minutes', retry });

/** The step that destroys the tenant's data key: an offboarding begun before it replays without it. */
const DATA_KEY_PATCH = 'offboarding-destroys-data-key';

/**
 * Removes a tenant (`offboard:<tenant>`): access first, so nothing new
 * arrives, then what could still write (schedules, running workflows), then
 * the data, the data key its workflow histories are encrypted with (so they can
 * never be read again) and the caches. Every step is idempotent, so a retried step or a
 * replayed request ends in the same place. The credit ledger and the audit
 * log stay for billing; neither holds personal data.
 */
export async function offboardTenantWorkflow(order: OffboardingOrder): Promise<void> {
  try {
    await steps.revokeTenantAccess(order);
    await steps.removeTenantSchedules(order);
    await sweeps.terminateTenantWorkflows({ ...order, except: workflowInfo().workflowId });
    await drops.dropTenantSchema(order);
    // After the workflows are terminated: none of them writes a payload under the key again.
    if (patched(DATA_KEY_PATCH)) await steps.destroyTenantDataKey(order);
    await sweeps.forgetTenantCoordination(order);
    await steps.markTenantDeleted(order);
  } catch (error) {
    const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    await steps.markOffboardingFailed({ ...order, error: cause });
    throw ApplicationFailure.nonRetryable(`offboarding of tenant ${order.tenantId} failed: ${cause}`);
  }
}
