/**
 * From "these leads were written" to scores, memberships and the messages
 * about them. Ingestion hands in the leads of every committed write; the
 * pipeline gathers a tenant's leads for a few milliseconds and evaluates them
 * together, one evaluation per tenant at a time, so a burst of events about
 * one visitor costs one evaluation, not one per event.
 */
import type { Logger } from '../../platform/logging/logger.js';
import type { Database } from '../../platform/postgres/database.js';
import { evaluateLeads, type LeadChange } from './lead-evaluation.js';

export interface TenantRef {
  readonly tenantId: string;
  readonly schema: string;
}

export type ChangeListener = (tenant: TenantRef, changes: readonly LeadChange[]) => Promise<void>;

export interface LeadChangePipeline {
  /** Queues the leads for evaluation shortly; never fails the caller. */
  touched(tenant: TenantRef, leadIds: readonly string[]): void;
  /** Evaluates now and tells the listeners; for callers that wait (the worker, tests). */
  evaluate(tenant: TenantRef, leadIds: readonly string[]): Promise<LeadChange[]>;
  /** Tells the listeners about changes made elsewhere (the windowed-segment sweep). */
  notify(tenant: TenantRef, changes: readonly LeadChange[]): Promise<void>;
  /** Resolves once everything queued has been evaluated. */
  drain(): Promise<void>;
}

const MAX_ATTEMPTS = 3;
// Deadlock and serialisation failures: another writer held a lead row; the next attempt sees its result.
const RETRYABLE = new Set(['40P01', '40001']);

export function createLeadChangePipeline(deps: {
  db: Database;
  listeners: readonly ChangeListener[];
  log: Logger;
  now: () => Date;
  /** How long a tenant's leads are gathered before they are evaluated together. */
  gatherMs?: number;
}): LeadChangePipeline {
  const gatherMs = deps.gatherMs ?? 10;
  const pending = new Map<string, { tenant: TenantRef; leadIds: Set<string> }>();
  const running = new Map<string, Promise<void>>();
  const scheduled = new Set<string>();

  async function notify(tenant: TenantRef, changes: readonly LeadChange[]): Promise<void> {
    if (changes.length === 0) return;
    for (const listener of deps.listeners) {
      await listener(tenant, changes).catch((error: unknown) => deps.log.error('lead changes not delivered to a listener', { error, tenantId: tenant.tenantId }));
    }
  }

  async function evaluate(tenant: TenantRef, leadIds: readonly string[]): Promise<LeadChange[]> {
    // Sorted, so two evaluations lock lead rows in the same order.
    const sorted = [...new Set(leadIds)].sort();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const changes = await evaluateLeads(deps.db, tenant.schema, sorted, deps.now());
        await notify(tenant, changes);
        return changes;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  function flush(key: string): void {
    scheduled.delete(key);
    if (running.has(key)) return; // the running one flushes again when it ends
    const batch = pending.get(key);
    if (batch === undefined) return;
    pending.delete(key);
    const run = evaluate(batch.tenant, [...batch.leadIds])
      .then(() => undefined)
      .catch((error: unknown) => deps.log.error('leads not evaluated', { error, tenantId: batch.tenant.tenantId, leads: batch.leadIds.size }))
      .finally(() => {
        running.delete(key);
        if (pending.has(key)) schedule(key);
      });
    running.set(key, run);
  }

  function schedule(key: string): void {
    if (scheduled.has(key)) return;
    scheduled.add(key);
    setTimeout(() => flush(key), gatherMs);
  }

  return {
    touched(tenant, leadIds) {
      if (leadIds.length === 0) return;
      const key = tenant.schema;
      const batch = pending.get(key) ?? { tenant, leadIds: new Set<string>() };
      for (const id of leadIds) batch.leadIds.add(id);
      pending.set(key, batch);
      schedule(key);
    },
    evaluate,
    notify,
    async drain() {
      while (pending.size > 0 || running.size > 0 || scheduled.size > 0) {
        await Promise.all([...running.values()]);
        await new Promise((resolve) => setTimeout(resolve, gatherMs));
      }
    },
  };
}
