import type { IpStorage } from '../../../intelligence/ip/mask-ip.js';
import { createGroupCommitter } from '../../../platform/batching/group-commit.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { countDroppedEvents } from '../../../tenants/usage/dropped-events.js';
import { recordConsentEvents } from '../../privacy/consent-changes.js';
import type { SuppressionList } from '../../privacy/suppression-list.js';
import type { NetworkCompanies } from '../../companies/network-company-lookup.js';
import type { IngestMessage } from './segment-message.js';
import { writeRun, type MessageOutcome } from './batch-writer.js';
import { identityKeys } from './identity-locks.js';
import { resolveLead } from './identity-resolver.js';
import { identityLockStatement } from './ingest.repository.js';
import { prepareMessage, type PreparedMessage } from './prepared-message.js';
import { screenBots } from './bot-screen.js';
import { screenMessages } from './privacy-screen.js';

/** The tenant a write goes to: its handle, bound from a resolved key or pixel host. */
export type IngestTenant = TenantDb;

interface Committed {
  readonly accepted: number;
  readonly duplicates: number;
  /** The lead of each stored or duplicate message, in order (the existing event's lead for a duplicate). */
  readonly leadIds: readonly string[];
}

export interface WriteResult extends Committed {
  /** Messages about erased people: counted per day, never stored, and they have no lead. */
  readonly suppressed: number;
  /** Messages only a userId or email placed, where the tenant requires consent and they carried none: not stored. */
  readonly unconsented: number;
  /** Anonymous messages of crawlers (user agent, or a crawler's published range): never stored, no lead. */
  readonly bots: number;
}

/**
 * Who sent the messages: `public` a publishable key's caller (a browser, a
 * pixel, an SDK: anyone holding the page's key), `tenant` the tenant's own
 * back end with a secret key. Automatic enrichment follows the tenant's
 * policy for the first, the tenant's word for the second.
 */
export type WriteSource = 'public' | 'tenant';

/** A lead a message just gave an email or a company, and the visitor (anonymous id) the message came from. */
export interface IdentifiedLead {
  readonly leadId: string;
  readonly anonymousId: string | undefined;
}

export interface EventStore {
  /**
   * Writes the messages all together or not at all; resolves once they are
   * committed. Rejects with QueueFullError, having written nothing, when the
   * tenant's share of the write queue (or the whole queue) is full.
   */
  write(tenant: IngestTenant, messages: readonly IngestMessage[], opts?: { ip?: string | null; source?: WriteSource }): Promise<WriteResult>;
  /** Resolves once every write handed in has been answered: the database may close after it. */
  drain(): Promise<void>;
}

export interface EventStoreOptions {
  readonly ipStorageOf: (tenantId: string) => Promise<IpStorage>;
  /** Whether the tenant identifies only visitors who consented (settings.require_consent). */
  readonly requireConsentOf: (tenantId: string) => Promise<boolean>;
  /** Hashed identifiers of erased people, whose events are dropped. */
  readonly suppressions: SuppressionList;
  readonly networkCompanies: NetworkCompanies;
  /** Events per group transaction at most (a single larger request still goes alone). */
  readonly maxGroupEvents?: number;
  /**
   * Events per group transaction at most while the tenant has had a visitor's
   * own call within the last second, and in a group that carries one: the
   * visitor waits for the group in flight and then its own (GroupCommitOptions).
   */
  readonly maxGroupEventsWhileUrgent?: number;
  readonly maxUrgentGroupEvents?: number;
  /** Group transactions in flight per tenant. */
  readonly commitConcurrency?: number;
  /** Events waiting or being written per tenant at most; more is refused (QueueFullError). */
  readonly maxPendingEventsPerTenant?: number;
  /** Events waiting or being written over all tenants at most. */
  readonly maxPendingEventsTotal?: number;
  /**
   * Told after a commit about the leads of messages that carried an email or
   * a company (identify, group): enrichment starts from there. A listener's
   * failure is its own; the write has succeeded.
   */
  readonly onIdentified?: (tenant: IngestTenant, leads: readonly IdentifiedLead[], opts: { readonly source: WriteSource }) => void;
  /**
   * Told after every commit about the leads written (scores and segments
   * follow from there); `urgent` when the write was a visitor's own call.
   */
  readonly onCommitted?: (tenant: IngestTenant, leadIds: readonly string[], opts: { urgent: boolean }) => void;
}

/**
 * Messages in order: set-based runs, and between them the rare message whose
 * identity needs a merge or a conflict record, resolved row by row; its lead
 * then opens the next run.
 */
async function writeMessages(tx: TenantDb, items: readonly PreparedMessage[], networkCompanies: NetworkCompanies): Promise<MessageOutcome[]> {
  const outcomes: MessageOutcome[] = [];
  let firstLeadId: string | undefined;
  while (outcomes.length < items.length) {
    const run = await writeRun(tx, items.slice(outcomes.length), { networkCompanies, firstLeadId });
    outcomes.push(...run.outcomes);
    const next = items[outcomes.length];
    firstLeadId = next === undefined ? undefined : await resolveLead(tx, next.message);
  }
  return outcomes;
}

