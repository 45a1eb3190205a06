import { ApplicationFailure } from '@temporalio/activity';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { fetchPeeringDbNetworks, type PeeringDbSettings } from '../../platform/network/peeringdb-client.js';
import type { PeeringDbNetworks } from '../../platform/network/peeringdb-networks.js';

/** Where a sync stands: which records it reads and how far it got; carried from page to page and across runs. */
export interface PeeringDbSyncPosition {
  /** Epoch seconds: only records changed since (deleted ones included); absent for the first, full read. */
  readonly since?: number;
  readonly skip: number;
  /** When the sync began (epoch ms, the workflow's clock): the next sync reads changes from a little before it. */
  readonly startedAtMs: number;
  /** The latest change seen so far (epoch ms). */
  readonly latestMs?: number;
}

export type PeeringDbPageOutcome =
  | { readonly kind: 'page'; readonly received: number; readonly upserted: number; readonly deleted: number; readonly rejected: readonly string[]; readonly latestMs?: number; readonly last: boolean }
  | { readonly kind: 'rate-limited'; readonly retryAfterMs: number };

/** Records a page asks for: with `fields`, a record is a few hundred bytes, a page well under the outbound body limit. */
export const PEERINGDB_PAGE_SIZE = 250;
// Clocks differ and PeeringDB's `since` is whole seconds: the next sync reads again what changed in the last hour, harmlessly.
const SINCE_MARGIN_MS = 60 * 60 * 1000;
// PeeringDB allows a guest 20 requests a minute: without a Retry-After, wait out the minute.
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export function createSyncPeeringDbActivities(deps: {
  networks: PeeringDbNetworks;
  http: GuardedHttpClient;
  /** Undefined where PEERINGDB_URL is not set: no sync runs. */
  settings: PeeringDbSettings | undefined;
  now: () => Date;
}) {
  const settingsOrFail = (): PeeringDbSettings => {
    if (deps.settings === undefined) throw ApplicationFailure.nonRetryable('PeeringDB sync is not configured (PEERINGDB_URL)', 'NotConfigured');
    return deps.settings;
  };

  return {
    /** Where this sync starts: a full read the first time for this source, else the changes since the last one. */
    async startPeeringDbSync(input: { readonly startedAtMs: number }): Promise<PeeringDbSyncPosition> {
      const state = await deps.networks.syncState(settingsOrFail().url);
      if (state === undefined) return { skip: 0, startedAtMs: input.startedAtMs };
      return { since: Math.floor(state.since.getTime() / 1000), skip: 0, startedAtMs: input.startedAtMs };
    },

    /** One page read and stored. A rate limit is handed back, so the workflow waits durably instead of holding a worker. */
    async syncPeeringDbPage(position: PeeringDbSyncPosition): Promise<PeeringDbPageOutcome> {
      const settings = settingsOrFail();
      const query = { skip: position.skip, limit: PEERINGDB_PAGE_SIZE, ...(position.since === undefined ? {} : { since: position.since }) };
      const result = await fetchPeeringDbNetworks(deps.http, settings, query, deps.now().getTime());
      if (!result.ok) {
        const { problem } = result;
        // The client answers only `unavailable`; anything else would be a bug of ours, not PeeringDB's to retry.
        if (problem.kind !== 'unavailable') throw ApplicationFailure.nonRetryable(`PeeringDB page: unexpected ${problem.kind} problem`, `PeeringDb-${problem.kind}`);
        if (problem.cause === 'rate-limited') return { kind: 'rate-limited', retryAfterMs: problem.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS };
        const type = `PeeringDb-${problem.cause ?? problem.kind}`;
        if (!problem.retryable) throw ApplicationFailure.nonRetryable(problem.message, type);
        throw ApplicationFailure.retryable(problem.message, type);
      }
      const page = result.value;
      const stored = await deps.networks.apply(page.networks, deps.now());
      const latest = page.networks.reduce<number | undefined>((max, n) => Math.max(max ?? 0, n.updated.getTime()), undefined);
      return {
        kind: 'page',
        received: page.received,
        ...stored,
        rejected: page.rejected.map((r) => `record ${position.skip + r.index}: ${r.reason}`),
        ...(latest === undefined ? {} : { latestMs: latest }),
        last: page.received < PEERINGDB_PAGE_SIZE,
      };
    },

    /** Remembers where the next sync starts: the earlier of the latest change seen and the sync's start, less a margin. */
    async finishPeeringDbSync(position: PeeringDbSyncPosition): Promise<{ readonly since: string }> {
      const settings = settingsOrFail();
      const previous = await deps.networks.syncState(settings.url);
      const seenMs = position.latestMs ?? (position.since === undefined ? position.startedAtMs : position.since * 1000);
      const since = new Date(Math.min(seenMs, position.startedAtMs - SINCE_MARGIN_MS));
      const fullSyncedAt = position.since === undefined || previous === undefined ? new Date(position.startedAtMs) : previous.fullSyncedAt;
      await deps.networks.saveSyncState(settings.url, { since, fullSyncedAt }, deps.now());
      return { since: since.toISOString() };
    },
  };
}

export type SyncPeeringDbActivities = ReturnType<typeof createSyncPeeringDbActivities>;
