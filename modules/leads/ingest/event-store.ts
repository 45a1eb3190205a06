/**
 * Ingestion's front half: messages are screened (crawlers, erased people,
 * consent) and appended to the tenant's log, and the request is answered once
 * that append has committed. Everything the messages do to the model
 * (stitching, sessions, companies, leads, scores, segments, webhooks,
 * enrichment) happens behind, in the log processor, exactly once.
 */
import { createGroupCommitter } from '../../../platform/batching/group-commit.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { countDroppedEvents } from '../../../tenants/usage/dropped-events.js';
import type { SuppressionList } from '../../privacy/suppression-list.js';
import type { BacklogGate } from './backlog-gate.js';
import type { IngestLog } from './ingest-log.js';
import { BULK_LANE, logAppendOf, URGENT_LANE, type Lane, type LogAppend, type WriteSource } from './log-entry.js';
import type { ProcessedPositions } from './processed-positions.js';
import type { IngestMessage } from './segment-message.js';
import { screenBots } from './bot-screen.js';
import { screenMessages } from './privacy-screen.js';

export type { WriteSource } from './log-entry.js';

/** The tenant a write goes to: its handle, bound from a resolved key or pixel host. */
export type IngestTenant = TenantDb;

/** Where a request's messages stand in the log: processed once the lane's cursor reaches `position`. */
export interface LogPosition {
  readonly lane: Lane;
  readonly position: number;
}

export interface WriteResult {
  /** Messages appended now: they will be processed. */
  readonly accepted: number;
  /** Messages whose messageId the tenant accepted before (ever): not appended again. */
  readonly duplicates: number;
  /** Messages about erased people: counted per day, never stored. */
  readonly suppressed: number;
  /** Messages only a userId or email placed, where the tenant requires consent and they carried none: not stored. */
  readonly unconsented: number;
  /** Anonymous messages of crawlers (user agent, or a crawler's published range): never stored. */
  readonly bots: number;
  /** Wait for this (EventStore.processed) to read what the messages did; undefined when nothing was appended or repeated. */
  readonly position: LogPosition | undefined;
}

/** A lead a message just gave an email or a company, and the visitor (anonymous id) the message came from. */
export interface IdentifiedLead {
  readonly leadId: string;
  readonly anonymousId: string | undefined;
}

export interface EventStore {
  /**
   * Appends the messages all together or not at all; resolves once the
   * append is committed (durable), before they are processed. Rejects, having
   * written nothing, with QueueFullError when the process's append queue is
   * full and with BacklogFullError when the tenant's (or every tenant's)
   * unprocessed backlog is past its bound.
   */
  write(tenant: IngestTenant, messages: readonly IngestMessage[], opts?: { ip?: string | null; source?: WriteSource }): Promise<WriteResult>;
  /** Resolves true once the log is processed up to `position` (read-your-writes), false when `timeoutMs` passes first. */
  processed(tenant: IngestTenant, position: LogPosition, timeoutMs: number): Promise<boolean>;
  /** Resolves once every write handed in has been answered: the database may close after it. */
  drain(): Promise<void>;
}

export interface EventStoreOptions {
  readonly log: IngestLog;
  /** Whether the tenant identifies only visitors who consented (settings.require_consent). */
  readonly requireConsentOf: (tenantId: string) => Promise<boolean>;
  /** Hashed identifiers of erased people, whose events are dropped. */
  readonly suppressions: SuppressionList;
  readonly backlog: BacklogGate;
  readonly positions: ProcessedPositions;
  /** Told after an append committed messages: the processors wake for the lane. */
  readonly onAppended?: (tenant: IngestTenant, lane: Lane) => void;
  /** Messages per append statement at most (a single larger request still goes alone). */
  readonly maxGroupEvents?: number;
  /** Messages waiting or being appended per tenant at most; more is refused (QueueFullError). */
  readonly maxPendingEventsPerTenant?: number;
  /** Messages waiting or being appended over all tenants at most. */
  readonly maxPendingEventsTotal?: number;
}

/** One request's log entries, with the tenant and lane they are appended to. */
interface AppendRequest {
  readonly tenant: TenantDb;
  readonly lane: Lane;
  readonly entries: readonly LogAppend[];
}

interface AppendResult {
  readonly accepted: number;
  readonly duplicates: number;
  readonly head: number;
}

