import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey } from '../../../schema/entities/control/api-key.entity.js';
import type { ApiKeyService } from '../../../tenants/api-keys/api-key.service.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { withoutNulls } from '../without-nulls.js';
import { ApiKeyCreated, ApiKeyInput } from './api-key.types.js';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  constructor(private readonly keys: ApiKeyService) {}

  @Query(() => [ApiKey], { description: "The tenant's keys, revoked ones included." })
  apiKeys(@Ctx() ctx: GatewayContext): Promise<ApiKey[]> {
    return this.keys.list(requireTenant(ctx, 'keys:manage'));
  }

  @Mutation(() => ApiKeyCreated)
  async createApiKey(@Ctx() ctx: GatewayContext, @Arg('input', () => ApiKeyInput) input: ApiKeyInput): Promise<ApiKeyCreated> {
    const created = unwrap(await this.keys.create(requireTenant(ctx, 'keys:manage'), withoutNulls({ ...input })));
    return { apiKey: created.apiKey, key: created.secret };
  }

  @Mutation(() => ApiKey, { description: 'Stops the key on every gateway within a second; revoking twice is harmless.' })
  async revokeApiKey(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<ApiKey> {
    return unwrap(await this.keys.revoke(requireTenant(ctx, 'keys:manage'), id));
  }
}
