import { SESSION_TIMEOUT_MS } from '../../../intelligence/sessions/session-rule.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';
import type { IngestMessage } from './segment-message.js';

export interface IdentityRow {
  readonly kind: 'a' | 'u' | 'e';
  readonly key: string;
  readonly id: string;
  readonly user_id: string | null;
  readonly email: string | null;
}

export interface OpenSessionRow {
  readonly id: string;
  readonly lead_id: string;
  readonly anonymous_id: string | null;
  readonly started_at: Date;
  readonly last_activity_at: Date;
  readonly campaign: string | null;
}

/** What a batch needs to know before it is planned in memory. */
export interface BatchState {
  /** messageId → lead, for messages already stored (duplicates). */
  readonly stored: Map<string, string>;
  /** Who holds each anonymous id ('a'), user id ('u') and email ('e') of the batch. */
  readonly identities: IdentityRow[];
  /** The sessions of those leads that may still be open at the batch's earliest event. */
  readonly openSessions: OpenSessionRow[];
}

/** One wide row shape for the three answers, so no row is built or parsed as JSON. */
interface StateRow {
  kind: 'm' | 's' | IdentityRow['kind'];
  key: string | null;
  id: string | null;
  user_id: string | null;
  email: string | null;
  lead_id: string | null;
  anonymous_id: string | null;
  started_at: Date | null;
  last_activity_at: Date | null;
  campaign: string | null;
}

/**
 * One statement, one round trip: duplicates, identities and open sessions.
 * Each identifier is looked up on its own through the index (a lateral join
 * with a limit, which the planner cannot turn into a scan of the table), so
 * the read costs the batch's size, never the tenant's: a plain `= any(...)`
 * was planned as a sequential scan of every event once the table outgrew its
 * statistics.
 * A session whose last activity is more than the timeout before the batch's
 * earliest event cannot take any of its events, so it is not read. Run it
 * after the identity locks are held: each statement reads a fresh snapshot.
 */
export async function readBatchState(tx: TenantSql, messages: readonly IngestMessage[]): Promise<BatchState> {
  const set = (pick: (m: IngestMessage) => string | undefined) => [...new Set(messages.flatMap((m) => pick(m) ?? []))];
  const earliest = messages.reduce((min, m) => (m.at < min ? m.at : min), messages[0]?.at ?? new Date());
  const rows = await tx.query<StateRow>(
    `with found as (
       select 'a' as kind, k.key, l.id, l.user_id, l.email
         from unnest($1::text[]) as k(key)
         cross join lateral (select lead_id from {t}.identities where anonymous_id = k.key limit 1) i
         join {t}.leads l on l.id = i.lead_id
       union all
       select 'u', k.key, l.id, l.user_id, l.email
         from unnest($2::text[]) as k(key)
         cross join lateral (select id, user_id, email from {t}.leads where user_id = k.key and merged_into is null limit 1) l
       union all
       select 'e', k.key, l.id, l.user_id, l.email
         from unnest($3::text[]) as k(key)
         cross join lateral (select id, user_id, email from {t}.leads where lower(email) = k.key and merged_into is null limit 1) l
     ), open_sessions as (
       select s.* from (select distinct id from found) f
        cross join lateral (
          select distinct on (anonymous_id) id, lead_id, anonymous_id, started_at, last_activity_at, campaign
            from {t}.sessions where lead_id = f.id and last_activity_at >= $5
           order by anonymous_id, last_activity_at desc) s
     )
     select kind, key, id, user_id, email, null as lead_id, null as anonymous_id, null::timestamptz as started_at,
            null::timestamptz as last_activity_at, null as campaign from found
     union all
     select 's', null, id, null, null, lead_id, anonymous_id, started_at, last_activity_at, campaign from open_sessions
     union all
     select 'm', k.key, null, null, null, e.lead_id, null, null, null, null
       from unnest($4::text[]) as k(key)
       cross join lateral (select lead_id from {t}.events where message_id = k.key limit 1) e`,
    [
      set((m) => m.anonymousId),
      set((m) => m.userId),
      set((m) => m.email),
      set((m) => m.messageId),
      new Date(earliest.getTime() - SESSION_TIMEOUT_MS),
    ],
  );
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
