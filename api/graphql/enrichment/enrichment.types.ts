import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ProviderInfo, VendorRecord } from '../../enrichment/enrichment.service.js';
import type { EnrichmentSettings as SettingsRecord } from '../../../tenants/enrichment-settings/enrichment-settings.js';
import type { EnrichmentJobRecord, JobTrigger } from '../../../workflows/enrichment/enrichment-jobs.js';

export enum JobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
}
registerEnumType(JobStatus, { name: 'JobStatus' });

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

  @Field(() => String, { nullable: true, description: 'Why the job failed.' })
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

  @Field(() => GraphQLJSON, { description: 'Credits per answer of built-in providers the tenant priced itself, by provider id.' })
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

  @Field(() => GraphQLJSON, { nullable: true, description: 'Merged into the current prices; built-in providers only.' })
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
}

@InputType('EnrichmentVendorInput', { description: 'A vendor by its config.id: created, or replaced when it exists.' })
export class EnrichmentVendorInput {
  @Field(() => GraphQLJSON, { description: 'Endpoint, auth placement, request, mapping, price and limits.' })
  config!: unknown;

  @Field(() => String, { nullable: true, description: 'Required for a new vendor; omitted, an existing vendor keeps its key.' })
  apiKey?: string | null;
}
