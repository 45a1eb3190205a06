import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';

@InputType('CompanyInput', { description: "A company of the tenant's own data, keyed by domain; omitted fields keep their value." })
export class CompanyInput {
  @Field(() => String)
  domain!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => Int, { nullable: true })
  employees?: number | null;

  @Field(() => Float, { nullable: true, description: 'Annual revenue, in the currency the tenant uses throughout.' })
  revenue?: number | null;

  @Field(() => String, { nullable: true })
  country?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the whole list when given.' })
  techStack?: string[] | null;
}

@ObjectType('ImportResult')
export class ImportResult {
  @Field(() => Int, { description: 'Companies that did not exist before.' })
  created!: number;

  @Field(() => Int, { description: 'Existing companies whose fields were replaced by the ones given.' })
  updated!: number;
}
