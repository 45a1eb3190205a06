import type { IngestMessage } from './segment-message.js';

/** The identity keys a batch touches: its message ids, anonymous ids, user ids and emails, per tenant schema. */
export function identityKeys(schema: string, messages: readonly IngestMessage[]): string[] {
  const keys = new Set<string>();
  for (const m of messages) {
    keys.add(`${schema}:m:${m.messageId}`);
    if (m.anonymousId !== undefined) keys.add(`${schema}:a:${m.anonymousId}`);
    if (m.userId !== undefined) keys.add(`${schema}:u:${m.userId}`);
    if (m.email !== undefined) keys.add(`${schema}:e:${m.email}`);
  }
  return [...keys];
}

/** The lock key of an anonymous id, for work other than ingestion that moves it (splitLead). */
export const anonymousIdLockKey = (schema: string, anonymousId: string): string => `${schema}:a:${anonymousId}`;

/** Lock buckets per tenant: enough that small writes about different visitors rarely meet, few enough for PostgreSQL's lock table. */
const LOCK_BUCKETS = 64;

function bucketOf(key: string): number {
  // FNV-1a: cheap and well spread; the bucket only decides who waits for whom.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % LOCK_BUCKETS;
}

/**
 * The buckets that stand for these identity keys, sorted: a group of
 * thousands of events takes at most LOCK_BUCKETS advisory locks, not one per
 * identifier (which could exhaust PostgreSQL's shared lock table), and two
 * writes about the same identifier always meet in the same bucket. One order
 * for every transaction, so two never wait on each other in a cycle.
 */
export function lockBucketsOf(keys: readonly string[]): string[] {
  const buckets = new Set<string>();
  for (const key of keys) buckets.add(`${key.slice(0, key.indexOf(':'))}:b:${bucketOf(key)}`);
  return [...buckets].sort();
}
