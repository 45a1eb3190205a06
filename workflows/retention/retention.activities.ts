import { Context } from '@temporalio/activity';
import type { IpStorage } from '../../intelligence/ip/mask-ip.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import { deleteExpiredEvents, EVENT_ID_RANGE, eventIdBounds, maskEventIps, maskSessionIps } from '../../modules/privacy/expired-data.js';
import { retentionSettings } from '../../modules/privacy/privacy.repository.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { workflowTenantDb } from '../workflow-tenant.js';

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

export interface EventSweep extends TenantRef {
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

/** One page of sessions to mask. */
export interface SessionIpPage extends TenantRef {
  readonly after: string | null;
  readonly ipStorage: IpStorage;
}

export function createRetentionActivities(deps: { tenantDbs: TenantDatabases; now: () => Date }) {
  return {
    async planRetention(tenant: TenantRef): Promise<RetentionPlan> {
      const db = await workflowTenantDb(deps.tenantDbs, tenant);
      const settings = await retentionSettings(db);
      if (settings === undefined) throw new Error(`tenant ${tenant.tenantId} has no settings`);
      const bounds = await eventIdBounds(db);
      return {
        cutoff: new Date(deps.now().getTime() - settings.event_retention_days * DAY_MS).toISOString(),
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
      const db = await workflowTenantDb(deps.tenantDbs, sweep);
      const cutoff = new Date(sweep.cutoff);
      for (let range = 0; range < RANGES_PER_CALL && progress.nextId <= sweep.lastId; range += 1) {
        const from = progress.nextId;
        const to = Math.min(from + EVENT_ID_RANGE, sweep.lastId + 1);
        const deleted = await deleteExpiredEvents(db, from, to, cutoff);
        const masked = await maskEventIps(db, from, to, sweep.ipStorage);
        progress = { nextId: to, deleted: progress.deleted + deleted, masked: progress.masked + masked };
        context.heartbeat(progress);
      }
      return progress;
    },

    /** One page of sessions with their addresses masked as the tenant's ipStorage says. */
    async maskStoredSessionIps(page: SessionIpPage): Promise<{ last: string | null; masked: number }> {
      return maskSessionIps(await workflowTenantDb(deps.tenantDbs, page), page.after, page.ipStorage);
    },
  };
}

export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
