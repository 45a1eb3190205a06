/**
 * The ingest write path's statements: identity locks, the batch's one read and
 * one write, stitching row by row, merges and their undoing. The hot path's
 * statements stay raw where their shape is their speed (unnest lookups,
 * jsonb_to_recordset writes, the lock that travels with BEGIN).
 */
import { sql, type Selectable } from 'kysely';
import type { TenantRows } from '../../../schema/tables/tables.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { identityLocksOf } from './identity-locks.js';

type Lead = Selectable<TenantRows.Leads>;
type Session = Selectable<TenantRows.Sessions>;
type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A lead as stitching sees it. */
export type StitchLead = Pick<Lead, 'id' | 'user_id' | 'email'>;

/** Who holds an anonymous id ('a'), user id ('u') or email ('e') of a batch. */
export type IdentityHolder = StitchLead & { readonly kind: 'a' | 'u' | 'e'; readonly key: string };

/** A session that may take a batch's events. */
export type OpenSession = Pick<Session, 'id' | 'lead_id' | 'anonymous_id' | 'started_at' | 'last_activity_at' | 'campaign'>;

// ---- Identity locks

/**
 * Takes the identity keys' locks for the transaction (see identityLocksOf),
 * in the plan's order: the statement evaluates its locking calls after the
 * sort (PostgreSQL postpones volatile target-list expressions past ORDER BY).
 * Literals, not parameters, so the statement can also travel with BEGIN; a
 * lock key is a schema name and a number.
 */
export function identityLockStatement(keys: readonly string[]): string {
  const locks = identityLocksOf(keys);
  if (locks.length === 0) return 'select 1';
  const literals = locks.map((lock) => `'${lock.key.replaceAll("'", "''")}'`);
  const shared = locks.map((lock) => String(lock.shared));
  return `select case when l.shared then pg_advisory_xact_lock_shared(hashtextextended(l.k, 0)) else pg_advisory_xact_lock(hashtextextended(l.k, 0)) end
    from unnest(array[${literals.join(',')}]::text[], array[${shared.join(',')}]::boolean[]) with ordinality as l(k, shared, n) order by l.n`;
}

export async function lockIdentities(db: TenantDb, keys: readonly string[]): Promise<void> {
  await db.query(identityLockStatement(keys));
}

// ---- The batch's read

/** One wide row shape for the three answers, so no row is built or parsed as JSON. */
export type BatchStateRow = { readonly kind: 'm' | 's' | IdentityHolder['kind']; readonly key: string | null } & Nullable<StitchLead> &
  Nullable<Pick<Session, 'lead_id' | 'anonymous_id' | 'started_at' | 'last_activity_at' | 'campaign'>>;

export interface BatchLookup {
  readonly anonymousIds: readonly string[];
  readonly userIds: readonly string[];
  readonly emails: readonly string[];
  readonly messageIds: readonly string[];
  /** Sessions last active before this cannot take any of the batch's events. */
  readonly activeSince: Date;
}

/**
 * One statement, one round trip: duplicates ('m'), identities and open
 * sessions ('s'). Each identifier is looked up on its own through the index
 * (a lateral join with a limit, which the planner cannot turn into a scan of
 * the table), so the read costs the batch's size, never the tenant's: a plain
 * `= any(...)` was planned as a sequential scan of every event once the table
 * outgrew its statistics.
 */
export async function batchStateRows(db: TenantDb, lookup: BatchLookup): Promise<BatchStateRow[]> {
  return db.query<BatchStateRow>(
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
    [lookup.anonymousIds, lookup.userIds, lookup.emails, lookup.messageIds, lookup.activeSince],
  );
}

// ---- The batch's write

/** A lead the batch creates or changes; the company ids are candidates, applied by the statement's rules. */
export type LeadWrite = Pick<Lead, 'id' | 'user_id' | 'email' | 'first_seen_at'> & {
  readonly is_new: boolean;
  readonly traits: Record<string, unknown>;
  readonly group_company_id: string | null;
  readonly network_company_id: string | null;
};

/** An anonymous id the batch links to a lead, first seen at `at`. */
export type IdentityLink = Pick<Selectable<TenantRows.Identities>, 'anonymous_id' | 'lead_id'> & { readonly at: Date };

/** A session the batch opens (its values) or adds to (its increments). */
export type SessionWrite = Pick<
  Session,
  'id' | 'lead_id' | 'anonymous_id' | 'started_at' | 'last_activity_at' | 'page_views' | 'event_count' | 'campaign' | 'ip' | 'company_id'
