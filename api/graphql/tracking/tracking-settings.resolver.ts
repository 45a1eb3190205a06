import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { z } from 'zod';
import { TenantSettings } from '../../../schema/entities/tenant/tenant-settings.entity.js';
import type { TrackingSettings, TrackingSettingsService } from '../../../modules/tracking-settings/tracking-settings.service.js';
import type { TrackingSites } from '../../../modules/tracking-settings/tracking-site.js';
import { signEmailPixelToken } from '../../ingest/pixels/email-pixel-token.js';
import { apiError, unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { withoutNulls } from '../without-nulls.js';
import type { PixelHostClaim } from '../../../modules/tracking-settings/pixel-host-claims.js';
import { EmailPixelArgs, PixelHost, PixelHostOrigin, PixelHostStatus, TrackingSettingsInput } from './tracking-settings.types.js';

const email = z.string().trim().toLowerCase().email();

/** White-label collection: settings, pixel hosts, and email-open pixel URLs. */
@Resolver()
export class TrackingSettingsResolver {
  constructor(
    private readonly deps: {
      settings: TrackingSettingsService;
      sites: TrackingSites;
      /** Where pixels are served when the tenant has no pixel host of its own. */
      publicUrl: string;
      now: () => number;
    },
  ) {}

  // The settings as the update's own statement returned them: written and read by the one repository.
  @Mutation(() => TenantSettings)
  async updateTrackingSettings(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => TrackingSettingsInput) input: TrackingSettingsInput,
  ): Promise<TrackingSettings> {
    return unwrap(await this.deps.settings.update(requireTenant(ctx, 'tenant:write').db, withoutNulls({ ...input })));
  }

  @Query(() => [String], { description: "Active hosts on the tenant's own domains that serve its script and pixels." })
  pixelHosts(@Ctx() ctx: GatewayContext): Promise<string[]> {
    return this.deps.settings.pixelHosts(requireTenant(ctx, 'tenant:read').db);
  }

  @Query(() => [PixelHost], { description: 'Every host claimed, pending or active, with the DNS records that prove it.' })
  async pixelHostClaims(@Ctx() ctx: GatewayContext): Promise<PixelHost[]> {
    return (await this.deps.settings.pixelHostClaims(requireTenant(ctx, 'tenant:read').db)).map(toPixelHost);
  }

  @Mutation(() => [String], {
    description: 'Claims a host (see claimPixelHost) and answers the active hosts: a new host is among them only once proven.',
  })
  async addPixelHost(@Ctx() ctx: GatewayContext, @Arg('host', () => String) host: string): Promise<string[]> {
    return unwrap(await this.deps.settings.addPixelHost(requireTenant(ctx, 'tenant:write').db, host));
  }

  @Mutation(() => PixelHost, {
    description: 'Claims a host on your domain. It serves nothing until proven: publish one of its records, then call verifyPixelHost.',
  })
  async claimPixelHost(@Ctx() ctx: GatewayContext, @Arg('host', () => String) host: string): Promise<PixelHost> {
    return toPixelHost(unwrap(await this.deps.settings.claimPixelHost(requireTenant(ctx, 'tenant:write').db, host)));
  }

  @Mutation(() => PixelHost, { description: "Checks a claimed host's DNS proof now; a proven host becomes ACTIVE." })
  async verifyPixelHost(@Ctx() ctx: GatewayContext, @Arg('host', () => String) host: string): Promise<PixelHost> {
    return toPixelHost(unwrap(await this.deps.settings.verifyPixelHost(requireTenant(ctx, 'tenant:write').db, host)));
  }

  @Mutation(() => [String])
  async removePixelHost(@Ctx() ctx: GatewayContext, @Arg('host', () => String) host: string): Promise<string[]> {
    return unwrap(await this.deps.settings.removePixelHost(requireTenant(ctx, 'tenant:write').db, host));
  }

  @Query(() => String, { description: 'URL of an open pixel for one email to this address; each load records an email_open.' })
  async emailPixel(@Ctx() ctx: GatewayContext, @Args(() => EmailPixelArgs) args: EmailPixelArgs): Promise<string> {
    const tenant = requireTenant(ctx, 'leads:write');
    const parsed = email.safeParse(args.email);
    if (!parsed.success) throw apiError('BAD_USER_INPUT', 'email: not an email address', { argumentPath: ['email'] });
    const site = await this.deps.sites.byTenant(tenant.tenantId);
    if (site === undefined) throw apiError('NOT_FOUND', 'Tenant not found');
    const token = signEmailPixelToken(
      { tenantId: tenant.tenantId, email: parsed.data, campaign: args.campaign ?? undefined, issuedAt: this.deps.now() },
      site.pixelSecret,
    );
    const [host] = await this.deps.settings.pixelHosts(tenant.db);
    const base = host === undefined ? this.deps.publicUrl : `https://${host}`;
    return `${base}/o/${token}.gif`;
  }
}

const STATUS: Readonly<Record<PixelHostClaim['status'], PixelHostStatus>> = { pending: PixelHostStatus.PENDING, active: PixelHostStatus.ACTIVE };
const ORIGIN: Readonly<Record<PixelHostClaim['origin'], PixelHostOrigin>> = {
  tenant: PixelHostOrigin.TENANT,
  operator: PixelHostOrigin.OPERATOR,
  legacy: PixelHostOrigin.LEGACY,
};

function toPixelHost(claim: PixelHostClaim): PixelHost {
  const record = (type: 'TXT' | 'CNAME') => {
    const found = claim.records.find((r) => r.type === type);
    return found === undefined ? null : { ...found };
  };
  return {
    host: claim.host,
    status: STATUS[claim.status],
    origin: ORIGIN[claim.origin],
    record: record('TXT'),
    cnameRecord: record('CNAME'),
    provenBy: claim.provenBy,
    verifiedAt: claim.verifiedAt,
    lastCheckedAt: claim.lastCheckedAt,
    failedChecks: claim.failedChecks,
    lastCheckError: claim.lastCheckError,
  };
}
