/** The webhooks module's tables, `webhooks` and `webhook_deliveries`, on the tenant's handle. */
import { sql, type Selectable } from 'kysely';
import type { TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';

const WEBHOOK_COLUMNS = ['id', 'url', 'events', 'disabled_at', 'disabled_reason', 'consecutive_failures', 'created_at'] as const;

export type WebhookRow = Pick<Selectable<TenantRows.Webhooks>, (typeof WEBHOOK_COLUMNS)[number]>;
export type DeliveryRow = Selectable<TenantRows.WebhookDeliveries>;

// ---- Endpoints

/**
 * Serialises webhook creation per tenant until the transaction ends, so a
 * count and the insert after it cannot interleave with another creation's.
 */
export async function lockWebhookCreation(db: TenantDb): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`webhooks:${db.tenantId}`}, 0))`.execute(db.kysely);
}

export async function countWebhooks(db: TenantDb): Promise<number> {
  const row = await db.kysely
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertWebhook(db: TenantDb, webhook: { id: string; url: string; events: readonly string[]; sealedSecret: string }): Promise<WebhookRow> {
  return db.kysely
    .insertInto('webhooks')
    .values({ id: webhook.id, url: webhook.url, events: [...webhook.events], sealed_secret: webhook.sealedSecret })
    .returning(WEBHOOK_COLUMNS)
    .executeTakeFirstOrThrow();
}

export async function listWebhooks(db: TenantDb): Promise<WebhookRow[]> {
  return db.kysely.selectFrom('webhooks').select(WEBHOOK_COLUMNS).orderBy('created_at').orderBy('id').execute();
}

export async function webhookExists(db: TenantDb, id: string): Promise<boolean> {
  return (await db.kysely.selectFrom('webhooks').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** The endpoint and its delivery history together; false when there was no such endpoint. */
export async function deleteWebhook(db: TenantDb, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.kysely.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    return (await tx.kysely.deleteFrom('webhooks').where('id', '=', id).returning('id').executeTakeFirst()) !== undefined;
  });
}

export async function enableWebhook(db: TenantDb, id: string): Promise<WebhookRow | undefined> {
  return db.kysely
    .updateTable('webhooks')
    .set({ disabled_at: null, disabled_reason: null, consecutive_failures: 0 })
    .where('id', '=', id)
    .returning(WEBHOOK_COLUMNS)
    .executeTakeFirst();
}

/** Enabled endpoints subscribed to the event type, in id order. */
export async function subscribedWebhookIds(db: TenantDb, eventType: string): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('webhooks')
    .select('id')
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`${eventType} = any(events)`)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

// ---- Deliveries

/** Many deliveries in one statement whatever their number (arrays, not a VALUES list per row). */
export async function insertDeliveries(
  db: TenantDb,
  rows: ReadonlyArray<{ id: string; webhookId: string; eventType: string; payload: unknown }>,
): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return db.query<DeliveryRow>(
    `insert into {t}.webhook_deliveries (id, webhook_id, event_type, payload)
     select id, webhook_id, event_type, payload::jsonb from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as d(id, webhook_id, event_type, payload)
     returning *`,
    [rows.map((r) => r.id), rows.map((r) => r.webhookId), rows.map((r) => r.eventType), rows.map((r) => JSON.stringify(r.payload))],
  );
}

/** Newest first. */
export async function deliveriesOfWebhook(db: TenantDb, webhookId: string, limit: number): Promise<DeliveryRow[]> {
  return db.kysely
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** A delivery with what sending it needs of its endpoint. */
export async function deliveryWithWebhook(db: TenantDb, deliveryId: string) {
  return db.kysely
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.id', 'd.status', 'd.payload', 'd.webhook_id', 'w.url', 'w.sealed_secret', 'w.disabled_at'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
}

export async function deliveryStatus(db: TenantDb, deliveryId: string): Promise<string | undefined> {
  return (await db.kysely.selectFrom('webhook_deliveries').select('status').where('id', '=', deliveryId).executeTakeFirst())?.status;
}

/** PENDING deliveries never attempted, older than `olderThanMs`, of enabled endpoints: oldest first. */
export async function strandedDeliveryIds(db: TenantDb, olderThanMs: number, limit: number): Promise<string[]> {
  const rows = await db.kysely
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select('d.id')
    .where('d.status', '=', 'PENDING')
    .where('d.attempts', '=', 0)
    .where('d.created_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs}::double precision / 1000)`)
    .where('w.disabled_at', 'is', null)
    .orderBy('d.created_at')
    .limit(limit)
    .execute();
  return rows.map((row) => row.id);
}

