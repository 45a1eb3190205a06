import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { ConsentChangeRecord } from '../../../modules/privacy/consent-changes.js';
import type { ConsentService } from '../../../modules/privacy/consent.service.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { withoutNulls } from '../without-nulls.js';
import { ConsentChange, ConsentHistoryArgs, ConsentInput } from './consent.types.js';

const SCOPE = 'privacy';

/** Consent decisions the tenant records itself, and a lead's history of them (its events' included). */
@Resolver(() => ConsentChange)
export class ConsentResolver {
  constructor(private readonly consent: ConsentService) {}

  @Mutation(() => ConsentChange, { description: 'Records a consent decision with its source; an erased person is BAD_USER_INPUT.' })
  async recordConsent(@Ctx() ctx: GatewayContext, @Arg('input', () => ConsentInput) input: ConsentInput): Promise<ConsentChangeRecord> {
    return unwrap(await this.consent.record(requireTenant(ctx, SCOPE).db, withoutNulls({ ...input })));
  }

  @Query(() => [ConsentChange], { description: "A lead's consent decisions, newest first (at most 500), from the API and from its events." })
  async consentHistory(@Ctx() ctx: GatewayContext, @Args(() => ConsentHistoryArgs) args: ConsentHistoryArgs): Promise<ConsentChangeRecord[]> {
    return unwrap(await this.consent.history(requireTenant(ctx, SCOPE).db, args.leadId));
  }
}
