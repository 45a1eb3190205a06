import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { CompanyRecord, SessionRecord } from '../../leads/lead-records.js';
import type { LeadService } from '../../leads/lead.service.js';
import type { GatewayContext } from '../gateway-context.js';
import { leadLoaders } from './lead-request-loaders.js';
import { deviceOf } from '../../../intelligence/visitors/device.js';
import { Company, Device, Session } from './lead.types.js';

@Resolver(() => Session)
export class SessionResolver {
  constructor(private readonly leads: LeadService) {}

  @FieldResolver(() => Company, { nullable: true, description: 'The organisation the visit came from, when its network tells.' })
  async company(@Ctx() ctx: GatewayContext, @Root() session: SessionRecord): Promise<CompanyRecord | null> {
    return session.companyId === null ? null : leadLoaders(ctx, this.leads).company(session.companyId);
  }

  @FieldResolver(() => Device, { nullable: true, description: 'Browser, system and kind of device, from the user agent the visit opened with.' })
  device(@Root() session: SessionRecord): Device | null {
    return deviceOf(session.properties['userAgent']);
  }
}
