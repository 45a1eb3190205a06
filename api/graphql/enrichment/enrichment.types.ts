import { GraphQLJSON } from 'graphql-scalars';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ProviderInfo, VendorRecord } from '../../../modules/enrichment/enrichment.service.js';
import type { LeadRecord } from '../../../modules/leads/lead-records.js';
import { Lead } from '../leads/lead.types.js';
import type { EnrichmentSettings as SettingsRecord } from '../../../modules/enrichment/enrichment-settings.js';
import type { EnrichmentJobRecord, JobTrigger } from '../../../modules/enrichment/enrichment-jobs.js';

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  /** An automatic enrichment the tenant's policy refused: nothing ran, nothing was charged; `error` says why. */
  SKIPPED = 'SKIPPED',
}
registerEnumType(JobStatus, {
  name: 'JobStatus',
  valuesConfig: { SKIPPED: { description: "Refused by the tenant's automatic enrichment policy (enrichment jobs only): nothing ran or was charged; error says why." } },
});

@ObjectType('EnrichmentJob', { description: 'One requested enrichment of a lead; at most one per lead is queued or running.' })
export class EnrichmentJob implements EnrichmentJobRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  leadId!: string;

  @Field(() => JobStatus)
  status!: EnrichmentJobRecord['status'];

  @Field(() => Int, { description: 'Credits spent on provider answers so far; cached answers are free.' })
  creditsCharged!: number;

  @Field(() => String, { nullable: true, description: 'Why the job failed, or why the automatic enrichment policy skipped it.' })
  error!: string | null;

  @Field(() => String, { description: 'request, batch, identified, stale or retry.' })
  trigger!: JobTrigger;

  @Field(() => String, { nullable: true, description: 'Why a queued job waits, e.g. the daily credit limit.' })
  pausedReason!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType('EnrichmentProvider', { description: 'A source the waterfall can ask: built in, or an HTTP vendor the tenant configured.' })
export class EnrichmentProvider implements ProviderInfo {
  @Field(() => ID, { description: 'What the waterfall names: a built-in id, or vendor:<id>.' })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  builtIn!: boolean;

  @Field(() => Int, { description: 'Credits per answer that matched; the tenant price where one is set.' })
  priceCredits!: number;

  @Field(() => Int)
  rateLimitPerMinute!: number;

  @Field(() => Int)
  concurrency!: number;

  @Field(() => Boolean)
  inWaterfall!: boolean;
}

@ObjectType('EnrichmentSettings', { description: "How the tenant's leads are enriched." })
export class EnrichmentSettings implements SettingsRecord {
  @Field(() => [String], { description: 'Provider ids, asked in this order.' })
  waterfall!: string[];

  @Field(() => GraphQLJSON, { description: "Credits per answer of built-in providers the tenant priced above the operator's price, by provider id." })
  prices!: Record<string, number>;

  @Field(() => Float, { description: 'Values under this confidence (0 to 1) are held but shown as unverified.' })
  confidenceThreshold!: number;

  @Field(() => Int, { description: 'Days a value stays fresh before re-enrichment.' })
  stalenessDays!: number;

  @Field(() => Int, { nullable: true, description: 'Credits enrichment may spend a day; null for no limit.' })
  dailyCreditLimit!: number | null;

  @Field(() => Boolean, { description: 'Enrich a lead as soon as it gets an email or a company domain.' })
  autoEnrich!: boolean;

  @Field(() => Int)
  answerCacheHours!: number;

  @Field(() => Int)
  companyCacheDays!: number;

  // Shown through `automatic`, with the day's spend.
  autoBusinessOnly!: boolean;
  autoDailyCreditCap!: number | null;
  autoPerVisitorDaily!: number;
  autoRule!: unknown;
}

@ObjectType('AutomaticEnrichment', {
  description:
    "What automatic enrichment set off by publishable-key calls (ingestion: /v1/*, t.js, pixels) may do, and today's (UTC) use. Secret-key calls, enrichLead and enrichLeads are not bound by it.",
})
export class AutomaticEnrichment {
  @Field(() => Boolean, { description: 'Only addresses at a business domain: no free-mail, disposable or role (sales@, info@) addresses.' })
  businessOnly!: boolean;

  @Field(() => Int, { nullable: true, description: 'Credits automatic enrichment may spend a UTC day (a job holds its most until it finishes); null for no cap.' })
  dailyCreditCap!: number | null;

