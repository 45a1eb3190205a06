import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { EnrichmentNowRecord, EnrichmentService, ProviderInfo, VendorRecord } from '../../../modules/enrichment/enrichment.service.js';
import type { LeadRecord } from '../../../modules/leads/lead-records.js';
import { Lead } from '../leads/lead.types.js';
import type { EnrichmentSettings as SettingsRecord } from '../../../modules/enrichment/enrichment-settings.js';
import type { EnrichmentJobRecord } from '../../../modules/enrichment/enrichment-jobs.js';
import { unwrap } from '../errors.js';
import { fieldCost } from '../limits/field-cost.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { withoutNulls } from '../without-nulls.js';
import {
  AutomaticEnrichment,
  EnrichmentJob,
  EnrichmentNow,
  EnrichmentProvider,
  EnrichmentSettings,
  EnrichmentSettingsInput,
  EnrichmentVendor,
  EnrichmentVendorInput,
  EnrichLeadNowArgs,
  SetEnrichedFieldArgs,
} from './enrichment.types.js';

const MAX_FAILED_JOBS = 100;
/**
 * Each enrichLeadNow may hold its request for up to 5 s, and a mutation's
 * fields run one after another: weighed so one operation carries only a few
 * (five under the default MAX_QUERY_COST), not a hundred aliases in a row.
 */
const ENRICH_NOW_COST = 5_000;

/** Enrichment jobs, settings and vendors of the caller's tenant. */
@Resolver(() => EnrichmentSettings)
export class EnrichmentResolver {
  constructor(private readonly service: EnrichmentService) {}

