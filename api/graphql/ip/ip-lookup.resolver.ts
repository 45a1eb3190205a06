import { isIP } from 'node:net';
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { AsnTable } from '../../../intelligence/ip/asn-table.js';
import { classifyNetwork } from '../../../intelligence/ip/network-kind.js';
import type { LeadService } from '../../leads/lead.service.js';
import { apiError } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { IpLookup } from './ip-lookup.types.js';

@Resolver(() => IpLookup)
export class IpLookupResolver {
  constructor(
    private readonly asnTable: () => Promise<AsnTable>,
    private readonly leads: LeadService,
  ) {}

  @Query(() => IpLookup, { description: 'IP address → network organisation (public ASN ranges, CC BY 4.0 RouteViews, DB-IP, NRO).' })
  async lookupIp(@Ctx() ctx: GatewayContext, @Arg('ip', () => String) ip: string): Promise<IpLookup> {
    const tenant = requireTenant(ctx, 'leads:read');
    const address = ip.trim();
    if (isIP(address) === 0) throw apiError('BAD_USER_INPUT', 'ip: not an IPv4 or IPv6 address', { argumentPath: ['ip'] });
    const match = (await this.asnTable()).lookup(address);
    const kind = match === undefined ? null : classifyNetwork(match.asn, match.organization);
    const company = kind === 'business' ? ((await this.leads.companyOfNetwork(tenant, address)) ?? null) : null;
    return { ip: address, asn: match?.asn ?? null, organization: match?.organization ?? null, isHosting: kind === 'hosting', networkKind: kind, company };
  }
}