> & { readonly is_new: boolean; readonly properties: Record<string, unknown> };

export interface BatchWrite {
  readonly leads: readonly LeadWrite[];
  readonly identities: readonly IdentityLink[];
  readonly sessions: readonly SessionWrite[];
  /** The events as a JSON array of `events` rows, serialised by the caller (most of it with each request). */
  readonly eventsJson: string;
}

/** Rows as one JSON parameter for jsonb_to_recordset: cheaper for PostgreSQL to take apart than one array per column. */
const rowsOf = (rows: readonly object[]): string => JSON.stringify(rows);

/**
 * Every write of a run in one statement. The parts of a statement share one
 * snapshot, so none sees another's rows: new leads and sessions are inserted
 * with their final values, and only existing ones are updated. Foreign keys
 * are checked at the end of the statement, when all parts are in.
 * A `group` call names the lead's company outright; a network's company only
 * fills a lead that has none.
 */
export async function writeBatch(db: TenantDb, batch: BatchWrite): Promise<void> {
  await db.query(
    `with lead_rows as (
       select * from jsonb_to_recordset($1::jsonb) as v(id text, is_new boolean, user_id text, email text, first_seen_at timestamptz,
         traits jsonb, group_company_id text, network_company_id text)
     ), session_rows as (
       select * from jsonb_to_recordset($3::jsonb) as v(id text, is_new boolean, lead_id text, anonymous_id text, started_at timestamptz,
         last_activity_at timestamptz, page_views int, event_count int, campaign text, ip text, company_id text, properties jsonb)
     ), new_leads as (
       insert into {t}.leads (id, user_id, email, first_seen_at, traits, company_id)
       select id, user_id, email, first_seen_at, traits, coalesce(group_company_id, network_company_id)
         from lead_rows where is_new
     ), changed_leads as (
       update {t}.leads l
          set traits = l.traits || v.traits,
              user_id = coalesce(v.user_id, l.user_id), email = coalesce(v.email, l.email),
              company_id = coalesce(v.group_company_id, l.company_id, v.network_company_id), updated_at = now()
         from lead_rows v where l.id = v.id and not v.is_new
          and (v.traits <> '{}' or v.user_id is not null or v.email is not null or v.group_company_id is not null
               or (l.company_id is null and v.network_company_id is not null))
     ), new_identities as (
       insert into {t}.identities (anonymous_id, lead_id, first_seen_at)
       select anonymous_id, lead_id, at from jsonb_to_recordset($2::jsonb) as v(anonymous_id text, lead_id text, at timestamptz)
     ), new_sessions as (
       insert into {t}.sessions (id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count, campaign, ip, company_id, properties)
       select id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count, campaign, ip, company_id, properties
         from session_rows where is_new
     ), changed_sessions as (
       update {t}.sessions s
          set last_activity_at = greatest(s.last_activity_at, v.last_activity_at), started_at = least(s.started_at, v.started_at),
              page_views = s.page_views + v.page_views, event_count = s.event_count + v.event_count, properties = s.properties || v.properties
         from session_rows v where s.id = v.id and not v.is_new
     )
     insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context)
     select message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context
       from jsonb_to_recordset($4::jsonb) as v(message_id text, type text, name text, lead_id text, session_id text, anonymous_id text,
         user_id text, at timestamptz, properties jsonb, context jsonb)`,
    [rowsOf(batch.leads), rowsOf(batch.identities), rowsOf(batch.sessions), batch.eventsJson],
  );
}

// ---- Stitching row by row (merges, conflicts)

export async function leadOfAnonymousId(db: TenantDb, anonymousId: string): Promise<StitchLead | undefined> {
  return db.kysely
    .selectFrom('identities as i')
    .innerJoin('leads as l', 'l.id', 'i.lead_id')
    .select(['l.id', 'l.user_id', 'l.email'])
    .where('i.anonymous_id', '=', anonymousId)
    .executeTakeFirst();
}

export async function leadOfUserId(db: TenantDb, userId: string): Promise<StitchLead | undefined> {
  return db.kysely.selectFrom('leads').select(['id', 'user_id', 'email']).where('user_id', '=', userId).where('merged_into', 'is', null).executeTakeFirst();
}

