import { ActivityFailure, isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { DeletePersonActivities, ErasureRef } from './delete-person.activities.js';
import { ERASURE_PAGE_SIZE, ERASURE_STEPS, INGEST_LOG_ERASURE_PATCH } from './erasure-steps.js';
import type { PersonRequestInput } from '../../modules/privacy/privacy-requests.js';

/**
 * Every step retries until it succeeds (an erasure must finish, whatever
 * PostgreSQL or Redis went through meanwhile), except a tenant that no longer
 * exists. Steps heartbeat, so one on a worker that died is retried elsewhere
 * within seconds.
 */
const steps = proxyActivities<DeletePersonActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** Long enough for an ingestion batch or an evaluation that began before the suppression to commit. */
const SETTLING = '2 seconds';

async function eraseEverything(ref: ErasureRef, leadIds: string[]): Promise<void> {
  const erasesLog = patched(INGEST_LOG_ERASURE_PATCH);
  for (const step of ERASURE_STEPS) {
    if (step === 'ingestLog' && !erasesLog) continue;
    while ((await steps.erasePage({ ...ref, step, leadIds })) >= ERASURE_PAGE_SIZE) {
      // A full page: there may be more.
    }
  }
}

/**
 * Forgets a person, `delete:<tenant>:<request>`: resolve them, suppress their
 * identifiers first (so events arriving during the erasure are dropped), erase
 * their rows page by page, clear the answers cached about their email, tell
 * downstream systems, and mark the request COMPLETED. A second pass after a
 * moment takes what work already under way wrote meanwhile. A request for
 * nobody still records the suppression of the email it names.
 */
export async function deletePersonWorkflow(input: PersonRequestInput): Promise<void> {
  const ref: ErasureRef = { tenantId: input.tenantId, schema: input.schema, requestId: input.requestId };
  try {
    if (!(await steps.startDeletion(ref))) return;
    const plan = await steps.resolveErasure(input);
    await steps.recordSuppressions({ ...ref, suppressions: plan.suppressions });
    if (plan.leadIds.length > 0) {
      await steps.stopEnrichment({ ...ref, leadIds: plan.leadIds });
      await eraseEverything(ref, plan.leadIds);
      await sleep(SETTLING);
      await eraseEverything(ref, plan.leadIds);
    }
    await steps.purgeAnswerCache({ ...ref, keys: plan.cacheKeys });
    if (plan.leadIds.length > 0) await steps.notifyDeleted({ ...ref, leadIds: plan.leadIds });
    await steps.completeDeletion(ref);
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    await steps.failDeletion({ ...ref, error: error.cause?.message ?? error.message }).catch(() => undefined);
  }
}
