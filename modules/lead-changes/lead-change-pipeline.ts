/**
 * From "these leads were written" to scores, memberships and the messages
 * about them. Ingestion hands in the leads of every committed write; the
 * pipeline gathers a tenant's leads for a few milliseconds and evaluates them
 * together, so a burst of events about one visitor costs one evaluation, not
 * one per event.
 *
 * Each tenant has two lanes, each evaluating one chunk of leads at a time.
 * Bulk writes (batches) feed one, which under a heavy import has thousands of
 * leads waiting; a visitor's own call (a page view, a pixel) goes through the
 * urgent lane beside it, so the visitor's segment entry does not wait for the
 * import's backlog. A lead is never in two evaluations at once: one in flight
 * in either lane waits in the other until it ends, so an older read never
 * overwrites a newer result.
 */
import type { Logger } from '../../platform/logging/logger.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { evaluateLeads, type EventNeeds, type LeadChange } from './lead-evaluation.js';

export type ChangeListener = (tenant: TenantDb, changes: readonly LeadChange[]) => Promise<void>;

export interface LeadChangePipeline {
  /**
   * Queues the leads for evaluation shortly (`urgent`: a visitor's own call, ahead of bulk); never fails the caller.
   * The handle must be the tenant's own (`ofResolved`), not a transaction's: the evaluation runs after the caller's work ends.
   */
  touched(tenant: TenantDb, leadIds: readonly string[], opts?: { urgent?: boolean }): void;
  /** Evaluates now and tells the listeners; for callers that wait (the worker, tests). */
  evaluate(tenant: TenantDb, leadIds: readonly string[]): Promise<LeadChange[]>;
  /**
   * Evaluates in the caller's handle (a transaction: the ingestion log's
   * chunk) and tells no one: the caller tells the changes once its work has
   * committed. No retry here: a deadlock fails the caller's transaction, which retries whole.
   */
  changesOf(db: TenantDb, leadIds: readonly string[]): Promise<LeadChange[]>;
  /** Tells the listeners about changes made elsewhere (the windowed-segment sweep). */
  notify(tenant: TenantDb, changes: readonly LeadChange[]): Promise<void>;
  /** Resolves once everything queued has been evaluated. */
  drain(): Promise<void>;
}

const MAX_ATTEMPTS = 3;
// Deadlock and serialisation failures: another writer held a lead row; the next attempt sees its result.
const RETRYABLE = new Set(['40P01', '40001']);

type LaneName = 'urgent' | 'bulk';

interface Lane {
  readonly pending: Set<string>;
  scheduled: boolean;
  running: Promise<void> | undefined;
}

interface TenantLanes {
  readonly tenant: TenantDb;
  readonly urgent: Lane;
  readonly bulk: Lane;
  /** Leads in an evaluation now, in either lane. */
  readonly busy: Set<string>;
}

const newLane = (): Lane => ({ pending: new Set(), scheduled: false, running: undefined });
const idle = (lanes: TenantLanes): boolean =>
  [lanes.urgent, lanes.bulk].every((lane) => lane.pending.size === 0 && !lane.scheduled && lane.running === undefined);

