import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { CompanyRecord, SessionRecord } from '../../../modules/leads/lead-records.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import type { GatewayContext } from '../gateway-context.js';
import { leadLoaders } from './request-loaders.js';
import { deviceOf } from '../../../intelligence/visitors/device.js';
import type { AsnTable } from '../../../intelligence/ip/asn-table.js';
import type { GeoLookup } from '../../../platform/ip-dataset/geo-lookup.js';
import { networkOfAddress } from '../ip/address-network.js';
import { Company, Device, Session, VisitLocation, VisitNetwork } from './lead.types.js';

@Resolver(() => Session)
export class SessionResolver {
  constructor(
    private readonly leads: LeadService,
    private readonly datasets: { readonly asnTable: () => Promise<AsnTable>; readonly geo: () => Promise<GeoLookup> },
  ) {}

  @FieldResolver(() => Company, { nullable: true, description: 'The organisation the visit came from, when its network tells.' })
  async company(@Ctx() ctx: GatewayContext, @Root() session: SessionRecord): Promise<CompanyRecord | null> {
    return session.companyId === null ? null : leadLoaders(ctx, this.leads).company(session.companyId);
  }

  @FieldResolver(() => Device, { nullable: true, description: 'Browser, system and kind of device, from the user agent the visit opened with.' })
  device(@Root() session: SessionRecord): Device | null {
    return deviceOf(session.properties['userAgent']);
  }

  @FieldResolver(() => VisitLocation, { nullable: true, description: "Where the visit's address is; null without an address (the tenant keeps none) or where the dataset places none." })
  async location(@Root() session: SessionRecord): Promise<VisitLocation | null> {
    if (session.ip === null) return null;
    return (await this.datasets.geo()).lookup(session.ip) ?? null;
  }

  @FieldResolver(() => VisitNetwork, { nullable: true, description: "The network of the visit's address; null without an address or for private ranges." })
  async network(@Root() session: SessionRecord): Promise<VisitNetwork | null> {
    if (session.ip === null) return null;
    return networkOfAddress(await this.datasets.asnTable(), session.ip) ?? null;
  }
}
