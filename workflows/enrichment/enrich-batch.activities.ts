import { Context } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { enrichmentSpentSince, staleLeadIds } from '../../modules/enrichment/enrichment-subjects.repository.js';
import { workflowTenantDb } from '../workflow-tenant.js';
import { readEnrichmentSettings } from '../../modules/enrichment/enrichment-settings.js';
import type { EnrichmentDispatcher } from '../../modules/enrichment/enrichment-dispatcher.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import { activeJobsFor, findJobs } from '../../modules/enrichment/enrichment-jobs.js';
import type { ProviderCatalog } from '../../modules/enrichment/provider-catalog.js';

/** A stale run never queues more than this, whatever the budget: the next day's run takes the rest. */
const MAX_STALE_PER_RUN = 500;
const DAY_MS = 86_400_000;

export interface EnrichBatchDeps {
  readonly tenantDbs: TenantDatabases;
  /** The credit ledger's day of enrichment spend (control schema). */
  readonly control: ControlDb;
  readonly dispatcher: EnrichmentDispatcher;
  readonly catalog: ProviderCatalog;
  readonly now: () => Date;
}

type Jobs = TenantRef & { readonly jobIds: readonly string[] };

export function createEnrichBatchActivities(deps: EnrichBatchDeps) {
  return {
    async dispatchJobs(input: Jobs): Promise<void> {
      const jobs = await findJobs(await workflowTenantDb(deps.tenantDbs, input), input.jobIds);
      await deps.dispatcher.dispatch(input, jobs.filter((job) => job.status === 'QUEUED' || job.status === 'RUNNING'));
    },

    /** Returns when every job has finished (completed or failed). */
    async awaitJobs(input: Jobs): Promise<void> {
      const db = await workflowTenantDb(deps.tenantDbs, input);
      for (;;) {
        const open = (await findJobs(db, input.jobIds)).filter((job) => job.status === 'QUEUED' || job.status === 'RUNNING');
        if (open.length === 0) return;
        Context.current().heartbeat(open.length);
        await delay(500, undefined, { signal: Context.current().cancellationSignal });
      }
    },

    /**
     * Queues the stalest valuable leads: enriched longer ago than the tenant's
     * staleness threshold, highest score first, as many as today's remaining
     * credits cover at the waterfall's full price (the reservations enforce
     * the limit exactly; this only keeps the queue to what can run today).
     */
    async queueStaleLeads(input: TenantRef): Promise<string[]> {
      const db = await workflowTenantDb(deps.tenantDbs, input);
      const settings = await readEnrichmentSettings(db);
      const now = deps.now();
      let room = MAX_STALE_PER_RUN;
      if (settings.dailyCreditLimit !== null) {
        const providers = await deps.catalog.forTenant(db, settings.prices);
        const fullPrice = settings.waterfall.reduce((sum, id) => sum + (providers.get(id)?.priceCredits ?? 0), 0);
        const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
        const spent = await enrichmentSpentSince(deps.control, input.tenantId, dayStart);
        room = Math.min(room, Math.floor(Math.max(0, settings.dailyCreditLimit - spent) / Math.max(1, fullPrice)));
      }
      if (room === 0) return [];
      const stale = await staleLeadIds(db, new Date(now.getTime() - settings.stalenessDays * DAY_MS), room);
      const jobs = await activeJobsFor(db, stale, 'stale');
      return jobs.map((job) => job.id);
    },
  };
}

export type EnrichBatchActivities = ReturnType<typeof createEnrichBatchActivities>;
