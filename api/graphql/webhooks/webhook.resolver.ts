import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { WebhookDeliveryRecord, WebhookRecord, WebhookRegistry } from '../../../modules/webhooks/webhook-registry.js';
import type { WebhookDispatcher } from '../../../modules/webhooks/webhook-dispatcher.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { Webhook, WebhookCreated, WebhookDeliveriesArgs, WebhookDelivery, WebhookInput } from './webhook.types.js';

const SCOPE = 'webhooks:manage';

/** The caller's webhook endpoints and their deliveries. */
@Resolver(() => Webhook)
export class WebhookResolver {
  constructor(private readonly deps: { registry: WebhookRegistry; dispatcher: WebhookDispatcher }) {}

  @Query(() => [Webhook])
  webhooks(@Ctx() ctx: GatewayContext): Promise<WebhookRecord[]> {
    return this.deps.registry.list(requireTenant(ctx, SCOPE).db);
  }

  @Query(() => [WebhookDelivery], { description: "An endpoint's deliveries, newest first (at most 100)." })
  async webhookDeliveries(
    @Ctx() ctx: GatewayContext,
    @Args(() => WebhookDeliveriesArgs) args: WebhookDeliveriesArgs,
  ): Promise<WebhookDeliveryRecord[]> {
    return unwrap(await this.deps.registry.deliveries(requireTenant(ctx, SCOPE).db, args.webhookId, args.first ?? 50));
  }

  @Mutation(() => WebhookCreated, { description: 'Returns the signing secret once.' })
  async createWebhook(@Ctx() ctx: GatewayContext, @Arg('input', () => WebhookInput) input: WebhookInput): Promise<WebhookCreated> {
    return unwrap(await this.deps.registry.create(requireTenant(ctx, SCOPE).db, input));
  }

  @Mutation(() => Boolean, { description: 'Removes the endpoint and its delivery history.' })
  async removeWebhook(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<boolean> {
    return unwrap(await this.deps.registry.remove(requireTenant(ctx, SCOPE).db, id));
  }

  @Mutation(() => Webhook, { description: 'Turns a disabled endpoint back on, its failure count reset; later events reach it again.' })
  async enableWebhook(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<WebhookRecord> {
    return unwrap(await this.deps.registry.enable(requireTenant(ctx, SCOPE).db, id));
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Sends a delivery again as a new delivery (new id, so receivers process it; payload.replayOf names the original).',
  })
  async replayWebhookDelivery(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<WebhookDeliveryRecord> {
    const { db } = requireTenant(ctx, SCOPE);
    const delivery = unwrap(await this.deps.registry.replay(db, id));
    await this.deps.dispatcher.dispatch(db, [delivery.id]);
    return delivery;
  }
}
