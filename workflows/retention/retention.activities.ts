import { Context } from '@temporalio/activity';
import type { IpStorage } from '../../intelligence/ip/mask-ip.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import { deleteExpiredEvents, EVENT_ID_RANGE, eventIdBounds, maskEventIps, maskSessionIps } from '../../modules/privacy/expired-data.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Ranges per activity call: a few seconds of work between two points the workflow remembers. */
const RANGES_PER_CALL = 10;

/** What one retention pass applies, fixed when it starts: a setting changed meanwhile applies from the next day's pass. */
export interface RetentionPlan {
  /** Events before this instant (ISO 8601) are deleted. */
  readonly cutoff: string;
  readonly ipStorage: IpStorage;
  readonly firstEventId: number;
  /** Events written after the pass started are young: the walk stops at the newest id it saw then. */
  readonly lastEventId: number;
}

export interface EventSweep {
  readonly schema: string;
  readonly fromId: number;
  readonly lastId: number;
  readonly cutoff: string;
  readonly ipStorage: IpStorage;
}

export interface SweepProgress {
  readonly nextId: number;
  readonly deleted: number;
  readonly masked: number;
}

/** A previous attempt's heartbeat, if it left one. */
function progressOf(details: unknown): SweepProgress | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const { nextId, deleted, masked } = details as Record<string, unknown>;
  return typeof nextId === 'number' && typeof deleted === 'number' && typeof masked === 'number' ? { nextId, deleted, masked } : undefined;
}

export function createRetentionActivities(deps: { db: Database; now: () => Date }) {
  return {
    async planRetention(tenant: TenantRef): Promise<RetentionPlan> {
      const sql = tenantSql(deps.db, tenant.schema);
      const [settings] = await sql.query<{ days: number; ip_storage: IpStorage }>('select event_retention_days as days, ip_storage from {t}.settings');
      if (settings === undefined) throw new Error(`tenant ${tenant.tenantId} has no settings`);
      const bounds = await eventIdBounds(sql);
      return {
        cutoff: new Date(deps.now().getTime() - settings.days * DAY_MS).toISOString(),
        ipStorage: settings.ip_storage,
        firstEventId: bounds.first,
        lastEventId: bounds.last,
      };
    },

    /**
     * Deletes expired events and masks addresses over a few id ranges. Every
     * range heartbeats its progress, so a retry after a crash resumes after
     * the last range done instead of walking it again.
     */
    async sweepEvents(sweep: EventSweep): Promise<SweepProgress> {
      const context = Context.current();
      const resumed = progressOf(context.info.heartbeatDetails);
      let progress: SweepProgress = resumed !== undefined && resumed.nextId > sweep.fromId ? resumed : { nextId: sweep.fromId, deleted: 0, masked: 0 };
      const sql = tenantSql(deps.db, sweep.schema);
      const cutoff = new Date(sweep.cutoff);
      for (let range = 0; range < RANGES_PER_CALL && progress.nextId <= sweep.lastId; range += 1) {
        const from = progress.nextId;
        const to = Math.min(from + EVENT_ID_RANGE, sweep.lastId + 1);
        const deleted = await deleteExpiredEvents(sql, from, to, cutoff);
        const masked = await maskEventIps(sql, from, to, sweep.ipStorage);
        progress = { nextId: to, deleted: progress.deleted + deleted, masked: progress.masked + masked };
        context.heartbeat(progress);
      }
      return progress;
    },

    /** One page of sessions with their addresses masked as the tenant's ipStorage says. */
    async maskStoredSessionIps(page: { schema: string; after: string | null; ipStorage: IpStorage }): Promise<{ last: string | null; masked: number }> {
      return maskSessionIps(tenantSql(deps.db, page.schema), page.after, page.ipStorage);
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
