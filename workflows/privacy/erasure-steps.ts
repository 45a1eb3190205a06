/**
 * The order a person's rows are erased in, shared by the deletion workflow
 * (which walks it) and its activities (which call erasure.repository.ts). Rows that point
 * at others go first, the leads last; each step is paged, so a person with a
 * million events is erased in short transactions and a restarted worker
 * resumes with the next page. No imports: the workflow bundle includes it.
 */
export const ERASURE_STEPS = [
  // First, while the leads still say who the person is: a waiting message would bring them back.
  'ingestLog',
  'consentChanges',
  'webhookDeliveries',
  'exports',
  'enrichmentCalls',
  'enrichmentJobs',
  'leadFields',
  'segmentMemberships',
  'merges',
  'identityConflicts',
  'events',
  'sessions',
  'identities',
  'leads',
] as const;

export type ErasureStep = (typeof ERASURE_STEPS)[number];

/** The patch that added `ingestLog`: an erasure that began before it walks the steps it began with. */
export const INGEST_LOG_ERASURE_PATCH = 'erasure-ingest-log';

/** Rows a page erases at most; a page that erased fewer was the step's last. */
export const ERASURE_PAGE_SIZE = 5000;
