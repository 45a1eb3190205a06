import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ID, ObjectType } from 'type-graphql';

export type TenantStatus = 'active' | 'deleting' | 'deleted';

@ObjectType('Tenant', { description: 'A SaaS customer with its own isolated dataset.' })
@Entity({ tableName: 'tenants', schema: 'control' })
export class Tenant {
  @Field(() => ID)
  @PrimaryKey({ type: 'string' })
  id!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'string' })
  schemaName!: string;

  @Property({ type: 'string' })
  status!: TenantStatus;

  @Field(() => Date)
  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
