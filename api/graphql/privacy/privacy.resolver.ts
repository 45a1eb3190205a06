import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { DeletionRequestRecord, ExportRequestRecord } from '../../../modules/privacy/privacy-requests.js';
import type { PrivacyService } from '../../../modules/privacy/privacy.service.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { DeletionInput, DeletionRequest, ExportRequest } from './privacy.types.js';

const SCOPE = 'privacy';

/** Erasure and export of a person's data in the caller's tenant. */
@Resolver()
export class PrivacyResolver {
  constructor(private readonly service: PrivacyService) {}

  @Query(() => DeletionRequest, { nullable: true, description: "A deletion request of the caller's tenant; null when there is none with this id." })
  async deletionRequest(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<DeletionRequestRecord | null> {
    return (await this.service.deletionRequest(requireTenant(ctx, SCOPE).db, id)) ?? null;
  }

  @Query(() => ExportRequest, { nullable: true, description: "An export of the caller's tenant; null when there is none with this id or it expired." })
  async exportRequest(@Ctx() ctx: GatewayContext, @Arg('id', () => ID) id: string): Promise<ExportRequestRecord | null> {
    return (await this.service.exportRequest(requireTenant(ctx, SCOPE).db, id)) ?? null;
  }

  @Mutation(() => DeletionRequest, {
    description:
      'GDPR / CCPA erasure: a durable workflow erases the person from every table and cache, suppresses their identifiers and sends lead.deleted. An unknown person is a no-op that still records the suppression.',
  })
  async requestDeletion(@Ctx() ctx: GatewayContext, @Arg('input', () => DeletionInput) input: DeletionInput): Promise<DeletionRequestRecord> {
    return unwrap(await this.service.requestDeletion(requireTenant(ctx, SCOPE).db, input));
  }

  @Mutation(() => ExportRequest, { description: 'Everything held about a person as one JSON document, built by a workflow; read it with exportRequest.' })
  async requestExport(@Ctx() ctx: GatewayContext, @Arg('input', () => DeletionInput) input: DeletionInput): Promise<ExportRequestRecord> {
    return unwrap(await this.service.requestExport(requireTenant(ctx, SCOPE).db, input));
  }
}
