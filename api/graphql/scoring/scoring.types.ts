import { GraphQLJSON } from 'graphql-scalars';
import { Field, InputType, Int, ObjectType } from 'type-graphql';

@ObjectType('ScoringModel', {
  description: 'RANGE, MATCH, EXIST and BOOST rules; a lead scores the sum of their points, clamped to 0..100.',
})
export class ScoringModel {
  @Field(() => Int, { description: '0 for the default model, which a tenant has until it writes its own.' })
  version!: number;

  @Field(() => GraphQLJSON, { description: 'The rules, in order: { name, kind, ... } as README.md describes.' })
  rules!: unknown;

  @Field(() => Date, { nullable: true })
  createdAt!: Date | null;
}

@InputType('ScoringModelInput')
export class ScoringModelInput {
  @Field(() => GraphQLJSON)
  rules!: unknown;
}
