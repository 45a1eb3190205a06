/**
 * What stays of an erased person: a keyed hash of each identifier, so later
 * events about them are recognised and dropped, while the hash reveals
 * nothing. The key is derived from the deployment's master key for the tenant
 * (hash-keys.ts): without it, a dump of the table cannot be matched against
 * guessed addresses, and two tenants' lists cannot be joined to find a person
 * they share. Identifiers are normalised as ingestion normalises them (emails
 * lower-cased and trimmed).
 *
 * Rows written before tenant migration 0009 (`hash_version` 1) were keyed by
 * the tenant id alone, which is not secret. They cannot be re-keyed (only the
 * hash is kept, never the identifier) and an erasure must keep holding, so
 * they go on matching through `legacySuppressionHash` for as long as they
 * exist; new rows are version 2. Erasing the same person again (by email)
 * replaces their version 1 rows with version 2 ones: the erasure has the identifier.
 */
import { createHmac } from 'node:crypto';
import type { HashKeys } from '../../tenants/secrets/hash-keys.js';

export type SuppressedKind = 'email' | 'user_id' | 'anonymous_id';

export interface SuppressedIdentifier {
  readonly kind: SuppressedKind;
  readonly hash: string;
  /** The version 1 hash of the same identifier: a row under it is replaced by this one. */
  readonly replaces: string;
}

export const SUPPRESSION_HASH_VERSION = 2;

const normalise = (kind: SuppressedKind, value: string): string => (kind === 'email' ? value.trim().toLowerCase() : value);

export function suppressionHash(keys: HashKeys, tenantId: string, kind: SuppressedKind, value: string): string {
  return keys.hash('suppression', tenantId, `${kind}:${normalise(kind, value)}`);
}

/** Version 1, keyed by the tenant id: only to recognise rows recorded before version 2. */
export function legacySuppressionHash(tenantId: string, kind: SuppressedKind, value: string): string {
  return createHmac('sha256', `leadgraph-suppression:${tenantId}`).update(`${kind}:${normalise(kind, value)}`).digest('base64url');
}

export function suppressedIdentifiers(
  keys: HashKeys,
  tenantId: string,
  person: { readonly emails: readonly string[]; readonly userIds: readonly string[]; readonly anonymousIds: readonly string[] },
): SuppressedIdentifier[] {
  const identifier = (kind: SuppressedKind, value: string): SuppressedIdentifier => ({
    kind,
    hash: suppressionHash(keys, tenantId, kind, value),
    replaces: legacySuppressionHash(tenantId, kind, value),
  });
  const all: SuppressedIdentifier[] = [
    ...person.emails.map((v) => identifier('email', v)),
    ...person.userIds.map((v) => identifier('user_id', v)),
    ...person.anonymousIds.map((v) => identifier('anonymous_id', v)),
  ];
  return [...new Map(all.map((s) => [s.hash, s])).values()];
}
