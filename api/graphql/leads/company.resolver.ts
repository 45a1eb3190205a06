import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { CompanyRecord } from '../../leads/lead-records.js';
import type { LeadService } from '../../leads/lead.service.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { CompanyInput, ImportResult } from './company-import.types.js';
import { Company } from './lead.types.js';

@Resolver(() => Company)
export class CompanyResolver {
  constructor(private readonly leads: LeadService) {}

  @Query(() => Company, { nullable: true, description: "A company of the caller's tenant, by domain (case-insensitive)." })
  async company(@Ctx() ctx: GatewayContext, @Arg('domain', () => String) domain: string): Promise<CompanyRecord | null> {
    return (await this.leads.company(requireTenant(ctx, 'leads:read'), domain)) ?? null;
  }

  @Mutation(() => ImportResult, { description: "Imports the tenant's own firmographics, all rows or none (at most 1,000 a call)." })
  async importCompanies(
    @Ctx() ctx: GatewayContext,
    @Arg('companies', () => [CompanyInput]) companies: CompanyInput[],
  ): Promise<ImportResult> {
    return unwrap(await this.leads.importCompanies(requireTenant(ctx, 'leads:write'), companies));
  }
}