const RETRYABLE = new Set(['40P01', '40001']);
const isRetryable = (error: unknown) => typeof error === 'object' && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));

/**
 * Concurrent requests of one tenant and lane share one append statement
 * (group commit); each is answered after it commits. Within a group a
 * messageId repeated by a later request is that request's duplicate.
 */
export function createEventStore(deps: EventStoreOptions): EventStore {
  const appendGroup = async (requests: readonly AppendRequest[]): Promise<AppendResult[]> => {
    const first = requests[0];
    if (first === undefined) return [];
    const seen = new Set<string>();
    const owned = requests.map(({ entries }) =>
      entries.filter((entry) => {
        if (seen.has(entry.messageId)) return false;
        seen.add(entry.messageId);
        return true;
      }),
    );
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { positions, head } = await deps.log.append(first.tenant, first.lane, owned.flat());
        return requests.map(({ entries }, i) => {
          const accepted = (owned[i] ?? []).filter((entry) => positions.has(entry.messageId)).length;
          return { accepted, duplicates: entries.length - accepted, head };
        });
      } catch (error) {
        // Two gateways appending overlapping messageIds in different orders: nothing of either was committed.
        if (attempt >= 3 || !isRetryable(error)) throw error;
      }
    }
  };
  const committer = createGroupCommitter<AppendRequest, AppendResult>({
    commit: (_key, requests) => appendGroup(requests),
    sizeOf: (request) => request.entries.length,
    maxGroupSize: deps.maxGroupEvents ?? 5000,
    // Two in flight: one parses and dedupes its group while the other holds the lane's head to number and commit.
    concurrency: 2,
    ...(deps.maxPendingEventsPerTenant === undefined ? {} : { maxPendingPerKey: deps.maxPendingEventsPerTenant }),
    ...(deps.maxPendingEventsTotal === undefined ? {} : { maxPendingTotal: deps.maxPendingEventsTotal }),
  });

  const write: EventStore['write'] = async (tenant, messages, opts = {}) => {
    const none = { accepted: 0, duplicates: 0, suppressed: 0, unconsented: 0, bots: 0, position: undefined };
    if (messages.length === 0) return none;
    // One message is a browser's, a pixel's or an SDK's single call, made as the visitor acts; batches are bulk.
    const lane = messages.length === 1 ? URGENT_LANE : BULK_LANE;
    deps.backlog.admit(tenant.tenantId, lane);
    const [requireConsent, suppressed] = await Promise.all([deps.requireConsentOf(tenant.tenantId), deps.suppressions.hashesOf(tenant)]);
    const ip = opts.ip ?? null;
    // Crawlers' messages never make or score a lead, so none of them reaches the log.
    const people = screenBots(messages, ip);
    // Before anything is written: a suppressed person's event is never stored, not even for a moment.
    const screened = screenMessages(people.kept, { suppressed, requireConsent });
    const entries = screened.kept.map((message) => logAppendOf(message, opts.source ?? 'public', ip));
    const appended: AppendResult | undefined = entries.length === 0 ? undefined : await committer.submit(`${tenant.schema}:${lane}`, { tenant, lane, entries }, { urgent: lane === URGENT_LANE });
    // Counted once the rest is committed, so a request that failed and is sent again is not counted twice.
    await Promise.all([countDroppedEvents(tenant, 'suppressed', screened.suppressed), countDroppedEvents(tenant, 'bot', people.bots)]);
    if (appended !== undefined && appended.accepted > 0) deps.onAppended?.(tenant, lane);
    return {
      accepted: appended?.accepted ?? 0,
      duplicates: appended?.duplicates ?? 0,
      suppressed: screened.suppressed,
      unconsented: screened.unconsented,
      bots: people.bots,
      position: appended === undefined ? undefined : { lane, position: appended.head },
    };
  };
  // Writes still reading the tenant's settings or counting suppressions are not in the committer yet.
  const writing = new Set<Promise<unknown>>();

  return {
    write(tenant, messages, opts) {
      const written = write(tenant, messages, opts);
      writing.add(written);
      written.then(
        () => writing.delete(written),
        () => writing.delete(written),
      );
      return written;
    },
    processed: (tenant, position, timeoutMs) => deps.positions.reached(tenant, position.lane, position.position, timeoutMs),
    async drain() {
      await Promise.allSettled([...writing]);
      await committer.drain();
    },
  };
}
