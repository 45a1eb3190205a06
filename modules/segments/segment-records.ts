/** Segments as rows: the rule as the tenant wrote it (validated), and whether it looks at time windows. */
import { isWindowed, parseSegmentRule, type SegmentRule } from '../../intelligence/segments/segment-rule.js';
import { problemTextWithPath } from '../../platform/outcome.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';

export interface SegmentRecord {
  readonly id: string;
  readonly name: string;
  /** As written: what the API shows. */
  readonly ruleJson: unknown;
  readonly rule: SegmentRule;
  readonly windowed: boolean;
  readonly createdAt: Date;
}

export interface SegmentRow {
  readonly id: string;
  readonly name: string;
  readonly rule: unknown;
  readonly windowed: boolean;
  readonly createdAt: Date;
}

const COLUMNS = 'id, name, rule, windowed, created_at as "createdAt"';

/** The live segments as SQL that yields one JSON array of rows, for reads that fetch them along with other things. */
export const LIVE_SEGMENTS_JSON = `(select coalesce(json_agg(s order by s."createdAt", s.id), '[]') from (select ${COLUMNS} from {t}.segments where deleted_at is null) s)`;

/** A row (or its JSON form, dates as text) as a record with its rule parsed. */
export function segmentRecordOf(row: SegmentRow | (Omit<SegmentRow, 'createdAt'> & { readonly createdAt: string })): SegmentRecord {
  const parsed = parseSegmentRule(row.rule);
  if (!parsed.ok) {
    const { problem } = parsed;
    const why = problemTextWithPath(problem);
    throw new Error(`segment ${row.id} holds a rule that no longer parses: ${why}`);
  }
  return { id: row.id, name: row.name, ruleJson: row.rule, rule: parsed.value, windowed: row.windowed, createdAt: new Date(row.createdAt) };
}

export async function liveSegments(sql: TenantSql): Promise<SegmentRecord[]> {
  return (await sql.query<SegmentRow>(`select ${COLUMNS} from {t}.segments where deleted_at is null order by created_at, id`)).map(segmentRecordOf);
}

export async function findSegment(sql: TenantSql, id: string): Promise<SegmentRecord | undefined> {
  const row = (await sql.query<SegmentRow>(`select ${COLUMNS} from {t}.segments where id = $1 and deleted_at is null`, [id]))[0];
  return row === undefined ? undefined : segmentRecordOf(row);
}

export async function findSegments(sql: TenantSql, ids: readonly string[]): Promise<SegmentRecord[]> {
  return (await sql.query<SegmentRow>(`select ${COLUMNS} from {t}.segments where id = any($1) and deleted_at is null`, [[...ids]])).map(segmentRecordOf);
}

export async function insertSegment(sql: TenantSql, input: { name: string; ruleJson: unknown; rule: SegmentRule }): Promise<SegmentRecord> {
  const rows = await sql.query<SegmentRow>(
    `insert into {t}.segments (id, name, rule, windowed) values ($1, $2, $3, $4) returning ${COLUMNS}`,
    [newId('sg'), input.name, JSON.stringify(input.ruleJson), isWindowed(input.rule)],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('the segment was not written');
  return segmentRecordOf(row);
}
