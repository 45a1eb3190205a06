import { GraphQLJSON } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { LeadRecord } from '../../../modules/leads/lead-records.js';
import { Lead } from '../leads/lead.types.js';

@ObjectType('Segment', { description: 'Leads matching a rule over firmographics and behaviour, kept live as leads change and time passes.' })
export class Segment {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => GraphQLJSON, { description: 'As written; the language is in API.md.' })
  rule!: unknown;

  @Field(() => Boolean, { description: 'The rule counts events within a time window: leads also leave as the window slides.' })
  windowed!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType('SegmentInput')
export class SegmentInput {
  @Field(() => String)
  name!: string;

  @Field(() => GraphQLJSON)
  rule!: unknown;
}

@ArgsType()
export class MembersArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50 })
  first?: number;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

export enum MembershipChange {
  ENTERED = 'ENTERED',
  EXITED = 'EXITED',
}
registerEnumType(MembershipChange, { name: 'MembershipChange' });

@ObjectType('SegmentMembershipChange')
export class SegmentMembershipChange {
  @Field(() => ID)
  segmentId!: string;

  @Field(() => Lead)
  lead!: LeadRecord;

  @Field(() => MembershipChange)
  change!: MembershipChange;

  @Field(() => Date)
  at!: Date;
}

@ObjectType('LeadScoreChange')
export class LeadScoreChange {
  @Field(() => Lead)
  lead!: LeadRecord;

  @Field(() => Int)
  previousScore!: number;
}
