import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Tenant } from '../../../schema/entities/control/tenant.entity.js';

@InputType('CreateTenantInput')
export class CreateTenantInput {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { nullable: true, description: 'Opening credits.' })
  credits?: number | null;

  @Field(() => [String], { nullable: true, description: "Hosts on the tenant's own domains that serve its tracking script and pixels." })
  pixelHosts?: string[] | null;
}

@ObjectType('TenantCreated', { description: 'The keys are shown here once and never again.' })
export class TenantCreated {
  @Field(() => Tenant)
  tenant!: Tenant;

  @Field(() => String)
  secretKey!: string;

  @Field(() => String)
  publishableKey!: string;
}

@ArgsType()
export class GrantCreditsArgs {
  @Field(() => ID)
  tenantId!: string;

  @Field(() => Int)
  amount!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true, description: 'A retry with the same key grants once.' })
  idempotencyKey?: string | null;
}