/** One failed attempt of a delivery still PENDING. */
export async function recordAttempt(db: TenantDb, deliveryId: string, status: number | null, error: string): Promise<void> {
  await db.kysely
    .updateTable('webhook_deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), last_status: status, last_error: error }))
    .where('id', '=', deliveryId)
    .where('status', '=', 'PENDING')
    .execute();
}

/** A PENDING delivery FAILED without an attempt (its endpoint is disabled). */
export async function failUnsent(db: TenantDb, deliveryId: string, error: string): Promise<void> {
  await db.kysely
    .updateTable('webhook_deliveries')
    .set({ status: 'FAILED', last_error: error })
    .where('id', '=', deliveryId)
    .where('status', '=', 'PENDING')
    .execute();
}

/** A PENDING delivery DELIVERED, and its endpoint's count of failures in a row back to 0, together. */
export async function markDelivered(db: TenantDb, deliveryId: string, webhookId: string, httpStatus: number): Promise<void> {
  await db.transaction(async (tx) => {
    const delivered = await tx.kysely
      .updateTable('webhook_deliveries')
      .set((eb) => ({ status: 'DELIVERED', delivered_at: sql<Date>`now()`, attempts: eb('attempts', '+', 1), last_status: httpStatus, last_error: null }))
      .where('id', '=', deliveryId)
      .where('status', '=', 'PENDING')
      .returning('id')
      .executeTakeFirst();
    if (delivered !== undefined) await tx.kysely.updateTable('webhooks').set({ consecutive_failures: 0 }).where('id', '=', webhookId).execute();
  });
}

/**
 * A PENDING delivery FAILED after its last attempt, and one more failure in a
 * row on its endpoint, which is disabled with `reasonOf(lastError)` on
 * reaching `failuresBeforeDisabling` (the reason stored cut to `reasonLimit`).
 * Undefined when the delivery was not PENDING; `disabledNow` (the reason) only
 * for the failure that disabled the endpoint.
 */
export async function failDelivery(
  db: TenantDb,
  delivery: { id: string; error: string; failuresBeforeDisabling: number; reasonOf: (lastError: string) => string; reasonLimit: number },
): Promise<{ webhookId: string; disabledNow: string | undefined } | undefined> {
  return db.transaction(async (tx) => {
    const failed = await tx.kysely
      .updateTable('webhook_deliveries')
      .set((eb) => ({ status: 'FAILED', last_error: eb.fn.coalesce('last_error', eb.val(delivery.error)) }))
      .where('id', '=', delivery.id)
      .where('status', '=', 'PENDING')
      .returning(['webhook_id', 'last_error'])
      .executeTakeFirst();
    if (failed === undefined) return undefined;
    const reason = delivery.reasonOf(failed.last_error ?? delivery.error);
    const before = await tx.kysely.selectFrom('webhooks').select('disabled_at').where('id', '=', failed.webhook_id).forUpdate().executeTakeFirst();
    const reaches = sql<boolean>`disabled_at is null and consecutive_failures + 1 >= ${delivery.failuresBeforeDisabling}`;
    const after = await tx.kysely
      .updateTable('webhooks')
      .set((eb) => ({
        consecutive_failures: eb('consecutive_failures', '+', 1),
        disabled_at: sql<Date | null>`case when ${reaches} then now() else disabled_at end`,
        disabled_reason: sql<string | null>`case when ${reaches} then ${reason.slice(0, delivery.reasonLimit)} else disabled_reason end`,
      }))
      .where('id', '=', failed.webhook_id)
      .returning('disabled_at')
      .executeTakeFirst();
    const disabledNow = before !== undefined && before.disabled_at === null && after !== undefined && after.disabled_at !== null;
    return { webhookId: failed.webhook_id, disabledNow: disabledNow ? reason : undefined };
  });
}
