/** Segments as records: the rule as the tenant wrote it (validated), and whether it looks at time windows. */
import { isWindowed, parseSegmentRule, type SegmentRule } from '../../intelligence/segments/segment-rule.js';
import { problemTextWithPath } from '../../platform/outcome.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { insertSegment, liveSegmentRow, liveSegmentRows, liveSegmentRowsOf, type SegmentJsonRow, type SegmentRow } from './segments.repository.js';

export interface SegmentRecord {
  readonly id: string;
  readonly name: string;
  /** As written: what the API shows. */
  readonly ruleJson: unknown;
  readonly rule: SegmentRule;
  readonly windowed: boolean;
  readonly createdAt: Date;
}

/** A row (or its JSON form, dates as text) as a record with its rule parsed. */
export function segmentRecordOf(row: SegmentRow | SegmentJsonRow): SegmentRecord {
  const parsed = parseSegmentRule(row.rule);
  if (!parsed.ok) {
    const { problem } = parsed;
    const why = problemTextWithPath(problem);
    throw new Error(`segment ${row.id} holds a rule that no longer parses: ${why}`);
  }
  return { id: row.id, name: row.name, ruleJson: row.rule, rule: parsed.value, windowed: row.windowed, createdAt: new Date(row.created_at) };
}

export async function liveSegments(db: TenantDb): Promise<SegmentRecord[]> {
  return (await liveSegmentRows(db)).map(segmentRecordOf);
}

export async function findSegment(db: TenantDb, id: string): Promise<SegmentRecord | undefined> {
  const row = await liveSegmentRow(db, id);
  return row === undefined ? undefined : segmentRecordOf(row);
}

export async function findSegments(db: TenantDb, ids: readonly string[]): Promise<SegmentRecord[]> {
  return (await liveSegmentRowsOf(db, ids)).map(segmentRecordOf);
}

export async function createSegmentRecord(db: TenantDb, input: { name: string; ruleJson: unknown; rule: SegmentRule }): Promise<SegmentRecord> {
  return segmentRecordOf(await insertSegment(db, { id: newId('sg'), name: input.name, ruleJson: input.ruleJson, windowed: isWindowed(input.rule) }));
}
