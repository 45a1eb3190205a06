import type { IngestMessage } from './segment-message.js';

/**
 * The identity keys a batch touches: its anonymous ids, user ids and emails,
 * per tenant schema. Not its message ids: the log holds each once (the append
 * dedupes them for ever), so no two transactions write the same one.
 */
export function identityKeys(schema: string, messages: readonly IngestMessage[]): string[] {
  const keys = new Set<string>();
  for (const m of messages) {
    if (m.anonymousId !== undefined) keys.add(`${schema}:a:${m.anonymousId}`);
    if (m.userId !== undefined) keys.add(`${schema}:u:${m.userId}`);
    if (m.email !== undefined) keys.add(`${schema}:e:${m.email}`);
  }
  return [...keys];
}

/** The lock key of an anonymous id, for work other than ingestion that moves it (splitLead). */
export const anonymousIdLockKey = (schema: string, anonymousId: string): string => `${schema}:a:${anonymousId}`;

/**
 * Fine buckets per tenant: a visitor's one or two identifiers seldom share a
 * bucket with any of a 250-message bulk chunk's (about 1.5 % of the time at
 * 16,384, against nearly always with the 64 buckets every transaction took
 * before; a visitor chunk's wait for identity locks under the segments
 * benchmark's load went from p50 152 ms to 40 ms, one traced run each).
 */
const FINE_BUCKETS = 16_384;
/** Groups of fine buckets: what a large transaction locks instead, at most this many locks. */
const GROUPS = 64;
/**
 * Past this many fine buckets a transaction locks whole groups instead:
 * PostgreSQL's shared lock table holds 64 locks a connection by default
 * (max_locks_per_transaction), so a few concurrent chunks of 1,000 messages
 * with three identifiers each must not take one lock per identifier.
 */
const MAX_FINE_LOCKS = 512;

function hashOf(key: string): number {
  // FNV-1a: cheap and well spread; the bucket only decides who waits for whom.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** One advisory lock of a plan: its key, and whether it is taken shared (a group a fine lock is taken under). */
export interface IdentityLock {
  readonly key: string;
  readonly shared: boolean;
}

/**
 * The advisory locks that stand for these identity keys, in the order to take
 * them, two-level so that a visitor's small transaction waits for a bulk
 * chunk only when they share an identifier's fine bucket:
 *
 * - a small or medium transaction takes each group it touches shared, then
 *   each fine bucket exclusive;
 * - a large one (more than MAX_FINE_LOCKS fine buckets) takes each group it
 *   touches exclusive, and no fine bucket.
 *
 * Two transactions about one identifier always conflict: on its group if
 * either is large, else on its fine bucket. Every transaction takes groups
 * before fine buckets, each level in one sorted order, so none waits on
 * another in a cycle.
 */
export function identityLocksOf(keys: readonly string[]): IdentityLock[] {
  const groups = new Set<string>();
  const fine = new Set<string>();
  for (const key of keys) {
    const schema = key.slice(0, key.indexOf(':'));
    const bucket = hashOf(key) % FINE_BUCKETS;
    groups.add(`${schema}:g:${bucket % GROUPS}`);
    fine.add(`${schema}:f:${bucket}`);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  if (fine.size > MAX_FINE_LOCKS) return sorted(groups).map((key) => ({ key, shared: false }));
  return [...sorted(groups).map((key) => ({ key, shared: true })), ...sorted(fine).map((key) => ({ key, shared: false }))];
}
