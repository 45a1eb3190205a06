import { Arg, Ctx, Extensions, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { companyFactList } from '../../../intelligence/companies/company-facts.js';
import { fieldCost, LOOKUP_COST } from '../limits/field-cost.js';
import type { CompanyRecord } from '../../../modules/leads/lead-records.js';
import type { LeadService } from '../../../modules/leads/lead.service.js';
import { unwrap } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { CompanyInput, ImportResult } from './company-import.types.js';
import { Company, CompanyFact } from './lead.types.js';

/** A fact's value when it is a non-empty string (a logo URL, a description), else null. */
function textFact(company: CompanyRecord, field: string): string | null {
  const value = companyFactList(company.facts).find((fact) => fact.field === field)?.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

@Resolver(() => Company)
export class CompanyResolver {
  constructor(private readonly leads: LeadService) {}

  @Query(() => Company, { nullable: true, description: "A company of the caller's tenant, by domain (case-insensitive)." })
  @Extensions(fieldCost(LOOKUP_COST)) // a case-insensitive search by domain
  async company(@Ctx() ctx: GatewayContext, @Arg('domain', () => String) domain: string): Promise<CompanyRecord | null> {
    return (await this.leads.company(requireTenant(ctx, 'leads:read').db, domain)) ?? null;
  }

  @FieldResolver(() => [CompanyFact], { description: 'Every fact known about the company, each with its source, confidence and when it was fetched.' })
  facts(@Root() company: CompanyRecord): CompanyFact[] {
    return companyFactList(company.facts).map((fact) => ({ ...fact, fetchedAt: new Date(fact.fetchedAt) }));
  }

  @FieldResolver(() => String, { nullable: true, description: 'Its homepage URL, as enrichment last read it.' })
  website(@Root() company: CompanyRecord): string | null {
    return textFact(company, 'company.website');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Its logo URL, as its homepage declares it.' })
  logo(@Root() company: CompanyRecord): string | null {
    return textFact(company, 'company.logo');
  }

  @FieldResolver(() => String, { nullable: true, description: 'What it says it does, from its homepage.' })
  description(@Root() company: CompanyRecord): string | null {
    return textFact(company, 'company.description');
  }

  @FieldResolver(() => String, { nullable: true, description: "Its homepage's language (BCP 47, e.g. en, de-CH)." })
  language(@Root() company: CompanyRecord): string | null {
    return textFact(company, 'company.language');
  }

  @Mutation(() => ImportResult, { description: "Imports the tenant's own firmographics, all rows or none (at most 1,000 a call)." })
  async importCompanies(
    @Ctx() ctx: GatewayContext,
    @Arg('companies', () => [CompanyInput]) companies: CompanyInput[],
  ): Promise<ImportResult> {
    return unwrap(await this.leads.importCompanies(requireTenant(ctx, 'leads:write').db, companies));
  }
}