/** `email` lower-cased already, as the index holds it. */
export async function leadOfEmail(db: TenantDb, email: string): Promise<StitchLead | undefined> {
  return db.kysely
    .selectFrom('leads')
    .select(['id', 'user_id', 'email'])
    .where((eb) => eb(eb.fn('lower', ['email']), '=', email))
    .where('merged_into', 'is', null)
    .executeTakeFirst();
}

export async function insertLead(db: TenantDb, lead: Pick<Lead, 'id' | 'user_id' | 'email' | 'first_seen_at'>): Promise<void> {
  await db.kysely.insertInto('leads').values(lead).execute();
}

/** Gives a lead the identifiers it lacked; a null leaves the held one. */
export async function setLeadIdentifiers(db: TenantDb, leadId: string, ids: Pick<Lead, 'user_id' | 'email'>): Promise<void> {
  await db.kysely
    .updateTable('leads')
    .set((eb) => ({
      user_id: eb.fn.coalesce(eb.val(ids.user_id), 'user_id'),
      email: eb.fn.coalesce(eb.val(ids.email), 'email'),
      updated_at: sql<Date>`now()`,
    }))
    .where('id', '=', leadId)
    .execute();
}

export async function insertIdentityConflict(db: TenantDb, conflict: Pick<Selectable<TenantRows.IdentityConflicts>, 'id' | 'lead_id' | 'other_lead_id' | 'cause'>): Promise<void> {
  await db.kysely.insertInto('identity_conflicts').values(conflict).execute();
}

export async function insertIdentity(db: TenantDb, identity: Selectable<TenantRows.Identities>): Promise<void> {
  await db.kysely.insertInto('identities').values(identity).execute();
}

// ---- Merges and their undoing

/** What a merge moved, kept with the merge so that `splitLead` can put it back. */
export interface MovedRecords {
  readonly anonymousIds: string[];
  readonly sessionIds: string[];
  readonly eventIds: string[];
  /** What the merge changed on the survivor, so a split takes back only that (absent in merges recorded before it was kept). */
  readonly survivor?: {
    /** Traits the survivor lacked and took from the absorbed lead, with the values they had. */
    readonly traitsAdded: Record<string, unknown>;
    readonly firstSeenAt: string;
    /** The absorbed lead's company, when the survivor had none and took it. */
    readonly companyTaken: string | null;
  };
}

/** What a merge reads of a lead, and a split restores. */
export type MergedLeadState = Pick<Lead, 'id' | 'first_seen_at' | 'company_id'> & { readonly traits: Record<string, unknown> };

/** The leads' mergeable state, locked for the rest of the transaction. */
export async function lockLeadStates(db: TenantDb, leadIds: readonly string[]): Promise<MergedLeadState[]> {
  return db.kysely
    .selectFrom('leads')
    .select((eb) => ['id', 'first_seen_at', 'company_id', eb.ref('traits').$castTo<Record<string, unknown>>().as('traits')])
    .where('id', '=', (eb) => eb.fn.any(eb.val(leadIds)))
    .forUpdate()
    .execute();
}

/** Moves the absorbed lead's anonymous ids, sessions and events onto the survivor; what moved, by id. */
export async function moveLeadRecords(
  db: TenantDb,
  survivorId: string,
  absorbedId: string,
): Promise<{ anonymousIds: string[]; sessionIds: string[]; eventIds: string[] }> {
  const identities = await db.kysely.updateTable('identities').set({ lead_id: survivorId }).where('lead_id', '=', absorbedId).returning('anonymous_id').execute();
  const sessions = await db.kysely.updateTable('sessions').set({ lead_id: survivorId }).where('lead_id', '=', absorbedId).returning('id').execute();
  const events = await db.kysely
    .updateTable('events')
    .set({ lead_id: survivorId })
    .where('lead_id', '=', absorbedId)
    .returning((eb) => eb.cast<string>('id', 'text').as('id'))
    .execute();
  return { anonymousIds: identities.map((r) => r.anonymous_id), sessionIds: sessions.map((r) => r.id), eventIds: events.map((r) => r.id) };
}

