import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Orm } from '../../../schema/orm.js';
import { Tenant } from '../../../schema/entities/control/tenant.entity.js';
import type { CreditGrants } from '../../../modules/credits/credit-grants.js';
import type { TenantProvisioning } from '../../../tenants/provisioning/tenant-provisioning.js';
import type { TenantDeletion, TenantOffboarding } from '../../../tenants/offboarding/tenant-offboarding.js';
import { unwrap } from '../errors.js';
import { requireAdmin, type GatewayContext } from '../gateway-context.js';
import { DeletionRequest } from '../privacy/privacy.types.js';
import { CreditBalance } from '../tenant/tenant.types.js';
import { withoutNulls } from '../without-nulls.js';
import { CreateTenantInput, GrantCreditsArgs, TenantCreated } from './platform.types.js';

/** Operations of the platform operator (Bearer ADMIN_TOKEN). */
/** A tenant's deletion in the shape of a person's: it has no person's receipt (its counts are `erased`). */
const asDeletionRequest = (deletion: TenantDeletion): DeletionRequest => ({ ...deletion, startedAt: null, receipt: null });

@Resolver()
export class PlatformResolver {
  constructor(private readonly deps: { provisioning: TenantProvisioning; grants: CreditGrants; orm: Orm; offboarding: TenantOffboarding }) {}

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

  @Mutation(() => DeletionRequest, {
    description: "Offboarding: the tenant's keys stop working at once, then its dataset, caches, schedules and running workflows go. The credit ledger stays for billing. Asking again returns the same request.",
  })
  async deleteTenant(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<DeletionRequest> {
    requireAdmin(ctx);
    return asDeletionRequest(unwrap(await this.deps.offboarding.deleteTenant(id)));
  }

  @Query(() => DeletionRequest, { nullable: true, description: 'A tenant deletion, by the id deleteTenant returned.' })
  async tenantDeletion(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<DeletionRequest | null> {
    requireAdmin(ctx);
    const deletion = await this.deps.offboarding.deletion(id);
    return deletion === undefined ? null : asDeletionRequest(deletion);
  }
}
