/**
 * The model stage's own check for erased people, in its chunk transaction,
 * against the suppressions committed when it asks. The gateway screens too,
 * from a list held in process (suppression-list.ts), but that list can be a
 * moment behind an erasure; this check cannot: the chunk holds the
 * suppression barrier shared (see privacy.repository.ts), so a suppression
 * either committed before the check reads it or waited for the chunk to commit.
 */
import type { HashKeys } from '../../../tenants/secrets/hash-keys.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { suppressedAmong, suppressionVersions } from '../../privacy/privacy.repository.js';
import { legacySuppressionHash, suppressionHash, type SuppressedKind } from '../../privacy/suppression-hash.js';
import type { LogEntry } from './log-entry.js';

export interface SuppressionCheck {
  readonly kept: LogEntry[];
  /** Messages about erased people: their log rows go in the same transaction. */
  readonly dropped: LogEntry[];
}

const identifiersOf = (entry: LogEntry): Array<readonly [SuppressedKind, string]> => {
  const { anonymousId, userId, email } = entry.message;
  return [
    ...(anonymousId === undefined ? [] : [['anonymous_id', anonymousId] as const]),
    ...(userId === undefined ? [] : [['user_id', userId] as const]),
    ...(email === undefined ? [] : [['email', email] as const]),
  ];
};

/** Two statements at most for a chunk, one for a tenant without suppressions (which hashes nothing). */
export async function checkSuppressions(tx: TenantDb, hashKeys: HashKeys, entries: readonly LogEntry[]): Promise<SuppressionCheck> {
  const versions = await suppressionVersions(tx);
  if (!versions.any) return { kept: [...entries], dropped: [] };
  // Each identifier hashed once, however many messages repeat it.
  const hashesOf = new Map<string, string[]>();
  for (const entry of entries) {
    for (const [kind, value] of identifiersOf(entry)) {
      const key = `${kind}:${value}`;
      if (hashesOf.has(key)) continue;
      const current = suppressionHash(hashKeys, tx.tenantId, kind, value);
      hashesOf.set(key, versions.legacy ? [current, legacySuppressionHash(tx.tenantId, kind, value)] : [current]);
    }
  }
  const suppressed = await suppressedAmong(tx, [...hashesOf.values()].flat());
  if (suppressed.size === 0) return { kept: [...entries], dropped: [] };
  const kept: LogEntry[] = [];
  const dropped: LogEntry[] = [];
  for (const entry of entries) {
    const erased = identifiersOf(entry).some(([kind, value]) => (hashesOf.get(`${kind}:${value}`) ?? []).some((hash) => suppressed.has(hash)));
    (erased ? dropped : kept).push(entry);
  }
  return { kept, dropped };
}
