import { Field, InputType, ObjectType } from 'type-graphql';
import { ApiKey, ApiKeyKind } from '../../../schema/entities/control/api-key.entity.js';

@InputType('ApiKeyInput')
export class ApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => ApiKeyKind, { defaultValue: ApiKeyKind.SECRET })
  kind!: ApiKeyKind;

  @Field(() => [String], { nullable: true, description: "Scopes of a secret key; defaults to the calling key's." })
  scopes?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Addresses or CIDR ranges the key may be used from.' })
  ipAllowlist?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Origins a publishable key may ingest from.' })
  allowedOrigins?: string[] | null;
}

@ObjectType('ApiKeyCreated', { description: 'The key is shown here once and never again.' })
export class ApiKeyCreated {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String)
  key!: string;
}
