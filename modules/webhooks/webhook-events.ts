/** What a webhook can subscribe to; the names are what receivers see in a payload's `type`. */
export const WEBHOOK_EVENT_TYPES = ['segment.entered', 'segment.exited', 'lead.scored', 'lead.enriched', 'lead.deleted'] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const isWebhookEventType = (value: string): value is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);

/** The JSON a receiver gets, and the bytes signed. `replayOf` names the delivery a manual replay copied. */
export interface WebhookPayload {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly createdAt: string;
  readonly data: unknown;
  readonly replayOf?: string;
}
