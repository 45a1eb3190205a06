/**
 * A tenant's webhook endpoints and their deliveries: validates and stores
 * endpoints (the signing secret sealed, shown once), and records one delivery
 * per subscribed endpoint when an event happens. Sending is the delivery
 * workflow's; every statement is the repository's, on the tenant's handle.
 */
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import type { SecretBox } from '../../tenants/secrets/secret-box.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { isWebhookEventType, type WebhookEventType, type WebhookPayload } from './webhook-events.js';
import { toDeliveryRecord, toWebhookRecord, webhookPayloadOf, type WebhookDeliveryRecord, type WebhookRecord } from './webhook-records.js';
import { generateWebhookSecret } from './webhook-signature.js';
import * as repository from './webhooks.repository.js';

export type { DeliveryStatus, WebhookDeliveryRecord, WebhookRecord } from './webhook-records.js';

export const MAX_WEBHOOKS_PER_TENANT = 20;
export const MAX_DELIVERIES_PAGE = 100;
const MAX_URL_LENGTH = 2048;

/** The AAD of a webhook's signing secret: a sealed secret copied to another webhook or tenant does not open. */
export const webhookSecretAad = (tenantId: string, webhookId: string): string => `tenant:${tenantId}:webhook:${webhookId}`;

export interface WebhookRegistry {
  /** The secret is returned here only; afterwards it is held sealed and never shown. */
  create(db: TenantDb, input: { url: string; events: readonly string[] }): Promise<Outcome<{ webhook: WebhookRecord; secret: string }>>;
  list(db: TenantDb): Promise<WebhookRecord[]>;
  /** Removes the endpoint with its delivery history; deliveries still retrying find nothing to send. */
  remove(db: TenantDb, id: string): Promise<Outcome<boolean>>;
  /** Re-enables an endpoint (a disabled one, typically) with its failure count reset. */
  enable(db: TenantDb, id: string): Promise<Outcome<WebhookRecord>>;
  /** Newest first; an endpoint of another tenant is NOT_FOUND, like an unknown one. */
  deliveries(db: TenantDb, webhookId: string, first: number): Promise<Outcome<WebhookDeliveryRecord[]>>;
  /**
   * One PENDING delivery per enabled endpoint subscribed to the type; returns
   * their ids, for the dispatcher. Never fails the event's producer: an error
   * goes to `onError` and no delivery is made.
   */
  enqueue(db: TenantDb, eventType: WebhookEventType, data: unknown): Promise<string[]>;
  /**
   * A new delivery of the same payload under a new id, since a person replaying
   * wants it processed and receivers dedupe by `webhook-id`; `replayOf` names
   * the original delivery. The endpoint must be enabled.
   */
  replay(db: TenantDb, deliveryId: string): Promise<Outcome<WebhookDeliveryRecord>>;
}

