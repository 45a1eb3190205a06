/**
 * A tenant's webhook endpoints and their deliveries: validates and stores
 * endpoints (the signing secret sealed, shown once), and records one delivery
 * per subscribed endpoint when an event happens. Sending is the delivery
 * workflow's; every query goes through the tenant's schema (tenantSql).
 */
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import type { SecretBox } from '../../tenants/secrets/secret-box.js';
import { isWebhookEventType, type WebhookEventType, type WebhookPayload } from './webhook-events.js';
import { generateWebhookSecret } from './webhook-signature.js';

export const MAX_WEBHOOKS_PER_TENANT = 20;
export const MAX_DELIVERIES_PAGE = 100;
const MAX_URL_LENGTH = 2048;

/** The AAD of a webhook's signing secret: a sealed secret copied to another webhook or tenant does not open. */
export const webhookSecretAad = (tenantId: string, webhookId: string): string => `tenant:${tenantId}:webhook:${webhookId}`;

export interface WebhookTenant {
  readonly tenantId: string;
  readonly schema: string;
}

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly events: WebhookEventType[];
  readonly disabled: boolean;
  readonly disabledReason: string | null;
  readonly consecutiveFailures: number;
  readonly createdAt: Date;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookDeliveryRecord {
  readonly id: string;
  readonly webhookId: string;
  readonly eventType: WebhookEventType;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly deliveredAt: Date | null;
  readonly payload: WebhookPayload;
}

export interface WebhookRegistry {
  /** The secret is returned here only; afterwards it is held sealed and never shown. */
  create(tenant: WebhookTenant, input: { url: string; events: readonly string[] }): Promise<Outcome<{ webhook: WebhookRecord; secret: string }>>;
  list(tenant: WebhookTenant): Promise<WebhookRecord[]>;
  /** Removes the endpoint with its delivery history; deliveries still retrying find nothing to send. */
  remove(tenant: WebhookTenant, id: string): Promise<Outcome<boolean>>;
  /** Re-enables an endpoint (a disabled one, typically) with its failure count reset. */
  enable(tenant: WebhookTenant, id: string): Promise<Outcome<WebhookRecord>>;
  /** Newest first; an endpoint of another tenant is NOT_FOUND, like an unknown one. */
  deliveries(tenant: WebhookTenant, webhookId: string, first: number): Promise<Outcome<WebhookDeliveryRecord[]>>;
  /**
   * One PENDING delivery per enabled endpoint subscribed to the type; returns
   * their ids, for the dispatcher. Never fails the event's producer: an error
   * goes to `onError` and no delivery is made.
   */
  enqueue(tenant: WebhookTenant, eventType: WebhookEventType, data: unknown): Promise<string[]>;
  /**
   * A new delivery of the same payload under a new id, since a person replaying
   * wants it processed and receivers dedupe by `webhook-id`; `replayOf` names
   * the original delivery. The endpoint must be enabled.
   */
  replay(tenant: WebhookTenant, deliveryId: string): Promise<Outcome<WebhookDeliveryRecord>>;
}

const WEBHOOK_COLUMNS = `id, url, events, disabled_at is not null as disabled, disabled_reason as "disabledReason",
  consecutive_failures as "consecutiveFailures", created_at as "createdAt"`;
const DELIVERY_COLUMNS = `id, webhook_id as "webhookId", event_type as "eventType", status, attempts, last_status as "lastStatus",
  last_error as "lastError", created_at as "createdAt", delivered_at as "deliveredAt", payload`;

