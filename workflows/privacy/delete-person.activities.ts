/**
 * The deletion workflow's side effects. Every one is safe to run again: a
 * page deletes what is still there and adds what it deleted to the request's
 * counts in the same transaction, suppressions are inserted once by hash, a
 * `lead.deleted` delivery already made is dispatched again rather than made
 * twice (its workflow id makes that harmless).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { sendEvent } from '../../modules/lead-changes/deliver-to-webhooks.js';
import type { Coordination } from '../../platform/coordination/coordination.js';
import type { Logger } from '../../platform/logging/logger.js';
import {
  anyWebhookWantsLeadDeleted,
  deleteLegacySuppressions,
  eraseErasurePage,
  eraseLeadsAndDependents,
  insertSuppressions,
  leadDeletedDeliveries,
  leadsBeingEnriched,
  leadTreeIds,
} from '../../modules/privacy/erasure.repository.js';
import { suppressedIdentifiers, type SuppressedIdentifier } from '../../modules/privacy/suppression-hash.js';
import { publishSuppressionsChanged } from '../../modules/privacy/suppression-list.js';
import type { WebhookRegistry } from '../../modules/webhooks/webhook-registry.js';
import { enrichLeadWorkflowId } from '../enrichment/enrichment-dispatch.js';
import type { WebhookDispatcher } from '../../modules/webhooks/webhook-dispatcher.js';
import { ERASURE_PAGE_SIZE, type ErasureStep } from './erasure-steps.js';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';
import type { TenantDatabases, TenantDb } from '../../tenants/tenant-db.js';
import { personAnswerCacheKeys } from '../../modules/privacy/person-cache-keys.js';
import { resolvePerson } from '../../modules/privacy/person-resolution.js';
import type { PersonRequestInput, TenantRef } from '../../modules/privacy/privacy-requests.js';
import { RECEIPT_COUNTS } from '../../modules/privacy/deletion-receipt.js';
import { addToErasedCount, completeDeletionRequest, failDeletionRequest, holdIngestion, markDeletionRunning, setErasedCount } from '../../modules/privacy/privacy.repository.js';
import { workflowTenantDb } from '../workflow-tenant.js';
import { inTenant, requestedPerson } from './activity-guards.js';
import type { RequestSubjects } from '../../modules/privacy/request-subjects.js';

export interface DeletePersonDeps {
  readonly tenantDbs: TenantDatabases;
  readonly coordination: Coordination;
  /** Stops the enrichment of a lead being erased, so it cannot write the lead's fields back. */
  readonly client: Client;
  readonly webhooks: WebhookRegistry;
  readonly webhookDispatcher: WebhookDispatcher;
  readonly log: Logger;
  /** Keys the suppression hashes and the answer cache's names, as the gateway keys them. */
  readonly hashKeys: HashKeys;
  /** Who the request is about: read here, never carried in the workflow's history; forgotten when it is settled. */
  readonly requestSubjects: RequestSubjects;
}

export interface ErasureRef extends TenantRef {
  readonly requestId: string;
}

/** What the erasure works from: lead ids and keyed hashes, no identifier of the person. */
export interface ErasurePlan {
  readonly leadIds: string[];
  readonly suppressions: SuppressedIdentifier[];
  readonly cacheKeys: string[];
}

