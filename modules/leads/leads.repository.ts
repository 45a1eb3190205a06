/** The leads module's tables: leads, identities, sessions, events, merges, identity conflicts. */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { scoreRangeOf, type LeadTier } from '../../intelligence/scoring/lead-tier.js';
import { compileSegment } from '../../intelligence/segments/compile-segment.js';
import type { SegmentRule } from '../../intelligence/segments/segment-rule.js';
import type { SqlValue } from '../../platform/postgres/database.js';
import type { TenantTables } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { LeadPosition } from './lead-cursor.js';

/** A page of live (unmerged) lead ids in id order, after `after`. */
export async function liveLeadIdsPage(db: TenantDb, after: string | null, limit: number): Promise<string[]> {
  let query = db.kysely.selectFrom('leads').select('id').where('merged_into', 'is', null);
  if (after !== null) query = query.where('id', '>', after);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map((row) => row.id);
}

// --- Leads as the API reads them ----------------------------------------------------------------

const LEAD_RECORD = [
  'id',
  'email',
  'user_id as userId',
  'traits',
  'score',
  'score_breakdown as scoreBreakdown',
  'company_id as companyId',
  'company_link as companyLink',
  'needs_manual_enrichment as needsManualEnrichment',
  'last_enriched_at as lastEnrichedAt',
  'created_at as createdAt',
  'updated_at as updatedAt',
] as const;

type LeadsExpression = ExpressionBuilder<TenantTables, 'leads'>;

// A lead absorbed by a merge keeps its row for the undo; no read ever shows it.
const live = (eb: LeadsExpression) => eb('merged_into', 'is', null);

function leadRecords(db: TenantDb) {
  return db.kysely.selectFrom('leads').select(LEAD_RECORD);
}

function liveLeads(db: TenantDb) {
  return leadRecords(db).where(live);
}

export type StoredLead = NonNullable<Awaited<ReturnType<typeof liveLeadById>>>;

export async function liveLeadById(db: TenantDb, id: string) {
  return liveLeads(db).where('id', '=', id).executeTakeFirst();
}

export async function liveLeadsByIds(db: TenantDb, ids: readonly string[]) {
  return liveLeads(db)
    .where('id', '=', (eb) => eb.fn.any(eb.val(ids)))
    .execute();
}

const sameEmail = (eb: LeadsExpression, email: string) => eb(eb.fn<string>('lower', ['email']), '=', eb.fn<string>('lower', [eb.val(email)]));

/** Case-insensitive. */
export async function liveLeadByEmail(db: TenantDb, email: string) {
  return liveLeads(db)
    .where((eb) => sameEmail(eb, email))
    .executeTakeFirst();
}

export interface LeadListFilter {
  readonly tier?: LeadTier;
  readonly minScore?: number;
  /** Case-insensitive, exact. */
  readonly email?: string;
  /** The manual review queue: leads flagged because no source found anything for them (true), or the others (false). */
  readonly needsManualEnrichment?: boolean;
  /** Members of a segment: its rule compiled to SQL, evaluated at `now`. */
  readonly segment?: { readonly rule: SegmentRule; readonly now: Date };
}

function matching(db: TenantDb, filter: LeadListFilter) {
  return (eb: LeadsExpression): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [live(eb)];
    if (filter.email !== undefined) conditions.push(sameEmail(eb, filter.email.trim()));
    if (filter.minScore !== undefined) conditions.push(eb('score', '>=', filter.minScore));
    if (filter.needsManualEnrichment !== undefined) conditions.push(eb('needs_manual_enrichment', '=', filter.needsManualEnrichment));
    if (filter.tier !== undefined) {
      const range = scoreRangeOf(filter.tier);
      conditions.push(eb.between('score', range.min, range.max));
    }
    if (filter.segment !== undefined) conditions.push(eb('id', 'in', segmentMembers(db, filter.segment.rule, filter.segment.now)));
    return eb.and(conditions);
  };
}

/** Up to `limit` live leads matching `filter` in the listing order after `after`, each with its position for the cursor. */
export async function liveLeadsPage(db: TenantDb, opts: { limit: number; after?: LeadPosition; filter: LeadListFilter }) {
  let page = leadRecords(db)
    .select(sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('position'))
    .where(matching(db, opts.filter));
  const { after } = opts;
  if (after !== undefined) {
    page = page.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(sql<Date>`${after.createdAt}::timestamptz`, eb.val(after.id))));
  }
  return page.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

