import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { CompanyRecord, EventRecord, LeadRecord, SessionRecord } from '../../../modules/leads/lead-records.js';

export enum LeadTier {
  HOT = 'HOT',
  WARM = 'WARM',
  QUALIFIED = 'QUALIFIED',
  COLD = 'COLD',
}
registerEnumType(LeadTier, { name: 'LeadTier', description: 'HOT 80-100, WARM 60-79, QUALIFIED 40-59, COLD 0-39.' });

@ObjectType('Company', { description: "A tenant's record of an organisation, keyed by domain." })
export class Company implements CompanyRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  domain!: string | null;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  industry!: string | null;

  @Field(() => Int, { nullable: true })
  employees!: number | null;

  @Field(() => Float, { nullable: true })
  revenue!: number | null;

  @Field(() => String, { nullable: true })
  country!: string | null;

  @Field(() => [String], { description: 'Technologies in use: seen on its homepage, or from the tenant\'s import.' })
  techStack!: string[];

  @Field(() => String, { nullable: true, description: 'Who holds its mail, from its MX records (e.g. "Google Workspace", "Microsoft 365").' })
  mailProvider!: string | null;

  @Field(() => String, { nullable: true, description: 'Its DMARC policy: none, quarantine or reject (null: no DMARC record).' })
  dmarcPolicy!: string | null;

  @Field(() => [String], { description: 'SaaS its DNS names (SPF includes, verification records), e.g. "Salesforce".' })
  saas!: string[];

  // `facts` and the fields read from them are resolved in company.resolver.ts.
  facts!: unknown;
}

@ObjectType('CompanyFact', { description: 'One fact about a company with where it came from: the surest source of each field wins.' })
export class CompanyFact {
  @Field(() => String, { description: 'Dotted path, e.g. company.mailProvider, company.logo, company.socialLinks.linkedin.' })
  field!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  value!: unknown;

  @Field(() => String, { description: 'The provider id (dns-records, company-homepage, ...), import, group or network.' })
  source!: string;

  @Field(() => Float)
  confidence!: number;

  @Field(() => Date)
  fetchedAt!: Date;
}

@ObjectType('CompanyLinkEvidence', { description: 'Evidence of a lead\'s company that is not the strongest for the linked one.' })
export class CompanyLinkEvidence {
  @Field(() => String)
  domain!: string;

  @Field(() => String, { description: 'group, dataset, email, network, vendor or enrichment.' })
  source!: string;

  @Field(() => Float)
  confidence!: number;

  @Field(() => String)
  detail!: string;
}

@ObjectType('CompanyLink', { description: 'Why a lead belongs to its company: the evidence, its confidence, and what it beat.' })
export class CompanyLinkView {
  @Field(() => String)
  domain!: string;

  @Field(() => String, { description: 'The strongest evidence: group, dataset, email, network, vendor or enrichment.' })
  source!: string;

  @Field(() => Float, { description: 'All the evidence for this company combined, 0 to 1.' })
  confidence!: number;

  @Field(() => Float, { description: 'The confidence of the strongest evidence alone.' })
  sourceConfidence!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => [CompanyLinkEvidence], { description: 'Corroborating evidence, then other companies the evidence pointed at, surest first.' })
  alternatives!: CompanyLinkEvidence[];
}

@ObjectType('Device', { description: "What the visit's user agent names (ua-parser-js 1.x, isbot)." })
export class Device {
  @Field(() => String, { nullable: true, description: 'Name and major version, e.g. "Chrome 131".' })
  browser!: string | null;

  @Field(() => String, { nullable: true, description: 'Name and version, e.g. "iOS 17.5".' })
  os!: string | null;

  @Field(() => String, { nullable: true, description: 'desktop, mobile, tablet, tv, console, wearable, embedded or bot.' })
  type!: string | null;
}

@ObjectType('VisitLocation', { description: "Where the visit's address is (DB-IP City Lite, CC BY 4.0): country-level is usually right, the city less often." })
export class VisitLocation {
  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2.' })
  country!: string | null;

  @Field(() => String, { nullable: true, description: 'State, province or other first-level subdivision.' })
  region!: string | null;

