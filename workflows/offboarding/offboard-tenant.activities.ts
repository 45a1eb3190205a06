import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Coordination } from '../../platform/coordination/coordination.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { KeyRevocations } from '../../tenants/api-keys/key-resolver.js';
import type { OffboardingOrder } from '../../tenants/offboarding/tenant-offboarding.js';
import type { TrackingSites } from '../../modules/tracking-settings/tracking-site.js';
import type { TenantSchedules } from '../tenant-schedules.js';
import { isTenantWorkflow, tenantCoordinationPrefixes, tenantWorkflowPrefixes } from '../../tenants/offboarding/tenant-footprint.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import type { TenantDataKeys } from '../../tenants/secrets/tenant-data-keys.js';
import {
  addErasedCounts,
  dropTenantSchemaCounted,
  markDeletionCompleted,
  markDeletionFailed,
  markDeletionRunning,
  setTenantDeleted,
  setTenantDeleting,
  revokeTenantKeys,
  tenantKeyIds,
  tenantKeySecretHashes,
} from '../../tenants/tenants.repository.js';
import { deleteTenantPixelHosts } from '../../modules/tracking-settings/tracking-settings.repository.js';
import { workflowTenantDb } from '../workflow-tenant.js';
import { deleteTenantRequestSubjects } from '../../modules/privacy/request-subjects.repository.js';

// A workflow started just before its parent was terminated shows up on a later pass; this bounds the passes.
const MAX_TERMINATION_PASSES = 20;
const PASS_PAUSE_MS = 500;

/** Each step can run again after any crash and ends in the same place. */
export function createOffboardTenantActivities(deps: {
  control: ControlDb;
  /** The tenant's handle, checked against the control schema whatever its status (it is being deleted). */
  tenantDbs: TenantDatabases;
  coordination: Pick<Coordination, 'cache' | 'rateLimiter'>;
  client: Client;
  schedules: Pick<TenantSchedules, 'remove'>;
  revocations: KeyRevocations;
  sites: Pick<TrackingSites, 'changed'>;
  dataKeys: Pick<TenantDataKeys, 'destroy'>;
}) {
  const heartbeat = (details: unknown) => Context.current().heartbeat(details);

  async function runningTenantWorkflows(tenantId: string, except: string): Promise<Array<{ workflowId: string; runId: string }>> {
    const found: Array<{ workflowId: string; runId: string }> = [];
    for (const prefix of tenantWorkflowPrefixes(tenantId)) {
      const query = `ExecutionStatus = "Running" AND WorkflowId STARTS_WITH "${prefix}"`;
      for await (const execution of deps.client.workflow.list({ query })) {
        if (execution.workflowId !== except && isTenantWorkflow(execution.workflowId, tenantId)) {
          found.push({ workflowId: execution.workflowId, runId: execution.runId });
        }
      }
    }
    return found;
  }

  return {
    /**
     * Stops the tenant being served at once: no key of it resolves (the status, and
     * every gateway told to evict its keys) and its pixel hosts answer for nobody.
     */
    async revokeTenantAccess(order: OffboardingOrder): Promise<void> {
      const hashes = await deps.control.transaction(async (tx) => {
        await setTenantDeleting(tx, order.tenantId);
        await markDeletionRunning(tx, order.deletionId);
        const apiKeys = await revokeTenantKeys(tx, order.tenantId);
        const pixelHosts = await deleteTenantPixelHosts(tx, order.tenantId);
        await addErasedCounts(tx, order.deletionId, { apiKeys, pixelHosts });
        return tenantKeySecretHashes(tx, order.tenantId);
      });
      // Announced on every attempt: a retry after a lost broadcast still reaches every gateway.
      await Promise.all(hashes.map((hash) => deps.revocations.announce(hash)));
      await deps.sites.changed(order.tenantId);
    },

    async removeTenantSchedules(order: OffboardingOrder): Promise<void> {
      await deps.schedules.remove(order.tenantId);
    },

    /** Terminates every running workflow of the tenant but `except` (the offboarding itself). */
    async terminateTenantWorkflows(order: OffboardingOrder & { except: string }): Promise<void> {
      let terminated = 0;
      for (let pass = 0; pass < MAX_TERMINATION_PASSES; pass += 1) {
        const running = await runningTenantWorkflows(order.tenantId, order.except);
        if (running.length === 0) {
          await addErasedCounts(deps.control, order.deletionId, { workflows: terminated });
          return;
        }
        for (const execution of running) {
          try {
            await deps.client.workflow.getHandle(execution.workflowId, execution.runId).terminate('tenant offboarded');
            terminated += 1;
          } catch (error) {
            // Closed since it was listed: visibility lags the workflows themselves.
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
          heartbeat(terminated);
        }
        await new Promise((resolve) => setTimeout(resolve, PASS_PAUSE_MS));
      }
      throw new Error(`workflows of tenant ${order.tenantId} were still being started after ${MAX_TERMINATION_PASSES} passes`);
    },

    async dropTenantSchema(order: OffboardingOrder): Promise<void> {
      await dropTenantSchemaCounted(deps.control, await workflowTenantDb(deps.tenantDbs, order), order.deletionId);
    },

    /** Crypto-shredding: every payload the tenant's workflows left in Temporal's histories becomes unreadable. */
    async destroyTenantDataKey(order: OffboardingOrder): Promise<void> {
      const destroyed = await deps.dataKeys.destroy(order.tenantId);
      // Unreadable without the key already; not kept either.
      const subjects = await deleteTenantRequestSubjects(deps.control, order.tenantId);
      const counts = { ...(destroyed ? { dataKeys: 1 } : {}), ...(subjects > 0 ? { privacyRequestSubjects: subjects } : {}) };
      if (Object.keys(counts).length > 0) await addErasedCounts(deps.control, order.deletionId, counts);
    },

    /** Deletes the tenant's Redis entries: caches, leases, rate-limit counters. */
    async forgetTenantCoordination(order: OffboardingOrder): Promise<void> {
      const prefixes = tenantCoordinationPrefixes(order.tenantId, await tenantKeyIds(deps.control, order.tenantId));
      let deleted = 0;
      for (const prefix of prefixes.cache) {
        deleted += await deps.coordination.cache.deleteByPrefix(prefix);
        heartbeat(deleted);
      }
      for (const prefix of prefixes.rateLimits) {
        deleted += await deps.coordination.rateLimiter.deleteByPrefix(prefix);
        heartbeat(deleted);
      }
      await addErasedCounts(deps.control, order.deletionId, { cacheEntries: deleted });
    },

    /** The ledger, balance and audit rows stay: billing needs them and they hold no personal data. */
    async markTenantDeleted(order: OffboardingOrder): Promise<void> {
      await deps.control.transaction(async (tx) => {
        await setTenantDeleted(tx, order.tenantId);
        await markDeletionCompleted(tx, order.deletionId);
      });
    },

    async markOffboardingFailed(order: OffboardingOrder & { error: string }): Promise<void> {
      await markDeletionFailed(deps.control, order.deletionId, order.error.slice(0, 2_000));
    },
  };
}

export type OffboardTenantActivities = ReturnType<typeof createOffboardTenantActivities>;