  @Query(() => EnrichmentJob, { nullable: true, description: "A job of the caller's tenant; null when there is none with this id." })
  async enrichmentJob(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<EnrichmentJobRecord | null> {
    return (await this.service.job(requireTenant(ctx, 'leads:read').db, id)) ?? null;
  }

  @Query(() => [EnrichmentJob], { description: 'Jobs that failed every way, newest first (at most 100), for a person or a retry to pick up.' })
  failedEnrichmentJobs(
    @Ctx() ctx: GatewayContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
  ): Promise<EnrichmentJobRecord[]> {
    const limit = Math.min(Math.max(first ?? 50, 0), MAX_FAILED_JOBS);
    return this.service.failedJobs(requireTenant(ctx, 'leads:read').db, limit);
  }

  @Query(() => [EnrichmentJob], {
    description: "Automatic enrichments the tenant's policy skipped (status SKIPPED, the reason in error), newest first (at most 100); retryEnrichmentJob runs one.",
  })
  skippedEnrichmentJobs(
    @Ctx() ctx: GatewayContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
  ): Promise<EnrichmentJobRecord[]> {
    const limit = Math.min(Math.max(first ?? 50, 0), MAX_FAILED_JOBS);
    return this.service.skippedJobs(requireTenant(ctx, 'leads:read').db, limit);
  }

  @Query(() => EnrichmentSettings, { description: 'The waterfall, prices, threshold, staleness and limits enrichment runs with.' })
  enrichmentSettings(@Ctx() ctx: GatewayContext): Promise<SettingsRecord> {
    return this.service.settings(requireTenant(ctx, 'tenant:read').db);
  }

  @Query(() => [EnrichmentVendor], { description: 'The HTTP vendors the tenant configured, without their keys.' })
  enrichmentVendors(@Ctx() ctx: GatewayContext): Promise<VendorRecord[]> {
    return this.service.vendors(requireTenant(ctx, 'tenant:read').db);
  }

  @Mutation(() => EnrichmentJob, {
    description: 'Enriches a lead: durable, metered in credits; a lead already being enriched returns its running job.',
  })
  async enrichLead(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<EnrichmentJobRecord> {
    return unwrap(await this.service.enrichLead(requireTenant(ctx, 'enrich').db, id));
  }

  @Mutation(() => EnrichmentNow, {
    description:
      'Enriches a lead as enrichLead does (the same durable job, metered the same, once) and answers when the job finishes or after waitMs (0 to 5000), whichever comes first, with the job and the lead as they are then.',
  })
  @Extensions(fieldCost(ENRICH_NOW_COST))
  async enrichLeadNow(@Ctx() ctx: GatewayContext, @Args(() => EnrichLeadNowArgs) args: EnrichLeadNowArgs): Promise<EnrichmentNowRecord> {
    return unwrap(await this.service.enrichNow(requireTenant(ctx, 'enrich').db, args.id, args.waitMs ?? 2000));
  }

  @Mutation(() => Lead, {
    description:
      "A person's value for a lead's field (the manual review queue): source manual, confidence 1, verified; no re-enrichment replaces it. Clears needsManualEnrichment; the lead is rescored. Audited (never the value).",
  })
  async setEnrichedField(@Ctx() ctx: GatewayContext, @Args(() => SetEnrichedFieldArgs) args: SetEnrichedFieldArgs): Promise<LeadRecord> {
    const { leadId, field, value, note } = args;
    const tenant = requireTenant(ctx, 'leads:write');
    return unwrap(await this.service.setField(tenant.db, { leadId, field, value, note: note ?? undefined }, { keyId: tenant.keyId }));
  }

  @Mutation(() => [EnrichmentJob], {
    description: 'Enriches up to 1,000 leads with bounded concurrency, all or none accepted; one job per lead, in the order given.',
  })
  async enrichLeads(@Ctx() ctx: GatewayContext, @Arg('ids', () => [ID]) ids: string[]): Promise<EnrichmentJobRecord[]> {
    return unwrap(await this.service.enrichLeads(requireTenant(ctx, 'enrich').db, ids));
  }

  @Mutation(() => EnrichmentJob, { description: "Runs a failed job's lead again as a new job; only a FAILED job can be retried." })
  async retryEnrichmentJob(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<EnrichmentJobRecord> {
    return unwrap(await this.service.retryJob(requireTenant(ctx, 'enrich').db, id));
  }

  @Mutation(() => EnrichmentSettings, { description: 'Changes the fields given; the waterfall may name built-in providers and configured vendors.' })
  async updateEnrichmentSettings(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => EnrichmentSettingsInput) input: EnrichmentSettingsInput,
  ): Promise<SettingsRecord> {
    const tenant = requireTenant(ctx, 'tenant:write').db;
    // Null means "no limit" for dailyCreditLimit and automatic.dailyCreditCap only; elsewhere "unchanged", like an omitted field.
    const { dailyCreditLimit, automatic, ...rest } = input;
    const { dailyCreditCap, rule, ...policy } = automatic ?? {};
    const change = {
      ...withoutNulls(rest),
      ...(dailyCreditLimit === undefined ? {} : { dailyCreditLimit }),
      ...(automatic === undefined || automatic === null
        ? {}
        : { automatic: { ...withoutNulls(policy), ...(dailyCreditCap === undefined ? {} : { dailyCreditCap }), ...(rule === undefined ? {} : { rule }) } }),
    };
    return unwrap(await this.service.updateSettings(tenant, change));
  }

  @Mutation(() => EnrichmentVendor, { description: 'Creates or replaces an HTTP vendor by config.id; the key is sealed and never returned.' })
  async configureEnrichmentVendor(
    @Ctx() ctx: GatewayContext,
    @Arg('input', () => EnrichmentVendorInput) input: EnrichmentVendorInput,
  ): Promise<VendorRecord> {
    const tenant = requireTenant(ctx, 'tenant:write').db;
    return unwrap(await this.service.configureVendor(tenant, { config: input.config, apiKey: input.apiKey ?? undefined }));
  }

  @Mutation(() => Boolean, { description: 'Removes a vendor, its key, and its place in the waterfall.' })
  async removeEnrichmentVendor(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return unwrap(await this.service.removeVendor(requireTenant(ctx, 'tenant:write').db, id));
  }

  // The parent field already checked the key's scope.
  @FieldResolver(() => AutomaticEnrichment, { description: "The policy of automatic enrichment from publishable-key calls, with today's use." })
  async automatic(@Root() settings: SettingsRecord, @Ctx() ctx: GatewayContext): Promise<AutomaticEnrichment> {
    const day = await this.service.automaticDay(requireTenant(ctx).db);
    return {
      businessOnly: settings.autoBusinessOnly,
      dailyCreditCap: settings.autoDailyCreditCap,
      perVisitorDaily: settings.autoPerVisitorDaily,
      rule: settings.autoRule ?? null,
      ...day,
    };
  }

  // The parent field already checked the key's scope.
  @FieldResolver(() => [EnrichmentProvider], { description: 'Every provider the waterfall may name, with its price and limits.' })
  providers(@Ctx() ctx: GatewayContext): Promise<ProviderInfo[]> {
    return this.service.providers(requireTenant(ctx).db);
  }
}
