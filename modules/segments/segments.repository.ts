/** The segments module's tables, `segments` and `segment_memberships`, on the tenant's handle. */
import { sql, type Selectable } from 'kysely';
import { compileSegment } from '../../intelligence/segments/compile-segment.js';
import type { SegmentRule } from '../../intelligence/segments/segment-rule.js';
import type { SqlValue } from '../../platform/postgres/database.js';
import type { TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';

const SEGMENT_COLUMNS = ['id', 'name', 'rule', 'windowed', 'created_at'] as const;

export type SegmentRow = Pick<Selectable<TenantRows.Segments>, (typeof SEGMENT_COLUMNS)[number]>;
/** A row as LIVE_SEGMENTS_JSON yields it: dates as text. */
export type SegmentJsonRow = Omit<SegmentRow, 'created_at'> & { readonly created_at: string };

type Stay = Pick<Selectable<TenantRows.SegmentMemberships>, 'segment_id' | 'lead_id'>;

// ---- Segments

export async function liveSegmentRows(db: TenantDb): Promise<SegmentRow[]> {
  return db.kysely.selectFrom('segments').select(SEGMENT_COLUMNS).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
}

export async function liveSegmentRow(db: TenantDb, id: string): Promise<SegmentRow | undefined> {
  return db.kysely.selectFrom('segments').select(SEGMENT_COLUMNS).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function liveSegmentRowsOf(db: TenantDb, ids: readonly string[]): Promise<SegmentRow[]> {
  if (ids.length === 0) return [];
  return db.kysely.selectFrom('segments').select(SEGMENT_COLUMNS).where('id', '=', sql<string>`any(${[...ids]})`).where('deleted_at', 'is', null).execute();
}

export async function countLiveSegments(db: TenantDb): Promise<number> {
  const row = await db.kysely
    .selectFrom('segments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Whether the tenant has a live segment with a time window (which needs the windows sweep's schedule). */
export async function hasWindowedSegment(db: TenantDb): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('segments')
    .select('id')
    .where('windowed', '=', true)
    .where('deleted_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertSegment(db: TenantDb, segment: { id: string; name: string; ruleJson: unknown; windowed: boolean }): Promise<SegmentRow> {
  return db.kysely
    .insertInto('segments')
    .values({ id: segment.id, name: segment.name, rule: sql<TenantRows.Json>`${JSON.stringify(segment.ruleJson)}::jsonb`, windowed: segment.windowed })
    .returning(SEGMENT_COLUMNS)
    .executeTakeFirstOrThrow();
}

/** Marks a live segment deleted; false when there was none of this id. */
export async function markSegmentDeleted(db: TenantDb, id: string): Promise<boolean> {
  const row = await db.kysely
    .updateTable('segments')
    .set({ deleted_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The live segments as SQL that yields one JSON array of SegmentJsonRow, for
 * the evaluation read that fetches them with other things in one statement.
 */
export const LIVE_SEGMENTS_JSON = `(select coalesce(json_agg(s order by s.created_at, s.id), '[]')
   from (select ${SEGMENT_COLUMNS.join(', ')} from {t}.segments where deleted_at is null) s)`;

// ---- Memberships

// Statements over a rule are raw: the rule compiles to SQL text with numbered parameters (compile-segment.ts).

/** Live leads (`l`, companies `c`) a rule matches at `now`, as a from-and-where; its values are appended to `values`. */
function matchingLeadsFromWhere(rule: SegmentRule, now: Date, values: SqlValue[]): string {
  const compiled = compileSegment(rule, now, { firstParam: values.length + 1 });
  values.push(...compiled.values);
  return `from {t}.leads l left join {t}.companies c on c.id = l.company_id where l.merged_into is null and (${compiled.where})`;
}

/** The ids of live leads a rule matches at `now`, as SQL; its values are appended to `values`. */
function matchingLeadsSql(rule: SegmentRule, now: Date, values: SqlValue[]): string {
  return `select l.id ${matchingLeadsFromWhere(rule, now, values)}`;
}

/** Live leads the rule matches at `now`. */
export async function countMatchingLeads(db: TenantDb, rule: SegmentRule, now: Date): Promise<number> {
  const values: SqlValue[] = [];
  const [row] = await db.query<{ n: number }>(`select count(*)::int as n ${matchingLeadsFromWhere(rule, now, values)}`, values);
  return row?.n ?? 0;
}

/** The backfill of a new segment: every live lead its rule matches at `now` enters, in one statement. */
export async function enterMatchingLeads(db: TenantDb, segmentId: string, rule: SegmentRule, now: Date): Promise<void> {
  const values: SqlValue[] = [segmentId, now];
  const matching = matchingLeadsSql(rule, now, values);
  await db.query(`insert into {t}.segment_memberships (segment_id, lead_id, entered_at) select $1, id, $2 from (${matching}) m`, values);
}

/** Closes every open stay of a segment (it was deleted); the history stays. */
export async function closeStaysOfSegment(db: TenantDb, segmentId: string): Promise<void> {
  await db.kysely
    .updateTable('segment_memberships')
    .set({ exited_at: sql<Date>`now()` })
    .where('segment_id', '=', segmentId)
    .where('exited_at', 'is', null)
    .execute();
}

/** Leads whose membership of the segment may differ at `now`: open members the rule no longer matches, and matches with no open stay. */
export async function staysToReconsider(db: TenantDb, segmentId: string, rule: SegmentRule, now: Date): Promise<string[]> {
  const values: SqlValue[] = [segmentId];
  const matching = matchingLeadsSql(rule, now, values);
  const rows = await db.query<{ id: Stay['lead_id'] }>(
    `(select lead_id as id from {t}.segment_memberships where segment_id = $1 and exited_at is null
      except select id from (${matching}) m)
     union
     (select id from (${matching}) m
      except select lead_id from {t}.segment_memberships where segment_id = $1 and exited_at is null)`,
    values,
  );
  return rows.map((row) => row.id);
}

/** The open stays of these leads in live segments, oldest first. */
export async function openStaysOfLeads(db: TenantDb, leadIds: readonly string[]): Promise<Stay[]> {
  if (leadIds.length === 0) return [];
  return db.kysely
    .selectFrom('segment_memberships as m')
    .innerJoin('segments as s', (join) => join.onRef('s.id', '=', 'm.segment_id').on('s.deleted_at', 'is', null))
    .select(['m.segment_id', 'm.lead_id'])
    .where('m.lead_id', '=', sql<string>`any(${[...leadIds]})`)
    .where('m.exited_at', 'is', null)
    .orderBy('m.entered_at')
    .execute();
}

/**
 * The membership parts of the evaluation's one write statement (lead-changes.repository.ts
 * writeEvaluation), as CTEs over its parameters: `closed` ends the open stays of the
 * (segment, lead) pairs given, `opened` opens a stay for each pair given that has none open.
 * Each returns `segment_id, lead_id` of the rows it changed.
 */
export function closeStaysCte(params: { at: string; segmentIds: string; leadIds: string }): string {
  return `closed as (
       update {t}.segment_memberships m set exited_at = ${params.at}
         from unnest(${params.segmentIds}::text[], ${params.leadIds}::text[]) as x(segment_id, lead_id)
        where m.segment_id = x.segment_id and m.lead_id = x.lead_id and m.exited_at is null
        returning m.segment_id, m.lead_id)`;
}

export function openStaysCte(params: { at: string; segmentIds: string; leadIds: string }): string {
  return `opened as (
       insert into {t}.segment_memberships (segment_id, lead_id, entered_at)
       select segment_id, lead_id, ${params.at} from unnest(${params.segmentIds}::text[], ${params.leadIds}::text[]) as x(segment_id, lead_id)
       on conflict (segment_id, lead_id) where exited_at is null do nothing
       returning segment_id, lead_id)`;
}
