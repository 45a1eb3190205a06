import { ArgsType, Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('AuditEntry', { description: 'A mutation run with one of the tenant\'s keys; arguments are not kept.' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'admin or key' })
  actor!: string;

  @Field(() => ID, { nullable: true })
  keyId!: string | null;

  @Field(() => String)
  operation!: string;

  @Field(() => String, { description: 'ok, or the error code the caller received.' })
  outcome!: string;

  @Field(() => Date)
  at!: Date;
}

@ArgsType()
export class AuditLogArgs {
  @Field(() => Int, { defaultValue: 50 })
  first!: number;

  @Field(() => ID, { nullable: true, description: 'The id of the last entry of the previous page.' })
  before?: string | null;
}
