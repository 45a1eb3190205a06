import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, Int, ObjectType } from 'type-graphql';

/** Lives in each tenant's schema (`schema: '*'`): only a tenant-scoped fork can read it. */
@ObjectType('TenantSettings', { description: "White-label and privacy settings of the tenant's collection." })
@Entity({ tableName: 'settings', schema: '*' })
export class TenantSettings {
  @PrimaryKey({ type: 'boolean' })
  id!: boolean;

  @Field(() => String, { description: 'Path of the tracking script on the pixel hosts.' })
  @Property({ type: 'string' })
  scriptPath!: string;

  @Field(() => String, { description: 'Global name the tracking script exposes.' })
  @Property({ type: 'string' })
  globalName!: string;

  @Field(() => String, { description: 'First-party cookie holding the anonymous id.' })
  @Property({ type: 'string' })
  cookieName!: string;

  @Field(() => Boolean)
  @Property({ type: 'boolean' })
  requireConsent!: boolean;

  @Field(() => String, { description: 'full, truncated or none.' })
  @Property({ type: 'string' })
  ipStorage!: string;

  @Field(() => Int, { description: 'Days raw events are kept; older ones are deleted daily.' })
  @Property({ type: 'integer' })
  eventRetentionDays!: number;

  @Field(() => Int, { description: "Days sessions are kept from their start; a session's events go with it." })
  @Property({ type: 'integer' })
  sessionRetentionDays!: number;

  @Field(() => Int, { description: 'Days webhook deliveries and their payloads are kept.' })
  @Property({ type: 'integer' })
  webhookDeliveryRetentionDays!: number;

  @Field(() => Int, { description: "Days vendors' answers are kept as received." })
  @Property({ type: 'integer' })
  vendorBodyRetentionDays!: number;

  @Field(() => Int, { description: 'Days consent changes are kept.' })
  @Property({ type: 'integer' })
  consentRetentionDays!: number;

  @Field(() => Int, { description: "Days a person's export document is kept." })
  @Property({ type: 'integer' })
  exportRetentionDays!: number;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