export function createDeletePersonActivities(deps: DeletePersonDeps) {
  /** The tenant's handle, inside the activity's guard. */
  const inTenantOf = <T>(input: TenantRef, work: (db: TenantDb) => Promise<T>): Promise<T> =>
    inTenant(async () => work(await workflowTenantDb(deps.tenantDbs, input)));

  return {
    /** False when the request is already settled (a workflow started twice for it does nothing). */
    async startDeletion(input: ErasureRef): Promise<boolean> {
      return inTenantOf(input, (db) => markDeletionRunning(db, input.requestId));
    },

    /** (a) The person's leads, the hashes of their identifiers and the cache keys of their email; nothing is changed. */
    async resolveErasure(input: PersonRequestInput): Promise<ErasurePlan> {
      return inTenantOf(input, async (db) => {
        const person = await resolvePerson(db, await requestedPerson(deps.requestSubjects, input));
        return {
          leadIds: person.leadIds,
          suppressions: suppressedIdentifiers(deps.hashKeys, input.tenantId, person),
          cacheKeys: await personAnswerCacheKeys(db, deps.hashKeys, person.subjects),
        };
      });
    },

    /** (b) Before anything is erased, so events arriving meanwhile are dropped; every gateway reloads its list on the message. */
    async recordSuppressions(input: ErasureRef & { suppressions: readonly SuppressedIdentifier[] }): Promise<void> {
      if (input.suppressions.length === 0) return;
      await inTenantOf(input, async (db) => {
        await db.transaction(async (tx) => {
          // Ingestion's chunks in flight commit first (the erasure's pages, later, see them); every later chunk reads these rows.
          await holdIngestion(tx);
          const added = await insertSuppressions(tx, input.suppressions);
          await addToErasedCount(tx, input.requestId, RECEIPT_COUNTS.suppressionsRecorded, added);
          // Rows from before the keyed hash, for the same identifiers: the new rows hold them now, and these could be guessed.
          // (A plan made before the upgrade carries no `replaces`.)
          const replaced = input.suppressions.map((s) => s.replaces).filter((hash): hash is string => typeof hash === 'string');
          await deleteLegacySuppressions(tx, replaced);
        });
        await publishSuppressionsChanged(deps.coordination.pubsub, input.tenantId);
      });
    },

    /** An enrichment running for a lead would write its fields back after the erasure: it is ended first. */
    async stopEnrichment(input: ErasureRef & { leadIds: readonly string[] }): Promise<void> {
      await inTenantOf(input, async (db) => {
        for (const leadId of await leadsBeingEnriched(db, input.leadIds)) {
          try {
            await deps.client.workflow.getHandle(enrichLeadWorkflowId(input.tenantId, leadId)).terminate('the lead is being erased');
            // Counted as each ends: a retry finds the ones already ended closed (not found) and does not count them again.
            await addToErasedCount(db, input.requestId, RECEIPT_COUNTS.workflowsTerminated, 1);
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
        }
      });
    },

    /** (c) One page of one step; returns how many rows it erased (fewer than a page: the step is done). */
    async erasePage(input: ErasureRef & { step: ErasureStep; leadIds: readonly string[] }): Promise<number> {
      if (input.leadIds.length === 0) return 0;
      return inTenantOf(input, (db) =>
        db.transaction(async (tx) => {
          if (input.step !== 'leads') {
            const n = await eraseErasurePage(tx, input.step, input.leadIds, ERASURE_PAGE_SIZE);
            await addToErasedCount(tx, input.requestId, input.step, n);
            return n;
          }
          // No evaluation still in flight can write for the leads after they go: it commits first, or finds them gone.
          await holdIngestion(tx);
          // Leads merged into the person while the erasure ran go with them.
          const ids = await leadTreeIds(tx, input.leadIds);
          let leads = 0;
          await eraseLeadsAndDependents(tx, ids, async (kind, n) => {
            await addToErasedCount(tx, input.requestId, kind, n);
            if (kind === 'leads') leads = n;
          });
          return leads;
        }),
      );
    },

    /** (d) The short-term answers about the person's email; entries that expired meanwhile are simply not there. */
    async purgeAnswerCache(input: ErasureRef & { keys: readonly string[] }): Promise<void> {
      await inTenantOf(input, async (db) => {
        let found = 0;
        for (const key of input.keys) {
          if ((await deps.coordination.cache.get(key)) !== undefined) found += 1;
          await deps.coordination.cache.delete(key);
        }
        await addToErasedCount(db, input.requestId, RECEIPT_COUNTS.cacheEntries, found);
      });
    },

    /**
     * (e) A `lead.deleted` event per erased lead; each delivery's workflow
     * retries until the endpoint acknowledges it. The registry never fails
     * its caller, so whether every lead got its deliveries is checked here,
     * and a lead without them makes the activity try again.
     */
    async notifyDeleted(input: ErasureRef & { leadIds: readonly string[] }): Promise<void> {
      await inTenantOf(input, async (db) => {
        const sent = await leadDeletedDeliveries(db, input.leadIds);
        // Made by an attempt that died before dispatching them.
        if (sent.length > 0) await deps.webhookDispatcher.dispatch(db, sent.map((row) => row.id));
        const notified = new Set(sent.map((row) => row.leadId));
        for (const leadId of input.leadIds) {
          if (!notified.has(leadId)) await sendEvent(deps.webhooks, deps.webhookDispatcher, db, 'lead.deleted', { leadId });
        }
        const recorded = await leadDeletedDeliveries(db, input.leadIds);
        await setErasedCount(db, input.requestId, RECEIPT_COUNTS.webhooksTold, recorded.length);
        if (!(await anyWebhookWantsLeadDeleted(db))) return;
        const delivered = new Set(recorded.map((row) => row.leadId));
        const missing = input.leadIds.filter((leadId) => !delivered.has(leadId)).length;
        if (missing > 0) throw new Error(`lead.deleted was not recorded for ${missing} erased leads`);
      });
    },

    /** (f) */
    async completeDeletion(input: ErasureRef): Promise<void> {
      await inTenantOf(input, (db) => completeDeletionRequest(db, input.requestId));
      await deps.requestSubjects.forget(input.tenantId, input.requestId);
    },

    async failDeletion(input: ErasureRef & { error: string }): Promise<void> {
      deps.log.warn('deletion request failed', { tenantId: input.tenantId, requestId: input.requestId, error: input.error });
      await inTenantOf(input, (db) => failDeletionRequest(db, input.requestId, input.error));
      await deps.requestSubjects.forget(input.tenantId, input.requestId);
    },
  };
}

export type DeletePersonActivities = ReturnType<typeof createDeletePersonActivities>;