export function createWebhookRegistry(deps: {
  db: Database;
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
  const sqlOf = (tenant: WebhookTenant) => tenantSql(deps.db, tenant.schema);
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
    tenant: WebhookTenant,
    rows: ReadonlyArray<{ id: string; webhookId: string; eventType: WebhookEventType; payload: WebhookPayload }>,
  ): Promise<WebhookDeliveryRecord[]> {
    if (rows.length === 0) return [];
    return sqlOf(tenant).query<WebhookDeliveryRecord>(
      `insert into {t}.webhook_deliveries (id, webhook_id, event_type, payload)
       select id, webhook_id, event_type, payload::jsonb from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as d(id, webhook_id, event_type, payload)
       returning ${DELIVERY_COLUMNS}`,
      [rows.map((r) => r.id), rows.map((r) => r.webhookId), rows.map((r) => r.eventType), rows.map((r) => JSON.stringify(r.payload))],
    );
  }

  return {
    async create(tenant, input) {
      const url = await validUrl(input.url);
      if (!url.ok) return url;
      const events = validEvents(input.events);
      if (!events.ok) return events;
      const id = newId('wh');
      const secret = generateWebhookSecret();
      const sealed = deps.secrets.seal(secret, webhookSecretAad(tenant.tenantId, id));
      // The count and the insert under one lock, so concurrent creations cannot pass the limit together.
      return deps.db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`webhooks:${tenant.tenantId}`]);
        const sql = tenantSql(tx, tenant.schema);
        const [held] = await sql.query<{ count: number }>('select count(*)::int as count from {t}.webhooks');
        if ((held?.count ?? 0) >= MAX_WEBHOOKS_PER_TENANT) {
          return failure(invalidInput(['input'], `a tenant has at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; remove one first`));
        }
        const [webhook] = await sql.query<WebhookRecord>(
          `insert into {t}.webhooks (id, url, events, sealed_secret) values ($1, $2, $3, $4) returning ${WEBHOOK_COLUMNS}`,
          [id, url.value, events.value, sealed],
        );
        if (webhook === undefined) throw new Error('the webhook insert returned no row');
        return success({ webhook, secret });
      });
    },

    list: (tenant) => sqlOf(tenant).query<WebhookRecord>(`select ${WEBHOOK_COLUMNS} from {t}.webhooks order by created_at, id`),

    async remove(tenant, id) {
      const removed = await deps.db.transaction(async (tx) => {
        const sql = tenantSql(tx, tenant.schema);
        await sql.query('delete from {t}.webhook_deliveries where webhook_id = $1', [id]);
        return sql.query('delete from {t}.webhooks where id = $1 returning id', [id]);
      });
      return removed.length === 0 ? failure(notFound('Webhook')) : success(true);
    },

    async enable(tenant, id) {
      const [webhook] = await sqlOf(tenant).query<WebhookRecord>(
        `update {t}.webhooks set disabled_at = null, disabled_reason = null, consecutive_failures = 0 where id = $1 returning ${WEBHOOK_COLUMNS}`,
        [id],
      );
      return webhook === undefined ? failure(notFound('Webhook')) : success(webhook);
    },

    async deliveries(tenant, webhookId, first) {
      const sql = sqlOf(tenant);
      const exists = await sql.query('select 1 from {t}.webhooks where id = $1', [webhookId]);
      if (exists.length === 0) return failure(notFound('Webhook'));
      const limit = Math.min(Math.max(Math.trunc(first), 0), MAX_DELIVERIES_PAGE);
      return success(
        await sql.query<WebhookDeliveryRecord>(
          `select ${DELIVERY_COLUMNS} from {t}.webhook_deliveries where webhook_id = $1 order by created_at desc, id desc limit $2`,
          [webhookId, limit],
        ),
      );
    },

    async enqueue(tenant, eventType, data) {
      try {
        const subscribed = await sqlOf(tenant).query<{ id: string }>(
          'select id from {t}.webhooks where disabled_at is null and $1 = any(events) order by id',
          [eventType],
        );
        const createdAt = now().toISOString();
        const rows = subscribed.map((webhook) => {
          const id = newId('whd');
          return { id, webhookId: webhook.id, eventType, payload: { id, type: eventType, createdAt, data: data ?? null } };
        });
        return (await insertDeliveries(tenant, rows)).map((delivery) => delivery.id);
      } catch (error) {
        deps.onError(error, `webhook deliveries of ${eventType} not enqueued for tenant ${tenant.tenantId}`);
        return [];
      }
    },

    async replay(tenant, deliveryId) {
      const [original] = await sqlOf(tenant).query<WebhookDeliveryRecord & { disabled: boolean }>(
        `select d.id, d.webhook_id as "webhookId", d.event_type as "eventType", d.payload, w.disabled_at is not null as disabled
           from {t}.webhook_deliveries d join {t}.webhooks w on w.id = d.webhook_id where d.id = $1`,
        [deliveryId],
      );
      if (original === undefined) return failure(notFound('Webhook delivery'));
      if (original.disabled) return failure(invalidInput(['id'], "the delivery's webhook is disabled; enable it first"));
      const id = newId('whd');
      // A replay of a replay still names the delivery the event first went out as.
      const payload: WebhookPayload = { ...original.payload, id, replayOf: original.payload.replayOf ?? original.id };
      const [delivery] = await insertDeliveries(tenant, [{ id, webhookId: original.webhookId, eventType: original.eventType, payload }]);
      if (delivery === undefined) throw new Error('the delivery insert returned no row');
      return success(delivery);
    },
  };
}
