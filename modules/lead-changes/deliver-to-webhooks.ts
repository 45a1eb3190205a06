import type { WebhookEventType } from '../webhooks/webhook-events.js';
import type { WebhookRegistry } from '../webhooks/webhook-registry.js';
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { ChangeListener } from './lead-change-pipeline.js';
import type { LeadChange } from './lead-evaluation.js';

const typeOf = (change: LeadChange): WebhookEventType =>
  change.kind === 'scored' ? 'lead.scored' : change.change === 'ENTERED' ? 'segment.entered' : 'segment.exited';

const dataOf = (change: LeadChange): Record<string, unknown> =>
  change.kind === 'scored'
    ? { leadId: change.leadId, score: change.score, previousScore: change.previousScore, at: change.at.toISOString() }
    : { segmentId: change.segmentId, leadId: change.leadId, change: change.change, at: change.at.toISOString() };

/**
 * A delivery per change and endpoint subscribed to its type, each handed to
 * its delivery workflow. One read of the tenant's endpoints per batch of
 * changes, so a tenant without webhooks pays one cheap query, not one per change.
 */
export function deliverToWebhooks(registry: WebhookRegistry, dispatcher: WebhookDispatcher): ChangeListener {
  const enqueue = enqueueChangeDeliveries(registry);
  return async (tenant, changes) => {
    const deliveries = await enqueue(tenant, changes);
    if (deliveries.length > 0) await dispatcher.dispatch(tenant, deliveries);
  };
}

/**
 * The deliveries of the changes, recorded and not yet handed to their
 * workflows: in a transaction, they commit with the changes (the ingestion
 * log's chunk), and the caller dispatches them after. A delivery recorded and
 * never dispatched is found again by the stranded-deliveries sweep.
 */
export function enqueueChangeDeliveries(registry: WebhookRegistry): (db: TenantDb, changes: readonly LeadChange[]) => Promise<string[]> {
  return async (db, changes) => {
    if (changes.length === 0) return [];
    const subscribed = new Set((await registry.list(db)).filter((w) => !w.disabled).flatMap((w) => w.events));
    const deliveries: string[] = [];
    for (const change of changes) if (subscribed.has(typeOf(change))) deliveries.push(...(await registry.enqueue(db, typeOf(change), dataOf(change))));
    return deliveries;
  };
}

/** One event to every endpoint subscribed to its type. */
export async function sendEvent(registry: WebhookRegistry, dispatcher: WebhookDispatcher, tenant: TenantDb, type: WebhookEventType, data: unknown): Promise<void> {
  const deliveries = await registry.enqueue(tenant, type, data);
  if (deliveries.length > 0) await dispatcher.dispatch(tenant, deliveries);
}