export function createWebhookRegistry(deps: {
  secrets: SecretBox;
  /**
   * The process's outbound client, whose rules a URL must pass to be stored:
   * https to a public address in every mode; plain http and local receivers
   * only where the deployment allows local targets.
   */
  outbound: Pick<GuardedHttpClient, 'check'>;
  onError: (error: unknown, context: string) => void;
  now?: () => Date;
}): WebhookRegistry {
  const now = deps.now ?? (() => new Date());

  async function validUrl(text: string): Promise<Outcome<string>> {
    const refuse = (message: string) => failure<string>(invalidInput(['input', 'url'], message));
    if (text.length > MAX_URL_LENGTH) return refuse(`must be at most ${MAX_URL_LENGTH} characters`);
    const url = URL.parse(text);
    if (url === null) return refuse('must be an absolute URL');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('must use https');
    if (url.username !== '' || url.password !== '') return refuse('must not carry credentials; the signature authenticates the sender');
    const allowed = await deps.outbound.check(url);
    if (!allowed.ok) return refuse(allowed.refusal === 'internal-address' ? `must not be, or resolve to, an internal address: ${allowed.message}` : allowed.message);
    return success(url.href);
  }

  function validEvents(events: readonly string[]): Outcome<WebhookEventType[]> {
    if (events.length === 0) return failure(invalidInput(['input', 'events'], 'name at least one event type'));
    const seen = new Set<WebhookEventType>();
    for (const [index, event] of events.entries()) {
      if (!isWebhookEventType(event)) return failure(invalidInput(['input', 'events', index], `${event} is not an event type`));
      if (seen.has(event)) return failure(invalidInput(['input', 'events', index], `${event} is named twice`));
      seen.add(event);
    }
    return success([...seen]);
  }

  async function insertDeliveries(
    db: TenantDb,
    rows: ReadonlyArray<{ id: string; webhookId: string; eventType: WebhookEventType; payload: WebhookPayload }>,
  ): Promise<WebhookDeliveryRecord[]> {
    return (await repository.insertDeliveries(db, rows)).map(toDeliveryRecord);
  }

  return {
    async create(db, input) {
      const url = await validUrl(input.url);
      if (!url.ok) return url;
      const events = validEvents(input.events);
      if (!events.ok) return events;
      const id = newId('wh');
      const secret = generateWebhookSecret();
      const sealedSecret = deps.secrets.seal(secret, webhookSecretAad(db.tenantId, id));
      // The count and the insert under one lock, so concurrent creations cannot pass the limit together.
      return db.transaction(async (tx) => {
        await repository.lockWebhookCreation(tx);
        if ((await repository.countWebhooks(tx)) >= MAX_WEBHOOKS_PER_TENANT) {
          return failure(invalidInput(['input'], `a tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; remove one first`));
        }
        const webhook = await repository.insertWebhook(tx, { id, url: url.value, events: events.value, sealedSecret });
        return success({ webhook: toWebhookRecord(webhook), secret });
      });
    },

    list: async (db) => (await repository.listWebhooks(db)).map(toWebhookRecord),

    async remove(db, id) {
      return (await repository.deleteWebhook(db, id)) ? success(true) : failure(notFound('Webhook'));
    },

    async enable(db, id) {
      const webhook = await repository.enableWebhook(db, id);
      return webhook === undefined ? failure(notFound('Webhook')) : success(toWebhookRecord(webhook));
    },

    async deliveries(db, webhookId, first) {
      if (!(await repository.webhookExists(db, webhookId))) return failure(notFound('Webhook'));
      const limit = Math.min(Math.max(Math.trunc(first), 0), MAX_DELIVERIES_PAGE);
      return success((await repository.deliveriesOfWebhook(db, webhookId, limit)).map(toDeliveryRecord));
    },

    async enqueue(db, eventType, data) {
      try {
        const subscribed = await repository.subscribedWebhookIds(db, eventType);
        const createdAt = now().toISOString();
        const rows = subscribed.map((webhookId) => {
          const id = newId('whd');
          return { id, webhookId, eventType, payload: { id, type: eventType, createdAt, data: data ?? null } };
        });
        return (await insertDeliveries(db, rows)).map((delivery) => delivery.id);
      } catch (error) {
        deps.onError(error, `webhook deliveries of ${eventType} not enqueued for tenant ${db.tenantId}`);
        return [];
      }
    },

    async replay(db, deliveryId) {
      const original = await repository.deliveryWithWebhook(db, deliveryId);
      if (original === undefined) return failure(notFound('Webhook delivery'));
      if (original.disabled_at !== null) return failure(invalidInput(['id'], "the delivery's webhook is disabled; enable it first"));
      const id = newId('whd');
      const stored = webhookPayloadOf(original.payload);
      // A replay of a replay still names the delivery the event first went out as.
      const payload: WebhookPayload = { ...stored, id, replayOf: stored.replayOf ?? original.id };
      const [delivery] = await insertDeliveries(db, [{ id, webhookId: original.webhook_id, eventType: stored.type, payload }]);
      if (delivery === undefined) throw new Error('the delivery insert returned no row');
      return success(delivery);
    },
  };
}
