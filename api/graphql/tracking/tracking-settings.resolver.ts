import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { z } from 'zod';
import { TenantSettings } from '../../../schema/entities/tenant/tenant-settings.entity.js';
import type { TrackingSettingsService } from '../../../tenants/tracking-settings/tracking-settings.service.js';
import type { TrackingSites } from '../../../tenants/tracking-settings/tracking-site.js';
import { signEmailPixelToken } from '../../ingest/pixels/email-pixel-token.js';
import { apiError, unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { withoutNulls } from '../without-nulls.js';
import { EmailPixelArgs, TrackingSettingsInput } from './tracking-settings.types.js';

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

  @Mutation(() => TenantSettings)
  async updateTrackingSettings(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => TrackingSettingsInput) input: TrackingSettingsInput,
  ): Promise<TenantSettings> {
    const tenant = requireTenant(ctx, 'tenant:write');
    unwrap(await this.deps.settings.update(tenant, withoutNulls({ ...input })));
    return tenant.em.findOneOrFail(TenantSettings, { id: true }, { refresh: true });
  }

  @Query(() => [String], { description: "Hosts on the tenant's own domains that serve its script and pixels." })
  pixelHosts(@Ctx() ctx: GatewayContext): Promise<string[]> {
    return this.deps.settings.pixelHosts(requireTenant(ctx, 'tenant:read'));
  }

  @Mutation(() => [String], { description: 'Point a CNAME of your domain at the service, then register it here.' })
  async addPixelHost(@Ctx() ctx: GatewayContext, @Arg('host', () => String) host: string): Promise<string[]> {
    return unwrap(await this.deps.settings.addPixelHost(requireTenant(ctx, 'tenant:write'), host));
  }

  @Mutation(() => [String])
  async removePixelHost(@Ctx() ctx: GatewayContext, @Arg('host', () => String) host: string): Promise<string[]> {
    return unwrap(await this.deps.settings.removePixelHost(requireTenant(ctx, 'tenant:write'), host));
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
    const [host] = await this.deps.settings.pixelHosts(tenant);
    const base = host === undefined ? this.deps.publicUrl : `https://${host}`;
    return `${base}/o/${token}.gif`;
  }
}