/** One request's prepared messages, with the tenant they are written to. */
interface GroupRequest {
  readonly tenant: TenantDb;
  readonly prepared: readonly PreparedMessage[];
}

const RETRYABLE = new Set(['40P01', '40001']);
const isRetryable = (error: unknown) => typeof error === 'object' && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));

/**
 * Identity keys (message ids, anonymous ids, user ids, emails) are locked for
 * the transaction, so concurrent requests about the same visitor or the same
 * messageId are serialised while different visitors proceed in parallel; that
 * makes the duplicate check exact. Concurrent requests of one tenant share
 * transactions (group commit); each is answered after its transaction commits.
 */
export function createEventStore(deps: EventStoreOptions): EventStore {
  const commitGroup = async (requests: readonly GroupRequest[]): Promise<Committed[]> => {
    // A group holds one tenant's requests: the committer groups them by the tenant's schema.
    const tenant = requests[0]?.tenant;
    if (tenant === undefined) return [];
    const all = requests.flatMap((r) => r.prepared);
    const locks = identityLockStatement(
      identityKeys(
        tenant.schema,
        all.map((p) => p.message),
      ),
    );
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await tenant.transaction(
          async (tx) => {
            const outcomes = await writeMessages(tx, all, deps.networkCompanies);
            await recordConsentEvents(
              tx,
              all.flatMap(({ consent, message }, i) => {
                const outcome = outcomes[i];
                if (consent === undefined || outcome === undefined || outcome.duplicate) return [];
                return [{ ...consent, leadId: outcome.leadId, anonymousId: message.anonymousId ?? null, at: message.at }];
              }),
            );
            let offset = 0;
            return requests.map(({ prepared }) => {
              const mine = outcomes.slice(offset, offset + prepared.length);
              offset += prepared.length;
              const duplicates = mine.filter((o) => o.duplicate).length;
              return { accepted: mine.length - duplicates, duplicates, leadIds: mine.map((o) => o.leadId) };
            });
          },
          { opening: locks },
        );
      } catch (error) {
        // A deadlock between rows two groups share is rare and harmless to retry: nothing of either was committed.
        if (attempt >= 3 || !isRetryable(error)) throw error;
      }
    }
  };
  const committer = createGroupCommitter<GroupRequest, Committed>({
    commit: (_schema, requests) => commitGroup(requests),
    sizeOf: (request) => request.prepared.length,
    maxGroupSize: deps.maxGroupEvents ?? 5000,
    maxGroupSizeWhileUrgent: deps.maxGroupEventsWhileUrgent ?? 500,
    maxUrgentGroupSize: deps.maxUrgentGroupEvents ?? 100,
    concurrency: deps.commitConcurrency ?? 1,
    ...(deps.maxPendingEventsPerTenant === undefined ? {} : { maxPendingPerKey: deps.maxPendingEventsPerTenant }),
    ...(deps.maxPendingEventsTotal === undefined ? {} : { maxPendingTotal: deps.maxPendingEventsTotal }),
  });

  const write: EventStore['write'] = async (tenant, messages, opts = {}) => {
    if (messages.length === 0) return { accepted: 0, duplicates: 0, suppressed: 0, unconsented: 0, bots: 0, leadIds: [] };
    const [storage, requireConsent, suppressed] = await Promise.all([
      deps.ipStorageOf(tenant.tenantId),
      deps.requireConsentOf(tenant.tenantId),
      deps.suppressions.hashesOf(tenant),
    ]);
    // Crawlers' messages never make or score a lead, so none of them reaches the store.
    const people = screenBots(messages, opts.ip ?? null);
    // Before anything is prepared: a suppressed person's event is never stored, not even for a moment.
    const screened = screenMessages(people.kept, { suppressed, requireConsent });
    const kept = screened.kept;
    const prepared = kept.map((m) => prepareMessage(m, opts.ip ?? null, storage));
    // One message is a browser's, a pixel's or an SDK's single call, made as the visitor acts; batches are bulk.
    const urgent = messages.length === 1;
    const result: Committed = prepared.length === 0 ? { accepted: 0, duplicates: 0, leadIds: [] } : await committer.submit(tenant.schema, { tenant, prepared }, { urgent });
    // Counted once the rest is committed, so a request that failed and is sent again is not counted twice.
    await Promise.all([countDroppedEvents(tenant, 'suppressed', screened.suppressed), countDroppedEvents(tenant, 'bot', people.bots)]);
    if (result.accepted > 0) deps.onCommitted?.(tenant, [...new Set(result.leadIds)], { urgent });
    if (deps.onIdentified !== undefined) {
      const identified = new Map<string, IdentifiedLead>();
      result.leadIds.forEach((leadId, i) => {
        const message = kept[i];
        if (message?.email === undefined && prepared[i]?.groupCompany === undefined) return;
        if (!identified.has(leadId)) identified.set(leadId, { leadId, anonymousId: message?.anonymousId });
      });
      if (identified.size > 0) deps.onIdentified(tenant, [...identified.values()], { source: opts.source ?? 'public' });
    }
    return { ...result, suppressed: screened.suppressed, unconsented: screened.unconsented, bots: people.bots };
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
    async drain() {
      await Promise.allSettled([...writing]);
      await committer.drain();
    },
  };
}