/** The survivor takes the traits it lacks, the earlier first sight and, when it has none, the company; the absorbed row stays, marked. */
export async function absorbLead(db: TenantDb, survivorId: string, absorbedId: string): Promise<void> {
  await db.kysely
    .updateTable('leads as s')
    .from('leads as a')
    .set((eb) => ({
      traits: sql`${eb.ref('a.traits')} || ${eb.ref('s.traits')}`,
      first_seen_at: eb.fn<Date>('least', ['s.first_seen_at', 'a.first_seen_at']),
      company_id: eb.fn.coalesce('s.company_id', 'a.company_id'),
      updated_at: sql<Date>`now()`,
    }))
    .where('s.id', '=', survivorId)
    .where('a.id', '=', absorbedId)
    .execute();
  await db.kysely.updateTable('leads').set({ merged_into: survivorId, updated_at: sql<Date>`now()` }).where('id', '=', absorbedId).execute();
}

export async function insertMerge(db: TenantDb, merge: Pick<Selectable<TenantRows.Merges>, 'id' | 'survivor_id' | 'absorbed_id' | 'cause'> & { readonly moved: MovedRecords }): Promise<void> {
  await db.kysely
    .insertInto('merges')
    .values({ ...merge, moved: JSON.stringify(merge.moved) })
    .execute();
}

/** The newest live merge into `leadId` that brought `anonymousId`, locked. */
export async function lockNewestMergeOf(db: TenantDb, leadId: string, anonymousId: string) {
  return db.kysely
    .selectFrom('merges')
    // The merge wrote `moved` itself (insertMerge).
    .select((eb) => ['id', 'absorbed_id', eb.ref('moved').$castTo<MovedRecords>().as('moved')])
    .where('survivor_id', '=', leadId)
    .where('undone_at', 'is', null)
    .where(sql<boolean>`moved->'anonymousIds' ? ${anonymousId}`)
    .orderBy('at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

/**
 * Gives the absorbed lead back its row, anonymous ids, sessions and events.
 * Events written into the moved sessions after the merge go back with them: a
 * session and its events stay on one lead.
 */
export async function returnLeadRecords(
  db: TenantDb,
  absorbedId: string,
  moved: { readonly anonymousIds: readonly string[]; readonly sessionIds: readonly string[]; readonly eventIds: readonly string[] },
): Promise<void> {
  await db.kysely.updateTable('leads').set({ merged_into: null, updated_at: sql<Date>`now()` }).where('id', '=', absorbedId).execute();
  await db.kysely
    .updateTable('identities')
    .set({ lead_id: absorbedId })
    .where('anonymous_id', '=', (eb) => eb.fn.any(eb.val(moved.anonymousIds)))
    .execute();
  await db.kysely
    .updateTable('sessions')
    .set({ lead_id: absorbedId })
    .where('id', '=', (eb) => eb.fn.any(eb.val(moved.sessionIds)))
    .execute();
  await db.kysely
    .updateTable('events')
    .set({ lead_id: absorbedId })
    .where((eb) =>
      eb.or([eb('id', '=', eb.fn.any(sql<number[]>`${moved.eventIds}::bigint[]`)), eb('session_id', '=', eb.fn.any(eb.val(moved.sessionIds)))]),
    )
    .execute();
}

export async function markMergeUndone(db: TenantDb, mergeId: string): Promise<void> {
  await db.kysely.updateTable('merges').set({ undone_at: sql<Date>`now()` }).where('id', '=', mergeId).execute();
}

/** A lead's mergeable state, locked for the rest of the transaction. */
export async function lockLeadState(db: TenantDb, leadId: string): Promise<Omit<MergedLeadState, 'id'> | undefined> {
  return db.kysely
    .selectFrom('leads')
    .select((eb) => ['first_seen_at', 'company_id', eb.ref('traits').$castTo<Record<string, unknown>>().as('traits')])
    .where('id', '=', leadId)
    .forUpdate()
    .executeTakeFirst();
}

export async function restoreLeadState(db: TenantDb, leadId: string, state: Omit<MergedLeadState, 'id' | 'first_seen_at'> & { readonly first_seen_at: string }): Promise<void> {
  await db.kysely
    .updateTable('leads')
    .set({ traits: JSON.stringify(state.traits), first_seen_at: state.first_seen_at, company_id: state.company_id, updated_at: sql<Date>`now()` })
    .where('id', '=', leadId)
    .execute();
}

/** The lead a stored message belongs to (the original's, for a message sent twice). */
export async function leadIdOfMessage(db: TenantDb, messageId: string): Promise<string | undefined> {
  const row = await db.kysely.selectFrom('events').select('lead_id').where('message_id', '=', messageId).executeTakeFirst();
  return row?.lead_id;
}
