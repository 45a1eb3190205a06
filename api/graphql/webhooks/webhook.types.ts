import { GraphQLJSON } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookPayload } from '../../../modules/webhooks/webhook-events.js';
import type { DeliveryStatus, WebhookDeliveryRecord, WebhookRecord } from '../../../modules/webhooks/webhook-registry.js';

/** SEGMENT_ENTERED for segment.entered: GraphQL names, dotted values, derived so the two lists cannot drift. */
export const WebhookEventTypeEnum: Readonly<Record<string, WebhookEventType>> = Object.fromEntries(
  WEBHOOK_EVENT_TYPES.map((type) => [type.toUpperCase().replace('.', '_'), type]),
);
registerEnumType(WebhookEventTypeEnum, { name: 'WebhookEventType', description: 'What a webhook subscribes to; payloads name it dotted (segment.entered).' });

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, { name: 'WebhookDeliveryStatus' });

@ObjectType('Webhook', { description: 'An endpoint events are POSTed to, signed as Standard Webhooks specifies.' })
export class Webhook implements WebhookRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  url!: string;

  @Field(() => [WebhookEventTypeEnum])
  events!: WebhookEventType[];

  @Field(() => Boolean, { description: 'Disabled endpoints get no deliveries until enableWebhook.' })
  disabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the endpoint was disabled, with the last error.' })
  disabledReason!: string | null;

  @Field(() => Int, { description: 'Deliveries failed in a row, each after all its attempts; five disable the endpoint.' })
  consecutiveFailures!: number;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('WebhookCreated', { description: 'The signing secret is shown here once and never again.' })
export class WebhookCreated {
  @Field(() => Webhook)
  webhook!: WebhookRecord;

  @Field(() => String, { description: 'whsec_ and base64: the key of the webhook-signature HMAC.' })
  secret!: string;
}

@ObjectType('WebhookDelivery', { description: 'One event for one endpoint, with its attempts; webhook-id is its id.' })
export class WebhookDelivery implements WebhookDeliveryRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  webhookId!: string;

  @Field(() => WebhookEventTypeEnum)
  eventType!: WebhookEventType;

  @Field(() => WebhookDeliveryStatus)
  status!: DeliveryStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Int, { nullable: true, description: "The HTTP status of the last attempt; null when it got no answer." })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true })
  lastError!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => GraphQLJSON, { description: 'The body sent: { id, type, createdAt, data }, and replayOf on a replay.' })
  payload!: WebhookPayload;
}

@InputType('WebhookInput')
export class WebhookInput {
  @Field(() => String, { description: 'https, absolute, without credentials, not on (nor resolving to) an internal address; plain http and local receivers only where the deployment sets ALLOW_LOCAL_OUTBOUND.' })
  url!: string;

  @Field(() => [WebhookEventTypeEnum])
  events!: WebhookEventType[];
}

/** Arguments as a class, so they keep their order in the schema. */
@ArgsType()
export class WebhookDeliveriesArgs {
  @Field(() => ID)
  webhookId!: string;

  @Field(() => Int, { nullable: true, defaultValue: 50 })
  first?: number | null;
}