export async function countLiveLeads(db: TenantDb, filter: LeadListFilter): Promise<number> {
  const row = await db.kysely
    .selectFrom('leads')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(matching(db, filter))
    .executeTakeFirstOrThrow();
  return row.n;
}

/**
 * The ids of live leads a segment's rule matches at `now`, as SQL text for a
 * raw statement of the caller's: its values are appended to `values`.
 */
export function segmentMembersSql(rule: SegmentRule, now: Date, values: SqlValue[]): string {
  const compiled = compileSegment(rule, now, { firstParam: values.length + 1 });
  values.push(...compiled.values);
  return `select l.id from {t}.leads l left join {t}.companies c on c.id = l.company_id where l.merged_into is null and (${compiled.where})`;
}

/** The same members as a subquery of the builder: the compiled text with its `{t}` and `$n` as the builder's schema and values. */
function segmentMembers(db: TenantDb, rule: SegmentRule, now: Date): RawBuilder<string> {
  const values: SqlValue[] = [];
  const text = segmentMembersSql(rule, now, values);
  const parts = text.split(/(\{t\}|\$\d+)/).map((part) => {
    if (part === '{t}') return sql.id(db.schema);
    const placeholder = /^\$(\d+)$/.exec(part);
    return placeholder === null ? sql.raw(part) : sql.val(values[Number(placeholder[1]) - 1]);
  });
  return sql<string>`(${sql.join(parts, sql.raw(''))})`;
}

// --- What hangs off a page of leads, one statement per kind -------------------------------------

/** Each lead's anonymous ids, oldest first. */
export async function anonymousIdsOfLeads(db: TenantDb, leadIds: readonly string[]) {
  return db.kysely
    .selectFrom('identities')
    .select(['lead_id as leadId', 'anonymous_id as anonymousId'])
    .where('lead_id', '=', (eb) => eb.fn.any(eb.val(leadIds)))
    .orderBy('first_seen_at')
    .orderBy('anonymous_id')
    .execute();
}

export type StoredSession = Awaited<ReturnType<typeof newestSessionsOfLeads>>[number];
export type StoredEvent = Awaited<ReturnType<typeof newestEventsOfLeads>>[number];

/** Each lead's newest `first` sessions, by lead and newest first. */
export async function newestSessionsOfLeads(db: TenantDb, leadIds: readonly string[], first: number) {
  return db.kysely
    .selectFrom((eb) =>
      eb
        .selectFrom('sessions')
        .select((inner) => [
          'id',
          'lead_id as leadId',
          'started_at as startedAt',
          'last_activity_at as endedAt',
          'page_views as pageViews',
          'ip',
          'company_id as companyId',
          'properties',
          inner.fn.agg<number>('row_number').over((over) => over.partitionBy('lead_id').orderBy('started_at', 'desc').orderBy('id', 'desc')).as('position'),
        ])
        .where('lead_id', '=', (inner) => inner.fn.any(inner.val(leadIds)))
        .as('x'),
    )
    .select(['id', 'leadId', 'startedAt', 'endedAt', 'pageViews', 'ip', 'companyId', 'properties'])
    .where('position', '<=', first)
    .orderBy('leadId')
    .orderBy('position')
    .execute();
}

/** Each lead's newest `first` events, by lead and newest first. */
export async function newestEventsOfLeads(db: TenantDb, leadIds: readonly string[], first: number) {
  return db.kysely
    .selectFrom((eb) =>
      eb
        .selectFrom('events')
        .select((inner) => [
          inner.cast<string>('id', 'text').as('id'),
          'lead_id as leadId',
          'name',
          'at',
          'properties',
          inner.fn.agg<number>('row_number').over((over) => over.partitionBy('lead_id').orderBy('at', 'desc').orderBy('id', 'desc')).as('position'),
        ])
        .where('lead_id', '=', (inner) => inner.fn.any(inner.val(leadIds)))
        .as('x'),
    )
    .select(['id', 'leadId', 'name', 'at', 'properties'])
    .where('position', '<=', first)
    .orderBy('leadId')
    .orderBy('position')
    .execute();
}

// --- A lead's company, as its business email decides it (modules/companies/email-companies.ts) ---

