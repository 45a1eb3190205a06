import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { ScoringService } from '../../../modules/scoring/scoring.service.js';
import type { ScoringModelVersion } from '../../../modules/scoring/scoring-models.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { ScoringModel, ScoringModelInput } from './scoring.types.js';

const view = (version: ScoringModelVersion): ScoringModel => ({ version: version.version, rules: version.model.rules, createdAt: version.createdAt });

@Resolver(() => ScoringModel)
export class ScoringResolver {
  constructor(private readonly scoring: ScoringService) {}

  @Query(() => ScoringModel, { description: "The model in force: the tenant's newest, or the default." })
  async scoringModel(@Ctx() ctx: GatewayContext): Promise<ScoringModel> {
    return view(await this.scoring.model(requireTenant(ctx, 'leads:read').db));
  }

  @Mutation(() => ScoringModel, {
    description: 'A new version of the model; every lead is rescored by a workflow, in batches, while the API keeps answering. An invalid model is BAD_USER_INPUT with the path, and the old one stays.',
  })
  async updateScoringModel(@Ctx() ctx: GatewayContext, @Arg('input', () => ScoringModelInput) input: ScoringModelInput): Promise<ScoringModel> {
    return view(unwrap(await this.scoring.update(requireTenant(ctx, 'scoring:write').db, { rules: input.rules })));
  }
}
