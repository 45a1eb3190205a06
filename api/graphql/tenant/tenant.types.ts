import { ArgsType, Field, Int, ObjectType } from 'type-graphql';

@ObjectType('CreditBalance')
export class CreditBalance {
  @Field(() => Int)
  balance!: number;
}

@ObjectType('UsageLine', { description: 'Metered use of one operation in a period, and the credits it cost.' })
export class UsageLine {
  @Field(() => String)
  operation!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => Int)
  credits!: number;

  @Field(() => Int, { description: 'Answers served from cache: free, counted.' })
  cached!: number;

  @Field(() => Int, { description: 'Calls refused for lack of credits (CREDITS_EXHAUSTED).' })
  refused!: number;
}

// Argument classes keep the SDL's argument order as declared (parameter decorators run in reverse).
@ArgsType()
export class UsageArgs {
  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;
}
