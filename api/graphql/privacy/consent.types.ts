import { GraphQLJSON } from 'graphql-scalars';
import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import type { ConsentChangeRecord } from '../../../modules/privacy/consent-changes.js';

@ObjectType('ConsentChange', { description: 'A consent decision as it was recorded: who, granted or not, for which categories, from where.' })
export class ConsentChange implements ConsentChangeRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: 'The lead the decision was recorded for; null when nobody was known by the identifiers given.' })
  leadId!: string | null;

  @Field(() => String, { nullable: true })
  anonymousId!: string | null;

  @Field(() => Boolean)
  granted!: boolean;

  @Field(() => GraphQLJSON, { description: 'Per category, as Segment\'s consent spec: { "analytics": true }; empty when none were given.' })
  categories!: Record<string, boolean>;

  @Field(() => String, { description: "Where the decision came from: the caller's source, or the sending library's name (`api` when none)." })
  source!: string;

  @Field(() => Date)
  at!: Date;
}

@InputType('ConsentInput', { description: 'A decision the tenant collected itself; the person is named by any of their identifiers (none is stored but the anonymous id).' })
export class ConsentInput {
  @Field(() => String, { nullable: true })
  anonymousId?: string | null;

  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => Boolean)
  granted!: boolean;

  @Field(() => GraphQLJSON, { nullable: true, description: '{ category: boolean }' })
  categories?: unknown;

  @Field(() => String, { description: 'Where it was collected: "signup-form", "support call", …' })
  source!: string;
}

@ArgsType()
export class ConsentHistoryArgs {
  @Field(() => ID)
  leadId!: string;
}
