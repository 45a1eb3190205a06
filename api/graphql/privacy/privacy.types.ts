import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
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

@ObjectType('DeletionRequest', { description: 'An erasure and its audit entry: status, times and counts, never who it was about.' })
export class DeletionRequest implements DeletionRequestRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => JobStatus)
  status!: DeletionRequestRecord['status'];

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

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