  @Field(() => String, { nullable: true })
  city!: string | null;
}

@ObjectType('VisitNetwork', { description: "The network the visit's address is on (public ASN ranges): hosting and ISP networks are never a visiting company." })
export class VisitNetwork {
  @Field(() => Int)
  asn!: number;

  @Field(() => String)
  organization!: string;

  @Field(() => String, { description: 'business, isp or hosting, as lookupIp reads it; the ip-network enrichment provider weighs reverse DNS, the registry and PeeringDB too.' })
  kind!: string;
}

@ObjectType('Session', { description: 'A visit: a new one starts after 30 idle minutes or on a new campaign.' })
export class Session implements SessionRecord {
  @Field(() => ID)
  id!: string;

  leadId!: string;

  @Field(() => Date)
  startedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'The last activity of the session.' })
  endedAt!: Date;

  @Field(() => Int)
  pageViews!: number;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  companyId!: string | null;

  @Field(() => GraphQLJSON, {
    description: 'What the visit kept from its events: landing page, referrer and UTM campaign from the first, the last page seen.',
  })
  properties!: Record<string, string>;
}

@ObjectType('Event')
export class LeadEvent implements EventRecord {
  @Field(() => ID)
  id!: string;

  leadId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => GraphQLJSON, { nullable: true })
  properties!: Record<string, unknown>;
}

@ObjectType('ScoreContribution', { description: 'One rule of the scoring model and the points it gave.' })
export class ScoreContribution {
  @Field(() => String)
  rule!: string;

  @Field(() => Int)
  points!: number;
}

@ObjectType('EnrichedField', { description: 'A value an enrichment source supplied, with its provenance and confidence.' })
export class EnrichedField {
  @Field(() => String)
  field!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  value!: unknown;

  @Field(() => Float)
  confidence!: number;

  @Field(() => String)
  source!: string;

  @Field(() => Date)
  fetchedAt!: Date;

  @Field(() => Boolean, { description: 'The source confirmed the value rather than inferred it.' })
  verified!: boolean;

  @Field(() => Boolean, { description: "The tenant's own data gave the value (an import, identify traits)." })
  supplied!: boolean;

  @Field(() => Boolean, { description: "Confidence under the tenant's threshold: held, but not to be relied on." })
  unverified!: boolean;

  @Field(() => Date, { description: 'From this moment the value is stale and due for re-enrichment.' })
  expiresAt!: Date;

  @Field(() => Boolean)
  stale!: boolean;

  @Field(() => GraphQLJSON, { description: 'Different values this one beat, most recent first: { value, confidence, source, fetchedAt }.' })
  conflicts!: unknown[];
}

@ObjectType('Lead', {
  description: 'Every visitor is a lead from its first event; identify() stitches anonymous ids to a person.',
})
export class Lead implements LeadRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  userId!: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  traits!: Record<string, unknown>;

  @Field(() => Int)
  score!: number;

  scoreBreakdown!: ReadonlyArray<{ readonly rule: string; readonly points: number }>;

  companyId!: string | null;

  /** As stored; `Lead.companyLink` (a field resolver) shows it while it is about the lead's company. */
  companyLink?: unknown;

  @Field(() => Boolean)
  needsManualEnrichment!: boolean;

  @Field(() => Date, { nullable: true })
  lastEnrichedAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType('LeadEdge')
export class LeadEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Lead)
  node!: LeadRecord;
}

@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType('LeadConnection')
export class LeadConnection {
  @Field(() => [LeadEdge])
  edges!: LeadEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Leads matching the filter, across all pages.' })
  totalCount!: number;
}

@ObjectType('TrackResult')
export class TrackResult {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int, { description: 'Events whose messageId was already stored; they are not stored again.' })
  duplicates!: number;

  @Field(() => Int, { description: 'Events about erased people: dropped and counted, never stored.' })
  suppressed!: number;

  @Field(() => Int, {
    description: 'Events only a userId placed, where the tenant requires consent and they carried none: not stored (send an anonymousId to keep them anonymously).',
  })
  unconsented!: number;
}