/** Those of these leads whose company is also a session's company: a visit's network gave it. */
export async function leadsWithCompanyOfASession(db: TenantDb, leadIds: readonly string[]): Promise<Set<string>> {
  const rows = await db.kysely
    .selectFrom('leads as l')
    .select('l.id')
    .where('l.id', '=', (eb) => eb.fn.any(eb.val(leadIds)))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('sessions as s')
          .select(sql<number>`1`.as('one'))
          .whereRef('s.lead_id', '=', 'l.id')
          .whereRef('s.company_id', '=', 'l.company_id'),
      ),
    )
    .execute();
  return new Set(rows.map((row) => row.id));
}

export interface CompanyLinkWrite {
  readonly leadId: string;
  /** The company the lead moves to (its record exists), or stays at. */
  readonly domain: string;
  /** The lead's company domain the decision was made against (null: none); the write applies only while it still holds. */
  readonly currentDomain: string | null;
  /** The decision with its reason, as `leads.company_link` stores it. */
  readonly link: string;
}

/**
 * Sets these leads' company and its link in one statement, the lead rows
 * locked in id order without the key, as the evaluation's own write locks
 * them; a lead whose company moved since the decision is skipped. Which
 * leads were written, and whether their company changed.
 */
export async function writeCompanyLinks(db: TenantDb, writes: readonly CompanyLinkWrite[]) {
  return db.query<{ id: string; companyId: string; changed: boolean }>(
    `with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) as v(id, domain, current_domain, link)),
     locked as (
       select l.id, l.company_id as previous from {t}.leads l join v on v.id = l.id
         left join {t}.companies c on c.id = l.company_id
        where l.merged_into is null and c.domain is not distinct from v.current_domain
        order by l.id for no key update of l)
     update {t}.leads l set
       company_id = coalesce((select n.id from {t}.companies n where n.domain = v.domain), l.company_id),
       company_link = v.link, updated_at = now()
       from v join locked on locked.id = v.id
      where l.id = v.id
      returning l.id, l.company_id as "companyId", l.company_id is distinct from locked.previous as changed`,
    [writes.map((w) => w.leadId), writes.map((w) => w.domain), writes.map((w) => w.currentDomain), writes.map((w) => w.link)],
  );
}

// ---- lead state set by enrichment ----

/** The lead's state after a job: when it was last enriched (only when something answered), its review flag, its company. */
export async function markLeadEnriched(
  db: TenantDb,
  leadId: string,
  after: { readonly answered: boolean; readonly at: Date; readonly needsManualEnrichment: boolean; readonly companyId: string | null; readonly linkJson: string | null },
): Promise<void> {
  await db.kysely
    .updateTable('leads')
    .set({
      ...(after.answered ? { last_enriched_at: after.at } : {}),
      needs_manual_enrichment: after.needsManualEnrichment,
      ...(after.companyId === null ? {} : { company_id: after.companyId, company_link: after.linkJson }),
      updated_at: sql`now()`,
    })
    .where('id', '=', leadId)
    .execute();
}

/** A person gave the lead a field: it no longer waits for manual enrichment. */
export async function clearNeedsManualEnrichment(db: TenantDb, leadId: string): Promise<void> {
  await db.kysely.updateTable('leads').set({ needs_manual_enrichment: false, updated_at: sql`now()` }).where('id', '=', leadId).execute();
}

// ---- scores, written by the lead-changes evaluation in its one statement ----

/**
 * The score part of the evaluation's write, as CTEs over $1 ids, $2 scores,
 * $3 breakdowns and $4 the time: `scored` is each lead whose score or
 * breakdown changed, with the score it replaced. Lead rows are locked in id
 * order and without the key (scores are not keys): ingestion's events,
 * sessions and identities hold key-share locks on their leads until they
 * commit, which a full row lock would wait for, and a wait in both
 * directions is a deadlock PostgreSQL takes a second to see.
 */
export const SCORE_WRITE_CTES = `v as (select * from unnest($1::text[], $2::int[], $3::jsonb[]) as v(id, score, breakdown)),
     old as (select l.id, l.score as previous from {t}.leads l join v on v.id = l.id order by l.id for no key update of l),
     scored as (
       update {t}.leads l set score = v.score, score_breakdown = v.breakdown, scored_at = $4,
              updated_at = case when l.score <> v.score then now() else l.updated_at end
         from v join old on old.id = v.id
        where l.id = v.id and (l.score <> v.score or l.score_breakdown <> v.breakdown)
        returning l.id, old.previous, l.score)`;
