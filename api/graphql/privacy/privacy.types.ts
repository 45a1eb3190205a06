import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { DeletionReceipt as DeletionReceiptRecord, ErasedRows as ErasedRowsRecord } from '../../../modules/privacy/deletion-receipt.js';
import type { DeletionRequestRecord, ErasedCounts, ExportRequestRecord } from '../../../modules/privacy/privacy-requests.js';
import type { PersonInput } from '../../../modules/privacy/person-input.js';
import { JobStatus } from '../enrichment/enrichment.types.js';

@InputType('DeletionInput', { description: 'The person a deletion or export is about: exactly one of the two.' })
export class DeletionInput implements PersonInput {
  @Field(() => String, { nullable: true, description: 'Every live lead with this email (any case), and the leads merged into them.' })
  email?: string | null;

  @Field(() => ID, { nullable: true, description: 'The lead, or the lead it was merged into, and the leads merged into that.' })
  leadId?: string | null;
}

@ObjectType('ErasedRows', { description: 'Rows an erasure deleted from one table.' })
export class ErasedRows implements ErasedRowsRecord {
  @Field(() => String)
  table!: string;

  @Field(() => Int)
  rows!: number;
}

@ObjectType('DeletionReceipt', { description: 'What a completed erasure erased where, and when: counts and table names, nothing about the person.' })
export class DeletionReceipt implements DeletionReceiptRecord {
  @Field(() => Date, { nullable: true, description: 'When the workflow took the request up; null for requests completed before receipts were kept.' })
  startedAt!: Date | null;

  @Field(() => Date)
  completedAt!: Date;

  @Field(() => [ErasedRows], { description: 'Every table the erasure reaches, in its order, with the rows deleted there (0 included).' })
  tables!: ErasedRows[];

  @Field(() => Int, { description: "Answers cached in Redis about the person's email or name, found and purged." })
  cacheEntriesPurged!: number;

  @Field(() => Int, { description: 'Keyed hashes of the identifiers recorded, so later events about the person are dropped.' })
  suppressionsRecorded!: number;

  @Field(() => Int, { description: "Running workflows about the person's leads (enrichment) terminated, so none writes back." })
  workflowsTerminated!: number;

  @Field(() => Int, { description: 'Export documents about the person deleted (not hidden).' })
  exportDocumentsDeleted!: number;

  @Field(() => Int, { description: 'lead.deleted deliveries recorded for subscribed webhooks: one per webhook and erased lead.' })
  webhooksTold!: number;
}

@ObjectType('DeletionRequest', { description: 'An erasure and its audit entry: status, times and counts, never who it was about.' })
export class DeletionRequest implements DeletionRequestRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => JobStatus)
  status!: DeletionRequestRecord['status'];

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the workflow took the request up.' })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => DeletionReceipt, { nullable: true, description: 'Once COMPLETED: what was erased where, and when.' })
  receipt!: DeletionReceipt | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Rows erased per kind (events, sessions, leads…), suppressions recorded and cache entries cleared: counts only.',
  })
  erased!: ErasedCounts | null;

  @Field(() => String, { nullable: true, description: 'Why the request failed.' })
  error!: string | null;
}

@ObjectType('ExportRequest', { description: 'Everything held about a person as one JSON document, kept for 7 days.' })
export class ExportRequest implements ExportRequestRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => JobStatus)
  status!: ExportRequestRecord['status'];

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => Date, { description: 'After this the export is no longer served, and it is purged.' })
  expiresAt!: Date;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description:
      'When COMPLETED: leads (with traits, score and scoreBreakdown), identities, sessions, events, enrichment (fields with provenance), enrichmentCalls, segmentMemberships, consentChanges, merges.',
  })
  document!: unknown;
}
