import { Args, Ctx, Extensions, FieldResolver, Query, Resolver, Root, Subscription } from 'type-graphql';
import { fieldCost, SCAN_COST } from '../limits/field-cost.js';
import { Tenant } from '../../../schema/entities/control/tenant.entity.js';
import { TenantSettings } from '../../../schema/entities/tenant/tenant-settings.entity.js';
import type { CreditLedger } from '../../../modules/credits/credit-ledger.js';
import { apiError } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { CreditBalance, UsageArgs, UsageLine } from './tenant.types.js';

/** Crawlers' events dropped in a period, of the tenant's schema: shown apart in `usage`, never metered. */
export type BotEventsBetween = (tenant: TenantDb, range: { from?: Date; to?: Date }) => Promise<number>;

/** The usage line of crawlers' events: what was dropped, counted, free. */
export const BOT_EVENTS_OPERATION = 'bot_events';

@Resolver(() => Tenant)
export class TenantResolver {
  constructor(
    private readonly ledger: CreditLedger,
    private readonly botEventsBetween: BotEventsBetween,
  ) {}

  @Query(() => Tenant, { description: 'The tenant of the calling key.' })
  async tenant(@Ctx() ctx: GatewayContext): Promise<Tenant> {
    const tenant = requireTenant(ctx);
    const found = await tenant.em.findOne(Tenant, { id: tenant.tenantId });
    if (found === null) throw apiError('NOT_FOUND', 'Tenant not found');
    return found;
  }

  @FieldResolver(() => CreditBalance)
  async credits(@Root() root: Tenant): Promise<CreditBalance> {
    return { balance: await this.ledger.balance(root.id) };
  }

  @FieldResolver(() => TenantSettings)
  async settings(@Ctx() ctx: GatewayContext): Promise<TenantSettings> {
    const tenant = requireTenant(ctx, 'tenant:read');
    // The tenant's fork resolves `schema: '*'` entities in its own schema only.
    return tenant.em.findOneOrFail(TenantSettings, { id: true });
  }

  @Query(() => [UsageLine], {
    description: `Metered operations between from (inclusive) and to (exclusive); crawlers' events, dropped before storage, as "${BOT_EVENTS_OPERATION}" (free, counted by whole UTC days).`,
  })
  @Extensions(fieldCost(SCAN_COST)) // aggregates the ledger over the whole period
  async usage(@Ctx() ctx: GatewayContext, @Args(() => UsageArgs) { from, to }: UsageArgs): Promise<UsageLine[]> {
    const tenant = requireTenant(ctx, 'usage:read');
    if (from && to && from > to) throw apiError('BAD_USER_INPUT', 'from must not be after to', { argumentPath: ['from'] });
    const range = { from: from ?? undefined, to: to ?? undefined };
    const [metered, bots] = await Promise.all([this.ledger.usage(tenant.tenantId, range), this.botEventsBetween(tenant.db, range)]);
    return bots === 0 ? metered : [...metered, { operation: BOT_EVENTS_OPERATION, count: bots, credits: 0, cached: 0, refused: 0 }];
  }

  @Subscription(() => CreditBalance, {
    description: "The tenant's credit balance, each time it changes.",
    topics: 'credits',
    topicId: ({ context }) => requireTenant(context as GatewayContext, 'usage:read').tenantId,
  })
  creditBalanceChanged(@Root() message: string): CreditBalance {
    return { balance: (JSON.parse(message) as { balance: number }).balance };
  }
}
