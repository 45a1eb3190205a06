import { Context } from '@temporalio/activity';
import type { IpStorage } from '../../intelligence/ip/mask-ip.js';
import type { TenantRef } from '../../modules/enrichment/enrichment-plan.js';
import {
  cutoffOf,
  deleteExpiredEvents,
  EVENT_ID_RANGE,
  eventIdBounds,
  expireStore,
  maskEventIps,
  maskSessionIps,
  storeExpiries,
  type StoreExpiry,
} from '../../modules/privacy/expired-data.js';
import { retentionSettings } from '../../modules/privacy/privacy.repository.js';
import type { TenantDatabases } from '../../tenants/tenant-db.js';
import { workflowTenantDb } from '../workflow-tenant.js';

/** Ranges (pages) per activity call: a few seconds of work between two points the workflow remembers. */
const RANGES_PER_CALL = 10;
const PAGES_PER_CALL = 10;

/** What one retention pass applies, fixed when it starts: a setting changed meanwhile applies from the next day's pass. */
export interface RetentionPlan {
  /** Events before this instant (ISO 8601) are deleted. */
  readonly cutoff: string;
  readonly ipStorage: IpStorage;
  readonly firstEventId: number;
  /** Events written after the pass started are young: the walk stops at the newest id it saw then. */
  readonly lastEventId: number;
  /** The other personal stores, each with its own cutoff. */
  readonly stores: readonly StoreExpiry[];
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

export interface StoreSweep extends TenantRef {
  readonly expiry: StoreExpiry;
}

export interface StoreProgress {
  readonly deleted: number;
  /** Events that went with their sessions. */
  readonly events: number;
  readonly done: boolean;
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
      const now = deps.now();
      return {
        cutoff: cutoffOf(now, settings.event_retention_days),
        ipStorage: settings.ip_storage,
        firstEventId: bounds.first,
        lastEventId: bounds.last,
        stores: storeExpiries(settings, now),
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

    /**
     * A few pages of one store's rows past its window, deleted; a retry
     * starts over safely, since a page deletes only what is still there.
     */
    async expireStoreRows(sweep: StoreSweep): Promise<StoreProgress> {
      const context = Context.current();
      const db = await workflowTenantDb(deps.tenantDbs, sweep);
      let progress: StoreProgress = { deleted: 0, events: 0, done: false };
      for (let page = 0; page < PAGES_PER_CALL && !progress.done; page += 1) {
        const expired = await expireStore(db, sweep.expiry);
        progress = { deleted: progress.deleted + expired.rows, events: progress.events + expired.events, done: expired.done };
        context.heartbeat();
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
