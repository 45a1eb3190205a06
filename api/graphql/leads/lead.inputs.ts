import { GraphQLJSON } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { LeadTier } from './lead.types.js';

@InputType('LeadFilter')
export class LeadFilter {
  @Field(() => LeadTier, { nullable: true })
  tier?: LeadTier | null;

  @Field(() => Int, { nullable: true })
  minScore?: number | null;

  @Field(() => ID, { nullable: true, description: "Members of the segment now (its rule, evaluated at the request's time)." })
  segmentId?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive, exact.' })
  email?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'The manual review queue (true): leads no source found anything for, to fix with setEnrichedField; false: the others.',
  })
  needsManualEnrichment?: boolean | null;
}

// Argument classes keep the SDL's argument order as declared (parameter decorators run in reverse).
@ArgsType()
export class LeadsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50 })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => LeadFilter, { nullable: true })
  filter?: LeadFilter | null;
}

@ArgsType()
export class SessionsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20 })
  first?: number | null;
}

@ArgsType()
export class EventsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50 })
  first?: number | null;
}

@ArgsType()
export class SplitLeadArgs {
  @Field(() => ID)
  leadId!: string;

  @Field(() => String)
  anonymousId!: string;
}

@InputType('TrackPage')
export class TrackPage {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => String, { nullable: true })
  path?: string | null;

  @Field(() => String, { nullable: true })
  referrer?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;
}

@InputType('ConsentState', { description: "The person's consent as the sender knows it; where the tenant requires consent, only a grant lets a message identify them." })
export class ConsentState {
  @Field(() => Boolean, { description: 'false is a refusal.' })
  granted!: boolean;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Per category, as Segment\'s consent spec: { "analytics": true, "advertising": false }; any false is a refusal.' })
  categories?: unknown;
}

@InputType('TrackContext')
export class TrackContext {
  @Field(() => String, { nullable: true, description: "The visitor's address; the session records it." })
  ip?: string | null;

  @Field(() => String, { nullable: true })
  userAgent?: string | null;

  @Field(() => TrackPage, { nullable: true })
  page?: TrackPage | null;

  @Field(() => ConsentState, { nullable: true })
  consent?: ConsentState | null;
}

@InputType('TrackInput')
export class TrackInput {
  @Field(() => String, { nullable: true, description: 'Dedupe key: a messageId is stored once per tenant, ever.' })
  messageId?: string | null;

  @Field(() => String, { nullable: true })
  anonymousId?: string | null;

  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String)
  event!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  properties?: unknown;

  @Field(() => Date, { nullable: true })
  timestamp?: Date | null;

  @Field(() => TrackContext, { nullable: true })
  context?: TrackContext | null;
}

@InputType('IdentifyInput')
export class IdentifyInput {
  @Field(() => String, { nullable: true })
  anonymousId?: string | null;

  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  traits?: unknown;

  @Field(() => ConsentState, { nullable: true })
  consent?: ConsentState | null;
}
