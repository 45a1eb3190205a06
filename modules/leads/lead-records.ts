/** Leads and what hangs off them, as the reads return them: plain records, no ORM, no GraphQL. */
export interface LeadRecord {
  readonly id: string;
  readonly email: string | null;
  readonly userId: string | null;
  readonly traits: Record<string, unknown>;
  readonly score: number;
  /** Every rule's contribution to the score, as the scoring model gave it. */
  readonly scoreBreakdown: ReadonlyArray<{ readonly rule: string; readonly points: number }>;
  readonly companyId: string | null;
  /**
   * Why the lead has its company (`leads.company_link` as stored, see intelligence/companies/company-link.ts);
   * about another company when ingestion moved the lead since (a `group` call): readers compare its domain.
   */
  readonly companyLink?: unknown;
  readonly needsManualEnrichment: boolean;
  readonly lastEnrichedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface SessionRecord {
  readonly id: string;
  readonly leadId: string;
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly pageViews: number;
  readonly ip: string | null;
  readonly companyId: string | null;
  readonly properties: Record<string, string>;
}

export interface EventRecord {
  readonly id: string;
  readonly leadId: string;
  readonly name: string;
  readonly at: Date;
  readonly properties: Record<string, unknown>;
}

export interface CompanyRecord {
  readonly id: string;
  readonly domain: string | null;
  readonly name: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  readonly techStack: string[];
  readonly mailProvider: string | null;
  readonly dmarcPolicy: string | null;
  readonly saas: string[];
  /** Every fact with its provenance, by field (`companies.facts`). */
  readonly facts: unknown;
}

export const LEAD_COLUMNS = `id, email, user_id as "userId", traits, score, score_breakdown as "scoreBreakdown", company_id as "companyId",
  company_link as "companyLink", needs_manual_enrichment as "needsManualEnrichment", last_enriched_at as "lastEnrichedAt",
  created_at as "createdAt", updated_at as "updatedAt"`;

export const SESSION_COLUMNS = `id, lead_id as "leadId", started_at as "startedAt", last_activity_at as "endedAt",
  page_views as "pageViews", ip, company_id as "companyId", properties`;

export const EVENT_COLUMNS = `id::text as id, lead_id as "leadId", name, at, properties`;

export const COMPANY_COLUMNS = `id, domain, name, industry, employees, revenue, country, tech_stack as "techStack",
  mail_provider as "mailProvider", dmarc_policy as "dmarcPolicy", saas, facts`;
