import { isIP } from 'node:net';
import { Arg, Ctx, Extensions, Query, Resolver } from 'type-graphql';
import { fieldCost, LOOKUP_COST } from '../limits/field-cost.js';
import type { AsnTable } from '../../../intelligence/ip/asn-table.js';
import type { GeoLookup } from '../../../platform/ip-dataset/geo-lookup.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import { apiError } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { networkOfAddress } from './address-network.js';
import { IpLookup } from './ip-lookup.types.js';

@Resolver(() => IpLookup)
export class IpLookupResolver {
  constructor(
    private readonly asnTable: () => Promise<AsnTable>,
    private readonly leads: LeadService,
    private readonly geo: () => Promise<GeoLookup>,
  ) {}

  @Query(() => IpLookup, { description: 'IP address → network organisation and location (public ASN ranges, CC BY 4.0 RouteViews, DB-IP, NRO; DB-IP City Lite, CC BY 4.0).' })
  @Extensions(fieldCost(LOOKUP_COST)) // a range search, then the organisation's company
  async lookupIp(@Ctx() ctx: GatewayContext, @Arg('ip', () => String) ip: string): Promise<IpLookup> {
    const tenant = requireTenant(ctx, 'leads:read').db;
    const address = ip.trim();
    if (isIP(address) === 0) throw apiError('BAD_USER_INPUT', 'ip: not an IPv4 or IPv6 address', { argumentPath: ['ip'] });
    const [asnTable, geo] = await Promise.all([this.asnTable(), this.geo()]);
    const network = networkOfAddress(asnTable, address);
    const location = geo.lookup(address);
    const kind = network?.kind ?? null;
    const company = kind === 'business' ? ((await this.leads.companyOfNetwork(tenant, address)) ?? null) : null;
    return {
      ip: address,
      asn: network?.asn ?? null,
      organization: network?.organization ?? null,
      isHosting: kind === 'hosting',
      networkKind: kind,
      country: location?.country ?? null,
      region: location?.region ?? null,
      city: location?.city ?? null,
      company,
    };
  }
}
