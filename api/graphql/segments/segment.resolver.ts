import { Arg, Args, Ctx, Extensions, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { fieldCost, SCAN_COST } from '../limits/field-cost.js';
import type { PubSub } from '../../../platform/coordination/coordination.js';
import { tenantChannel } from '../../../tenants/tenant-channels.js';
import type { MembershipMessage, ScoredMessage } from '../../../modules/lead-changes/publish-lead-changes.js';
import type { LeadRecord } from '../../../modules/leads/lead-records.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import type { SegmentRecord } from '../../../modules/segments/segment-records.js';
import type { SegmentService } from '../../../modules/segments/segment.service.js';
import { channelIterator } from '../../subscriptions/channel-iterator.js';
import { apiError, unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { LeadConnection } from '../leads/lead.types.js';
import { instanceFor } from '../schema-instances.js';
import { LeadScoreChange, MembersArgs, MembershipChange, Segment, SegmentInput, SegmentMembershipChange } from './segment.types.js';

const view = (segment: SegmentRecord): Segment => ({ id: segment.id, name: segment.name, rule: segment.ruleJson, windowed: segment.windowed, createdAt: segment.createdAt });

@Resolver(() => Segment)
export class SegmentResolver {
  constructor(
    private readonly segmentService: SegmentService,
    private readonly leads: LeadService,
    private readonly pubsub: PubSub,
  ) {}

  @Query(() => [Segment])
  async segments(@Ctx() ctx: GatewayContext): Promise<Segment[]> {
    return (await this.segmentService.list(requireTenant(ctx, 'leads:read').db)).map(view);
  }

  @Query(() => Segment, { nullable: true, description: "Null when the tenant has no segment of this id (another tenant's included)." })
  async segment(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<Segment | null> {
    const found = await this.segmentService.find(requireTenant(ctx, 'leads:read').db, id);
    return found === undefined ? null : view(found);
  }

  @Mutation(() => Segment, { description: 'Validated with the path of a bad node; the leads it matches now enter at once.' })
  async createSegment(@Ctx() ctx: GatewayContext, @Arg('input', () => SegmentInput) input: SegmentInput): Promise<Segment> {
    return view(unwrap(await this.segmentService.create(requireTenant(ctx, 'segments:write').db, input)));
  }

  @Mutation(() => Boolean, { description: 'Its members exit; the history of who was in it stays.' })
  async deleteSegment(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return unwrap(await this.segmentService.remove(requireTenant(ctx, 'segments:write').db, id));
  }

  @FieldResolver(() => Int, { description: 'Live leads the rule matches now (the rule compiled to SQL).' })
  @Extensions(fieldCost(SCAN_COST)) // counts every live lead the rule matches
  async count(@Ctx() ctx: GatewayContext, @Root() segment: Segment): Promise<number> {
    const { db } = requireTenant(ctx, 'leads:read');
    const record = await this.segmentService.find(db, segment.id);
    return record === undefined ? 0 : this.segmentService.count(db, record);
  }

  @FieldResolver(() => LeadConnection, { description: 'Newest first, as `leads`.' })
  @Extensions(fieldCost(SCAN_COST)) // a page plus the count of every match, whether totalCount is asked or not
  async members(@Ctx() ctx: GatewayContext, @Root() segment: Segment, @Args(() => MembersArgs) args: MembersArgs): Promise<LeadConnection> {
    const tenant = requireTenant(ctx, 'leads:read');
    const record = await this.segmentService.find(tenant.db, segment.id);
    if (record === undefined) throw apiError('NOT_FOUND', 'Segment not found');
    const page = unwrap(
      await this.leads.leads(tenant.db, { first: args.first ?? 50, after: args.after ?? undefined, filter: { segment: { rule: record.rule, now: new Date() } } }),
    );
    return { edges: [...page.edges], pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount };
  }

  @Subscription(() => SegmentMembershipChange, {
    description: "Leads entering and leaving the segment. Another tenant's segment id is NOT_FOUND.",
    subscribe: async ({ args, context, info }) => {
      const tenant = requireTenant(context as GatewayContext, 'leads:read');
      const resolver = instanceFor(info.schema, SegmentResolver);
      const segmentId = String((args as { segmentId: unknown }).segmentId);
      if ((await resolver.segmentService.find(tenant.db, segmentId)) === undefined) throw apiError('NOT_FOUND', 'Segment not found');
      return channelIterator(resolver.pubsub, tenantChannel(tenant.tenantId, `segment:${segmentId}`));
    },
  })
  async segmentMembership(
    @Ctx() ctx: GatewayContext,
    @Root() message: string,
    @Arg('segmentId', () => ID) _segmentId: string,
  ): Promise<SegmentMembershipChange> {
    const change = JSON.parse(message) as MembershipMessage;
    return {
      segmentId: change.segmentId,
      lead: await this.leadOf(ctx, change.leadId),
      change: change.change === 'ENTERED' ? MembershipChange.ENTERED : MembershipChange.EXITED,
      at: new Date(change.at),
    };
  }

  @Subscription(() => LeadScoreChange, {
    description: 'Leads whose score changed to at least minScore.',
    subscribe: ({ args, context, info }) => {
      const tenant = requireTenant(context as GatewayContext, 'leads:read');
      const resolver = instanceFor(info.schema, SegmentResolver);
      const minScore = Number((args as { minScore?: unknown }).minScore ?? 0);
      return filtered(channelIterator(resolver.pubsub, tenantChannel(tenant.tenantId, 'scored')), (message) => (JSON.parse(message) as ScoredMessage).score >= minScore);
    },
  })
  async leadScored(
    @Ctx() ctx: GatewayContext,
    @Root() message: string,
    @Arg('minScore', () => Int, { nullable: true, defaultValue: 0 }) _minScore: number,
  ): Promise<LeadScoreChange> {
    const change = JSON.parse(message) as ScoredMessage;
    const lead = await this.leadOf(ctx, change.leadId);
    return { lead: { ...lead, score: change.score }, previousScore: change.previousScore };
  }

  private async leadOf(ctx: GatewayContext, leadId: string): Promise<LeadRecord> {
    const lead = await this.leads.lead(requireTenant(ctx).db, leadId);
    // Merged or deleted since the change: the lead is gone from reads.
    if (lead === undefined) throw apiError('NOT_FOUND', 'the lead of this change no longer exists');
    return lead;
  }
}

async function* filtered(source: AsyncIterableIterator<string>, keep: (message: string) => boolean): AsyncGenerator<string> {
  try {
    for await (const message of source) if (keep(message)) yield message;
  } finally {
    await source.return?.();
  }
}
