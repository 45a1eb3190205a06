import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Coordination } from '../../platform/coordination/coordination.js';
import type { Database, Sql } from '../../platform/postgres/database.js';
import { quoteTenantSchema } from '../../schema/migrations/migration.js';
import type { KeyRevocations } from '../../tenants/api-keys/key-resolver.js';
import type { OffboardingOrder } from '../../tenants/offboarding/tenant-offboarding.js';
import type { TrackingSites } from '../../modules/tracking-settings/tracking-site.js';
import type { TenantSchedules } from '../tenant-schedules.js';
import { isTenantWorkflow, tenantCoordinationPrefixes, tenantWorkflowPrefixes } from '../../tenants/offboarding/tenant-footprint.js';

// A workflow started just before its parent was terminated shows up on a later pass; this bounds the passes.
const MAX_TERMINATION_PASSES = 20;
const PASS_PAUSE_MS = 500;

/** Adds to the request's counts by kind; a resumed offboarding adds what it removed to what the first run did. */
async function countErased(sql: Sql, deletionId: string, counts: Readonly<Record<string, number>>): Promise<void> {
  await sql.query(
    `update control.tenant_deletions d
        set erased = d.erased || (select coalesce(jsonb_object_agg(c.key, coalesce((d.erased ->> c.key)::bigint, 0) + c.value::bigint), '{}')
                                    from jsonb_each_text($2::jsonb) c)
      where d.id = $1`,
    [deletionId, JSON.stringify(counts)],
  );
}

/** Each step can run again after any crash and ends in the same place. */
export function createOffboardTenantActivities(deps: {
  db: Database;
  coordination: Pick<Coordination, 'cache' | 'rateLimiter'>;
  client: Client;
  schedules: Pick<TenantSchedules, 'remove'>;
  revocations: KeyRevocations;
  sites: Pick<TrackingSites, 'changed'>;
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
      const hashes = await deps.db.transaction(async (tx) => {
        await tx.query(`update control.tenants set status = 'deleting', updated_at = now() where id = $1 and status = 'active'`, [order.tenantId]);
        await tx.query(`update control.tenant_deletions set status = 'RUNNING' where id = $1 and status = 'QUEUED'`, [order.deletionId]);
        const revoked = await tx.query(`update control.api_keys set revoked_at = now() where tenant_id = $1 and revoked_at is null returning id`, [
          order.tenantId,
        ]);
        const hosts = await tx.query(`delete from control.pixel_hosts where tenant_id = $1 returning host`, [order.tenantId]);
        await countErased(tx, order.deletionId, { apiKeys: revoked.length, pixelHosts: hosts.length });
        return tx.query<{ hash: string }>(`select secret_hash as hash from control.api_keys where tenant_id = $1`, [order.tenantId]);
      });
      // Announced on every attempt: a retry after a lost broadcast still reaches every gateway.
      await Promise.all(hashes.map((row) => deps.revocations.announce(row.hash)));
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
          await countErased(deps.db, order.deletionId, { workflows: terminated });
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
      await deps.db.transaction(async (tx) => {
        const [found] = await tx.query<{ tables: number }>(
          `select count(*)::int as tables from information_schema.tables where table_schema = $1`,
          [order.schema],
        );
        await tx.query(`drop schema if exists ${quoteTenantSchema(order.schema)} cascade`);
        await countErased(tx, order.deletionId, { tables: found?.tables ?? 0 });
      });
    },

    /** Deletes the tenant's Redis entries: caches, leases, rate-limit counters. */
    async forgetTenantCoordination(order: OffboardingOrder): Promise<void> {
      const keys = await deps.db.query<{ id: string }>(`select id from control.api_keys where tenant_id = $1`, [order.tenantId]);
      const prefixes = tenantCoordinationPrefixes(order.tenantId, keys.map((key) => key.id));
      let deleted = 0;
      for (const prefix of prefixes.cache) {
        deleted += await deps.coordination.cache.deleteByPrefix(prefix);
        heartbeat(deleted);
      }
      for (const prefix of prefixes.rateLimits) {
        deleted += await deps.coordination.rateLimiter.deleteByPrefix(prefix);
        heartbeat(deleted);
      }
      await countErased(deps.db, order.deletionId, { cacheEntries: deleted });
    },

    /** The ledger, balance and audit rows stay: billing needs them and they hold no personal data. */
    async markTenantDeleted(order: OffboardingOrder): Promise<void> {
      await deps.db.transaction(async (tx) => {
        await tx.query(`update control.tenants set status = 'deleted', updated_at = now() where id = $1`, [order.tenantId]);
        await tx.query(`update control.tenant_deletions set status = 'COMPLETED', completed_at = now(), error = null where id = $1`, [
          order.deletionId,
        ]);
      });
    },

    async markOffboardingFailed(order: OffboardingOrder & { error: string }): Promise<void> {
      await deps.db.query(`update control.tenant_deletions set status = 'FAILED', error = $2 where id = $1 and status <> 'COMPLETED'`, [
        order.deletionId,
        order.error.slice(0, 2_000),
      ]);
    },
  };
}

export type OffboardTenantActivities = ReturnType<typeof createOffboardTenantActivities>;
