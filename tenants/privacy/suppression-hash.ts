/**
 * What stays of an erased person: a keyed hash of each identifier, so later
 * events about them are recognised and dropped, while the hash reveals
 * nothing. Keyed by the tenant's id, so two tenants' suppression lists cannot
 * be joined to find a person they share. Identifiers are normalised as
 * ingestion normalises them (emails lower-cased and trimmed).
 */
import { createHmac } from 'node:crypto';

export type SuppressedKind = 'email' | 'user_id' | 'anonymous_id';

export interface SuppressedIdentifier {
  readonly kind: SuppressedKind;
  readonly hash: string;
}

const normalise = (kind: SuppressedKind, value: string): string => (kind === 'email' ? value.trim().toLowerCase() : value);

export function suppressionHash(tenantId: string, kind: SuppressedKind, value: string): string {
  return createHmac('sha256', `leadgraph-suppression:${tenantId}`).update(`${kind}:${normalise(kind, value)}`).digest('base64url');
}

export function suppressedIdentifiers(
  tenantId: string,
  person: { readonly emails: readonly string[]; readonly userIds: readonly string[]; readonly anonymousIds: readonly string[] },
): SuppressedIdentifier[] {
  const all: SuppressedIdentifier[] = [
    ...person.emails.map((v) => ({ kind: 'email' as const, hash: suppressionHash(tenantId, 'email', v) })),
    ...person.userIds.map((v) => ({ kind: 'user_id' as const, hash: suppressionHash(tenantId, 'user_id', v) })),
    ...person.anonymousIds.map((v) => ({ kind: 'anonymous_id' as const, hash: suppressionHash(tenantId, 'anonymous_id', v) })),
  ];
  return [...new Map(all.map((s) => [s.hash, s])).values()];
}
