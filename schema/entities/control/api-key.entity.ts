import { ArrayType } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum ApiKeyKind {
  SECRET = 'secret',
  PUBLISHABLE = 'publishable',
}
registerEnumType(ApiKeyKind, {
  name: 'ApiKeyKind',
  description: 'SECRET keys (sk_) call the API with scopes; PUBLISHABLE keys (pk_) can only ingest.',
});

/** The key itself is never stored: only its SHA-256, and a short prefix to recognise it by. */
@ObjectType('ApiKey')
@Entity({ tableName: 'api_keys', schema: 'control' })
export class ApiKey {
  @Field(() => ID)
  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Field(() => ApiKeyKind)
  @Property({ type: 'string' })
  kind!: ApiKeyKind;

  @Field(() => String)
  @Property({ type: 'string' })
  name!: string;

  @Field(() => String, { description: 'The first characters of the key, to tell keys apart.' })
  @Property({ type: 'string' })
  prefix!: string;

  @Property({ type: 'string', hidden: true })
  secretHash!: string;

  @Field(() => [String])
  @Property({ type: ArrayType })
  scopes!: string[];

  @Field(() => [String], { description: 'CIDR ranges or addresses the key may be used from; empty means anywhere.' })
  @Property({ type: ArrayType })
  ipAllowlist!: string[];

  @Field(() => [String], { description: 'Origins a publishable key may ingest from; empty means any.' })
  @Property({ type: ArrayType })
  allowedOrigins!: string[];

  @Field(() => Date)
  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  revokedAt!: Date | null;
}
