import { Context } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { readEnrichmentSettings } from '../../modules/enrichment/enrichment-settings.js';
import type { EnrichmentDispatcher } from '../../modules/enrichment/enrichment-dispatcher.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import { activeJobsFor, findJobs } from '../../modules/enrichment/enrichment-jobs.js';
import type { ProviderCatalog } from '../../modules/enrichment/provider-catalog.js';

/** A stale run never queues more than this, whatever the budget: the next day's run takes the rest. */
const MAX_STALE_PER_RUN = 500;
const DAY_MS = 86_400_000;

export interface EnrichBatchDeps {
  readonly db: Database;
  readonly dispatcher: EnrichmentDispatcher;
  readonly catalog: ProviderCatalog;
  readonly now: () => Date;
}

type Jobs = TenantRef & { readonly jobIds: readonly string[] };

export function createEnrichBatchActivities(deps: EnrichBatchDeps) {
  return {
    async dispatchJobs(input: Jobs): Promise<void> {
      const jobs = await findJobs(tenantSql(deps.db, input.schema), input.jobIds);
      await deps.dispatcher.dispatch(input, jobs.filter((job) => job.status === 'QUEUED' || job.status === 'RUNNING'));
    },

    /** Returns when every job has finished (completed or failed). */
    async awaitJobs(input: Jobs): Promise<void> {
      const sql = tenantSql(deps.db, input.schema);
      for (;;) {
        const open = (await findJobs(sql, input.jobIds)).filter((job) => job.status === 'QUEUED' || job.status === 'RUNNING');
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
      const sql = tenantSql(deps.db, input.schema);
      const settings = await readEnrichmentSettings(sql);
      const now = deps.now();
      let room = MAX_STALE_PER_RUN;
      if (settings.dailyCreditLimit !== null) {
        const providers = await deps.catalog.forTenant(input, sql, settings.prices);
        const fullPrice = settings.waterfall.reduce((sum, id) => sum + (providers.get(id)?.priceCredits ?? 0), 0);
        const dayStart = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
        const spent =
          (
            await deps.db.query<{ spent: number }>(
              `select coalesce(-sum(amount), 0)::int as spent from control.credit_ledger
                where tenant_id = $1 and created_at >= $2 and operation like 'enrichment:%'`,
              [input.tenantId, dayStart],
            )
          )[0]?.spent ?? 0;
        room = Math.min(room, Math.floor(Math.max(0, settings.dailyCreditLimit - spent) / Math.max(1, fullPrice)));
      }
      if (room === 0) return [];
      const stale = await sql.query<{ id: string }>(
        `select id from {t}.leads
          where merged_into is null and last_enriched_at < $1
          order by score desc, last_enriched_at asc
          limit $2`,
        [new Date(now.getTime() - settings.stalenessDays * DAY_MS), room],
      );
      const jobs = await activeJobsFor(sql, stale.map((row) => row.id), 'stale');
      return jobs.map((job) => job.id);
    },
  };
}

export type EnrichBatchActivities = ReturnType<typeof createEnrichBatchActivities>;