  @Field(() => Int, { description: 'Automatic enrichments a UTC day per visitor (anonymousId) and per lead.' })
  perVisitorDaily!: number;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'A segment rule a lead must match (scored first: score, tier, email, traits, company facts, events) for automatic enrichment to start, from publishable and secret keys alike; null: no rule. A lead that does not match yet is considered again when its score or segments change.',
  })
  rule!: unknown;

  @Field(() => Int, { description: "Credits today's automatic jobs spent, or hold while they run." })
  creditsToday!: number;

  @Field(() => Int, { description: 'Automatic jobs admitted today.' })
  admittedToday!: number;

  @Field(() => Int, { description: 'Automatic jobs the policy skipped today (SKIPPED jobs, the reason in their error).' })
  skippedToday!: number;
}

@InputType('AutomaticEnrichmentInput', { description: 'Omitted fields keep their value.' })
export class AutomaticEnrichmentInput {
  @Field(() => Boolean, { nullable: true })
  businessOnly?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'An explicit null removes the cap.' })
  dailyCreditCap?: number | null;

  @Field(() => Int, { nullable: true })
  perVisitorDaily?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'A segment rule (see Segment.rule); an explicit null removes it.' })
  rule?: unknown;
}

@ObjectType('EnrichmentNow', { description: 'What enrichLeadNow knows when its job finished or its wait ran out; the job goes on durably either way.' })
export class EnrichmentNow {
  @Field(() => EnrichmentJob, { description: 'The job as it is now: RUNNING or QUEUED when the wait ran out first.' })
  job!: EnrichmentJobRecord;

  @Field(() => Lead, { description: 'The lead as it is now: its enrichment, company and score.' })
  lead!: LeadRecord;

  @Field(() => Boolean, { description: 'The job finished (COMPLETED or FAILED) within the wait.' })
  done!: boolean;
}

@ObjectType('EnrichmentVendor', { description: 'An HTTP vendor the tenant configured; its API key is held sealed and never shown.' })
export class EnrichmentVendor implements VendorRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'vendor:<id>, as the waterfall names it.' })
  providerId!: string;

  @Field(() => GraphQLJSON)
  config!: Record<string, unknown>;

  @Field(() => Boolean)
  keyConfigured!: boolean;

  @Field(() => Date)
  updatedAt!: Date;
}

@InputType('EnrichmentSettingsInput', { description: 'Omitted fields keep their value.' })
export class EnrichmentSettingsInput {
  @Field(() => [String], { nullable: true, description: 'Replaces the whole order.' })
  waterfall?: string[] | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "Merged into the current prices; built-in providers only, at or above the operator's price (a tenant can raise a price, not lower it).",
  })
  prices?: unknown;

  @Field(() => Float, { nullable: true })
  confidenceThreshold?: number | null;

  @Field(() => Int, { nullable: true })
  stalenessDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'An explicit null removes the limit.' })
  dailyCreditLimit?: number | null;

  @Field(() => Boolean, { nullable: true })
  autoEnrich?: boolean | null;

  @Field(() => Int, { nullable: true })
  answerCacheHours?: number | null;

  @Field(() => Int, { nullable: true })
  companyCacheDays?: number | null;

  @Field(() => AutomaticEnrichmentInput, { nullable: true, description: 'The policy of automatic enrichment from publishable-key calls.' })
  automatic?: AutomaticEnrichmentInput | null;
}

@InputType('EnrichmentVendorInput', { description: 'A vendor by its config.id: created, or replaced when it exists.' })
export class EnrichmentVendorInput {
  @Field(() => GraphQLJSON, { description: 'Endpoint, auth placement, request, mapping, price and limits.' })
  config!: unknown;

  @Field(() => String, { nullable: true, description: 'Required for a new vendor; omitted, an existing vendor keeps its key.' })
  apiKey?: string | null;
}

// Argument classes keep the SDL's argument order as declared (parameter decorators run in reverse).
@ArgsType()
export class EnrichLeadNowArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true, defaultValue: 2000, description: 'How long to wait for the job, 0 to 5000 milliseconds.' })
  waitMs?: number | null;
}

@ArgsType()
export class SetEnrichedFieldArgs {
  @Field(() => ID)
  leadId!: string;

  @Field(() => String, { description: 'A dotted field name, e.g. company.name or traits.title.' })
  field!: string;

  @Field(() => GraphQLJSON, { description: 'The value; not null (at most 4 KB of JSON).' })
  value!: unknown;

  @Field(() => String, { nullable: true, description: 'Why, for whoever reviews it later (at most 1,000 characters).' })
  note?: string | null;
}
