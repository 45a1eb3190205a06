import { Arg, Args, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Orm } from '../../../schema/orm.js';
import { Tenant } from '../../../schema/entities/control/tenant.entity.js';
import type { CreditGrants } from '../../../tenants/credits/credit-grants.js';
import type { TenantProvisioning } from '../../../tenants/provisioning/tenant-provisioning.js';
import { unwrap } from '../errors.js';
import { requireAdmin, type GatewayContext } from '../gateway-context.js';
import { CreditBalance } from '../tenant/tenant.types.js';
import { withoutNulls } from '../without-nulls.js';
import { CreateTenantInput, GrantCreditsArgs, TenantCreated } from './platform.types.js';

/** Operations of the platform operator (Bearer ADMIN_TOKEN). */
@Resolver()
export class PlatformResolver {
  constructor(private readonly deps: { provisioning: TenantProvisioning; grants: CreditGrants; orm: Orm }) {}

  @Mutation(() => TenantCreated)
  async createTenant(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => CreateTenantInput) input: CreateTenantInput,
  ): Promise<TenantCreated> {
    requireAdmin(ctx);
    const created = unwrap(await this.deps.provisioning.createTenant(withoutNulls({ ...input })));
    const tenant = await this.deps.orm.em.fork().findOneOrFail(Tenant, { id: created.tenantId });
    return { tenant, secretKey: created.secretKey, publishableKey: created.publishableKey };
  }

  @Mutation(() => CreditBalance)
  async grantCredits(@Ctx() ctx: GatewayContext, @Args(() => GrantCreditsArgs) args: GrantCreditsArgs): Promise<CreditBalance> {
    requireAdmin(ctx);
    return unwrap(await this.deps.grants.grant(withoutNulls({ ...args })));
  }
}
