import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { fieldCost, LOOKUP_COST, SCAN_COST } from '../limits/field-cost.js';
import { isStale, type EnrichedFieldState } from '../../../intelligence/enrichment/field-provenance.js';
import { tierOf } from '../../../intelligence/scoring/lead-tier.js';
import { companyLinkOf, type CompanyLink } from '../../../intelligence/companies/company-link.js';
import type { CompanyRecord, EventRecord, LeadRecord, SessionRecord } from '../../../modules/leads/lead-records.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import { apiError, unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { withoutNulls } from '../without-nulls.js';
import { EventsArgs, IdentifyInput, LeadsArgs, SessionsArgs, SplitLeadArgs, TrackInput } from './lead.inputs.js';
import { leadLoaders, segmentLoader } from './request-loaders.js';
import type { LeadListFilter } from '../../../modules/leads/lead-queries.js';
import type { SegmentService } from '../../../modules/segments/segment.service.js';
import { Segment } from '../segments/segment.types.js';
import {
  Company,
  CompanyLinkView,
  EnrichedField,
  Lead,
  LeadConnection,
  LeadEvent,
  LeadTier,
  ScoreContribution,
  Session,
  TrackResult,
} from './lead.types.js';

function enrichedField(state: EnrichedFieldState, now: Date): EnrichedField {
  return {
    field: state.field,
    value: state.value,
    confidence: state.confidence,
    source: state.source,
    fetchedAt: state.fetchedAt,
    verified: state.verified,
    supplied: state.supplied,
    unverified: state.belowThreshold,
    expiresAt: state.expiresAt,
    stale: isStale(state, now),
    conflicts: state.conflicts.map((c) => ({ value: c.value, confidence: c.confidence, source: c.source, fetchedAt: c.fetchedAt.toISOString() })),
  };
}

@Resolver(() => Lead)
export class LeadResolver {
  constructor(
    private readonly service: LeadService,
    private readonly segmentService: SegmentService,
  ) {}

  @Query(() => Lead, { nullable: true, description: "A lead of the caller's tenant; null when there is none with this id." })
  async lead(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<LeadRecord | null> {
    return (await this.service.lead(requireTenant(ctx, 'leads:read').db, id)) ?? null;
  }

  @Query(() => Lead, { nullable: true, description: 'Case-insensitive.' })
  @Extensions(fieldCost(LOOKUP_COST)) // a search by email, not a read by id
  async leadByEmail(@Ctx() ctx: GatewayContext, @Arg('email', () => String) email: string): Promise<LeadRecord | null> {
    return (await this.service.leadByEmail(requireTenant(ctx, 'leads:read').db, email)) ?? null;
  }

  @Query(() => LeadConnection, { description: 'Newest first.' })
  @Extensions(fieldCost(SCAN_COST)) // a filtered page plus the count of every match, whether totalCount is asked or not
  async leads(@Ctx() ctx: GatewayContext, @Args(() => LeadsArgs) args: LeadsArgs): Promise<LeadConnection> {
    const tenant = requireTenant(ctx, 'leads:read').db;
    const { segmentId, ...given } = withoutNulls({ ...args.filter });
    let filter: LeadListFilter = given;
    if (segmentId !== undefined) {
      const segment = await this.segmentService.find(tenant, segmentId);
      if (segment === undefined) throw apiError('NOT_FOUND', 'Segment not found', { argumentPath: ['filter', 'segmentId'] });
      filter = { ...given, segment: { rule: segment.rule, now: new Date() } };
    }
    const page = unwrap(await this.service.leads(tenant, { first: args.first ?? 50, after: args.after ?? undefined, filter }));
    return { edges: [...page.edges], pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
  }

  @Mutation(() => TrackResult, { description: 'Server-side events, all or none, deduped by messageId.' })
  async track(@Ctx() ctx: GatewayContext, @Arg('events', () => [TrackInput]) events: TrackInput[]): Promise<TrackResult> {
    return unwrap(await this.service.track(requireTenant(ctx, 'leads:write').db, events));
  }

  @Mutation(() => Lead, { description: 'Stitches anonymous ids to a person; returns the lead it resolved to.' })
  async identify(@Ctx() ctx: GatewayContext, @Arg('input', () => IdentifyInput) input: IdentifyInput): Promise<LeadRecord> {
    return unwrap(await this.service.identify(requireTenant(ctx, 'leads:write').db, input));
  }

  @Mutation(() => [Lead], { description: 'Undoes the merge that brought anonymousId into the lead; returns both leads.' })
  async splitLead(@Ctx() ctx: GatewayContext, @Args(() => SplitLeadArgs) args: SplitLeadArgs): Promise<LeadRecord[]> {
    return unwrap(await this.service.split(requireTenant(ctx, 'leads:write').db, args.leadId, args.anonymousId));
  }

  @FieldResolver(() => LeadTier)
  tier(@Root() lead: LeadRecord): LeadTier {
    return LeadTier[tierOf(lead.score)];
  }

  @FieldResolver(() => [ScoreContribution], { description: 'Every contribution to the score; they sum to it.' })
  scoreBreakdown(@Root() lead: LeadRecord): ScoreContribution[] {
    return lead.scoreBreakdown.map((c) => ({ rule: c.rule, points: c.points }));
  }

  @FieldResolver(() => [Segment], { description: 'The segments the lead is in now.' })
  async segments(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord): Promise<Segment[]> {
    return (await segmentLoader(ctx, this.segmentService)(lead.id)).map((s) => ({ id: s.id, name: s.name, rule: s.ruleJson, windowed: s.windowed, createdAt: s.createdAt }));
  }

  @FieldResolver(() => [EnrichedField], { description: 'Enriched values with their provenance, ordered by field.' })
  async enrichment(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord): Promise<EnrichedField[]> {
    const now = new Date();
    return (await leadLoaders(ctx, this.service).enrichment(lead.id)).map((state) => enrichedField(state, now));
  }

  @FieldResolver(() => [String])
  anonymousIds(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord): Promise<string[]> {
    return leadLoaders(ctx, this.service).anonymousIds(lead.id);
  }

  @FieldResolver(() => CompanyLinkView, { nullable: true, description: 'Why the lead has its company; null when it has none, or ingestion linked it and no enrichment ran since.' })
  async companyLink(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord): Promise<CompanyLink | null> {
    const link = companyLinkOf(lead.companyLink);
    if (link === undefined || lead.companyId === null) return null;
    // Read only when asked, through the request's batched company loader: a link about a company the lead has since left is no explanation.
    const company = await leadLoaders(ctx, this.service).company(lead.companyId);
    return company?.domain === link.domain ? link : null;
  }

  @FieldResolver(() => Company, { nullable: true })
  async company(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord): Promise<CompanyRecord | null> {
    return lead.companyId === null ? null : leadLoaders(ctx, this.service).company(lead.companyId);
  }

  @FieldResolver(() => [Session], { description: 'Newest first.' })
  sessions(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord, @Args(() => SessionsArgs) { first }: SessionsArgs): Promise<SessionRecord[]> {
    return leadLoaders(ctx, this.service).sessions(lead.id, first ?? 20);
  }

  @FieldResolver(() => [LeadEvent], { description: 'Newest first.' })
  events(@Ctx() ctx: GatewayContext, @Root() lead: LeadRecord, @Args(() => EventsArgs) { first }: EventsArgs): Promise<EventRecord[]> {
    return leadLoaders(ctx, this.service).events(lead.id, first ?? 50);
  }
}
