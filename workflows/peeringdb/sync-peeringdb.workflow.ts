import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { PeeringDbSyncPosition, SyncPeeringDbActivities } from './sync-peeringdb.activities.js';

const { startPeeringDbSync, syncPeeringDbPage, finishPeeringDbSync } = proxyActivities<SyncPeeringDbActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

export interface PeeringDbSyncSummary {
  /** A full read (the first for this source) rather than the changes since the last sync. */
  full: boolean;
  pages: number;
  received: number;
  upserted: number;
  deleted: number;
  /** Records skipped as unreadable, with why (the first few). */
  rejected: string[];
  /** Times PeeringDB said to slow down, each waited out. */
  rateLimited: number;
  /** Where the next sync starts, once this one finished. */
  nextSince?: string;
}

export interface PeeringDbSyncInput {
  /** A run going on from the previous one (continue-as-new). */
  readonly resume?: { readonly position: PeeringDbSyncPosition; readonly summary: PeeringDbSyncSummary };
}

// A run's history stays small however many pages there are: after this many activity calls it goes on as a new run.
const CALLS_PER_RUN = 200;
const MAX_REJECTED_LISTED = 20;
// A Retry-After longer than this is PeeringDB's to keep: the wait is capped, and a 429 after it waits again.
const MAX_WAIT_MS = 10 * 60 * 1000;

/**
 * Run by the `peeringdb:sync` schedule where PEERINGDB_URL is set: every
 * network PeeringDB lists, the first time; afterwards what changed since the
 * last sync, deletions included, page by page. A rate limit is waited out
 * here, durably, rather than in a worker's activity slot.
 */
export async function syncPeeringDbWorkflow(input: PeeringDbSyncInput = {}): Promise<PeeringDbSyncSummary> {
  let position = input.resume?.position ?? (await startPeeringDbSync({ startedAtMs: Date.now() }));
  const summary: PeeringDbSyncSummary = input.resume?.summary ?? {
    full: position.since === undefined,
    pages: 0,
    received: 0,
    upserted: 0,
    deleted: 0,
    rejected: [],
    rateLimited: 0,
  };
  for (let call = 0; call < CALLS_PER_RUN; call += 1) {
    const outcome = await syncPeeringDbPage(position);
    if (outcome.kind === 'rate-limited') {
      summary.rateLimited += 1;
      await sleep(Math.min(Math.max(outcome.retryAfterMs, 1000), MAX_WAIT_MS));
      continue;
    }
    summary.pages += 1;
    summary.received += outcome.received;
    summary.upserted += outcome.upserted;
    summary.deleted += outcome.deleted;
    summary.rejected.push(...outcome.rejected.slice(0, MAX_REJECTED_LISTED - summary.rejected.length));
    const latestMs = Math.max(position.latestMs ?? 0, outcome.latestMs ?? 0);
    position = { ...position, skip: position.skip + outcome.received, ...(latestMs > 0 ? { latestMs } : {}) };
    if (outcome.last) {
      const { since } = await finishPeeringDbSync(position);
      return { ...summary, nextSince: since };
    }
  }
  return continueAsNew<typeof syncPeeringDbWorkflow>({ resume: { position, summary } });
}