export function createLeadChangePipeline(deps: {
  listeners: readonly ChangeListener[];
  log: Logger;
  now: () => Date;
  /** How long a tenant's leads are gathered before they are evaluated together. */
  gatherMs?: number;
  /** Leads per evaluation at most; more are evaluated in turn, chunk by chunk. */
  chunkLeads?: number;
  /** Scores and memberships brought up to date (evaluateLeads unless given). */
  evaluator?: (tenant: TenantDb, leadIds: readonly string[], now: Date) => Promise<LeadChange[]>;
}): LeadChangePipeline {
  // Each tenant's event needs as its last evaluation found them: the next one reads its events in its first statement.
  const needsMemo = new Map<string, EventNeeds>();
  const evaluator = deps.evaluator ?? ((tenant, leadIds, now) => evaluateLeads(tenant, leadIds, now, { needsMemo }));
  const gatherMs = deps.gatherMs ?? 10;
  const chunkLeads = deps.chunkLeads ?? 250;
  // A visitor's call is rarely followed by another within milliseconds: the urgent lane barely waits.
  const urgentGatherMs = Math.min(gatherMs, 1);
  const tenants = new Map<string, TenantLanes>();

  async function notify(tenant: TenantDb, changes: readonly LeadChange[]): Promise<void> {
    if (changes.length === 0) return;
    for (const listener of deps.listeners) {
      await listener(tenant, changes).catch((error: unknown) => deps.log.error('lead changes not delivered to a listener', { error, tenantId: tenant.tenantId }));
    }
  }

  async function evaluate(tenant: TenantDb, leadIds: readonly string[]): Promise<LeadChange[]> {
    // Sorted, so two evaluations lock lead rows in the same order.
    const sorted = [...new Set(leadIds)].sort();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const changes = await evaluator(tenant, sorted, deps.now());
        await notify(tenant, changes);
        return changes;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  /** Up to a chunk of the lane's pending leads that no evaluation holds now, marked as held. */
  function takeChunk(lanes: TenantLanes, lane: Lane): string[] {
    const chunk: string[] = [];
    for (const id of lane.pending) {
      if (chunk.length >= chunkLeads) break;
      if (!lanes.busy.has(id)) chunk.push(id);
    }
    for (const id of chunk) {
      lane.pending.delete(id);
      lanes.busy.add(id);
    }
    return chunk;
  }

  /**
   * Evaluates the lane's leads chunk by chunk until none is left that another
   * evaluation does not hold. Chunks keep one read's parse and scoring short
   * on the event loop, which answers visitors meanwhile; leads waiting for a
   * later chunk are not held, so an urgent touch takes them at once.
   */
  function flush(lanes: TenantLanes, name: LaneName): void {
    const lane = lanes[name];
    const other: LaneName = name === 'urgent' ? 'bulk' : 'urgent';
    lane.scheduled = false;
    if (lane.running !== undefined) return; // the running loop takes what came meanwhile
    lane.running = (async () => {
      for (let chunk = takeChunk(lanes, lane); chunk.length > 0; chunk = takeChunk(lanes, lane)) {
        const leads = chunk;
        await evaluate(lanes.tenant, leads).catch((error: unknown) => deps.log.error('leads not evaluated', { error, tenantId: lanes.tenant.tenantId, leads: leads.length }));
        for (const id of leads) lanes.busy.delete(id);
        // The other lane may have been waiting for one of these.
        if (lanes[other].pending.size > 0) schedule(lanes, other);
      }
    })().finally(() => {
      lane.running = undefined;
      // Leads still pending here are held by the other lane, whose chunk's end schedules this one.
      if (idle(lanes)) tenants.delete(lanes.tenant.schema);
    });
  }

  function schedule(lanes: TenantLanes, name: LaneName): void {
    const lane = lanes[name];
    if (lane.scheduled) return;
    lane.scheduled = true;
    setTimeout(() => flush(lanes, name), name === 'urgent' ? urgentGatherMs : gatherMs);
  }

  return {
    touched(tenant, leadIds, opts = {}) {
      if (leadIds.length === 0) return;
      let lanes = tenants.get(tenant.schema);
      if (lanes === undefined) {
        lanes = { tenant, urgent: newLane(), bulk: newLane(), busy: new Set() };
        tenants.set(tenant.schema, lanes);
      }
      const name: LaneName = opts.urgent === true ? 'urgent' : 'bulk';
      for (const id of leadIds) {
        // Pending in the urgent lane covers the bulk one; an urgent touch moves a lead out of bulk.
        if (name === 'bulk' && lanes.urgent.pending.has(id)) continue;
        if (name === 'urgent') lanes.bulk.pending.delete(id);
        lanes[name].pending.add(id);
      }
      schedule(lanes, name);
    },
    evaluate,
    changesOf: (db, leadIds) => evaluator(db, [...new Set(leadIds)].sort(), deps.now()),
    notify,
    async drain() {
      while ([...tenants.values()].some((lanes) => !idle(lanes))) {
        await Promise.all([...tenants.values()].flatMap((lanes) => [lanes.urgent.running, lanes.bulk.running].filter((run) => run !== undefined)));
        await new Promise((resolve) => setTimeout(resolve, gatherMs));
      }
    },
  };
}
