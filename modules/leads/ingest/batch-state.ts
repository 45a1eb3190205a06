import { SESSION_TIMEOUT_MS } from '../../../intelligence/sessions/session-rule.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { batchStateRows, type IdentityHolder, type OpenSession } from './ingest.repository.js';
import type { IngestMessage } from './segment-message.js';

/** What a batch needs to know before it is planned in memory. */
export interface BatchState {
  /** messageId → lead, for messages already stored (duplicates). */
  readonly stored: Map<string, string>;
  /** Who holds each anonymous id ('a'), user id ('u') and email ('e') of the batch. */
  readonly identities: IdentityHolder[];
  /** The sessions of those leads that may still be open at the batch's earliest event. */
  readonly openSessions: OpenSession[];
}

/**
 * Duplicates, identities and open sessions, read in one round trip. A
 * session whose last activity is more than the timeout before the batch's
 * earliest event cannot take any of its events, so it is not read. Run it
 * after the identity locks are held: each statement reads a fresh snapshot.
 */
export async function readBatchState(tx: TenantDb, messages: readonly IngestMessage[]): Promise<BatchState> {
  const set = (pick: (m: IngestMessage) => string | undefined) => [...new Set(messages.flatMap((m) => pick(m) ?? []))];
  const earliest = messages.reduce((min, m) => (m.at < min ? m.at : min), messages[0]?.at ?? new Date());
  const rows = await batchStateRows(tx, {
    anonymousIds: set((m) => m.anonymousId),
    userIds: set((m) => m.userId),
    emails: set((m) => m.email),
    messageIds: set((m) => m.messageId),
    activeSince: new Date(earliest.getTime() - SESSION_TIMEOUT_MS),
  });
  const state: BatchState = { stored: new Map(), identities: [], openSessions: [] };
  for (const row of rows) {
    if (row.kind === 'm') state.stored.set(row.key as string, row.lead_id as string);
    else if (row.kind === 's') {
      state.openSessions.push({
        id: row.id as string,
        lead_id: row.lead_id as string,
        anonymous_id: row.anonymous_id,
        started_at: row.started_at as Date,
        last_activity_at: row.last_activity_at as Date,
        campaign: row.campaign,
      });
    } else state.identities.push({ kind: row.kind, key: row.key as string, id: row.id as string, user_id: row.user_id, email: row.email });
  }
  return state;
}
