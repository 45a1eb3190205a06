/** Endpoints and deliveries as the API shows them, read from their rows (the column texts parsed, not cast). */
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES, isWebhookEventType, type WebhookEventType, type WebhookPayload } from './webhook-events.js';
import type { DeliveryRow, WebhookRow } from './webhooks.repository.js';

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly events: WebhookEventType[];
  readonly disabled: boolean;
  readonly disabledReason: string | null;
  readonly consecutiveFailures: number;
  readonly createdAt: Date;
}

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

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

const payloadSchema = z.object({
  id: z.string(),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  createdAt: z.string(),
  data: z.unknown(),
  replayOf: z.string().optional(),
});

const statusSchema = z.enum(DELIVERY_STATUSES);

/** The stored payload; only this module writes it, so one that does not parse is a broken row and throws. */
export const webhookPayloadOf = (json: unknown): WebhookPayload => payloadSchema.parse(json);

export const deliveryStatusOf = (text: string): DeliveryStatus => statusSchema.parse(text);

function eventTypeOf(text: string): WebhookEventType {
  if (!isWebhookEventType(text)) throw new Error(`${text} is not a webhook event type`);
  return text;
}

export function toWebhookRecord(row: WebhookRow): WebhookRecord {
  return {
    id: row.id,
    url: row.url,
    events: row.events.map(eventTypeOf),
    disabled: row.disabled_at !== null,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    createdAt: row.created_at,
  };
}

export function toDeliveryRecord(row: DeliveryRow): WebhookDeliveryRecord {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventType: eventTypeOf(row.event_type),
    status: deliveryStatusOf(row.status),
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    payload: webhookPayloadOf(row.payload),
  };
}
