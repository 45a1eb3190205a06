import { scoreRangeOf, type LeadTier } from '../../intelligence/scoring/lead-tier.js';
import { compileSegment } from '../../intelligence/segments/compile-segment.js';
import type { SegmentRule } from '../../intelligence/segments/segment-rule.js';
import type { SqlValue } from '../../platform/postgres/database.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { CURSOR_TIMESTAMP_SQL, encodeLeadCursor, type LeadPosition } from './lead-cursor.js';
import { COMPANY_COLUMNS, LEAD_COLUMNS, type CompanyRecord, type LeadRecord } from './lead-records.js';

export interface LeadListFilter {
  readonly tier?: LeadTier;
  readonly minScore?: number;
  readonly email?: string;
  /** The manual review queue: leads flagged because no source found anything for them (true), or the others (false). */
  readonly needsManualEnrichment?: boolean;
  /** Members of a segment: its rule compiled to SQL, evaluated at `now`. */
  readonly segment?: { readonly rule: SegmentRule; readonly now: Date };
}

export interface LeadPage {
  readonly edges: ReadonlyArray<{ readonly cursor: string; readonly node: LeadRecord }>;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  readonly totalCount: number;
}

// A lead absorbed by a merge keeps its row for the undo; no read ever shows it.
const LIVE = 'merged_into is null';

export async function findLead(sql: TenantSql, id: string): Promise<LeadRecord | undefined> {
  const rows = await sql.query<LeadRecord>(`select ${LEAD_COLUMNS} from {t}.leads where id = $1 and ${LIVE}`, [id]);
  return rows[0];
}

export async function findLeads(sql: TenantSql, ids: readonly string[]): Promise<LeadRecord[]> {
  const rows = await sql.query<LeadRecord>(`select ${LEAD_COLUMNS} from {t}.leads where id = any($1) and ${LIVE}`, [ids]);
  return ids.flatMap((id) => rows.filter((row) => row.id === id));
}

export async function findLeadByEmail(sql: TenantSql, email: string): Promise<LeadRecord | undefined> {
  const rows = await sql.query<LeadRecord>(`select ${LEAD_COLUMNS} from {t}.leads where lower(email) = lower($1) and ${LIVE}`, [
    email.trim(),
  ]);
  return rows[0];
}

export async function findCompanyByDomain(sql: TenantSql, domain: string): Promise<CompanyRecord | undefined> {
  const rows = await sql.query<CompanyRecord>(`select ${COMPANY_COLUMNS} from {t}.companies where lower(domain) = lower($1)`, [
    domain.trim(),
  ]);
  return rows[0];
}

export async function findCompanyById(sql: TenantSql, id: string): Promise<CompanyRecord | undefined> {
  const rows = await sql.query<CompanyRecord>(`select ${COMPANY_COLUMNS} from {t}.companies where id = $1`, [id]);
  return rows[0];
}

function filterClause(filter: LeadListFilter, values: SqlValue[]): string {
  const conditions = [LIVE];
  const param = (value: SqlValue) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.email !== undefined) conditions.push(`lower(email) = lower(${param(filter.email.trim())})`);
  if (filter.minScore !== undefined) conditions.push(`score >= ${param(filter.minScore)}`);
  if (filter.needsManualEnrichment !== undefined) conditions.push(`needs_manual_enrichment = ${param(filter.needsManualEnrichment)}`);
  if (filter.tier !== undefined) {
    const range = scoreRangeOf(filter.tier);
    conditions.push(`score between ${param(range.min)} and ${param(range.max)}`);
  }
  if (filter.segment !== undefined) conditions.push(`id in (${segmentMembersSql(filter.segment.rule, filter.segment.now, values)})`);
  return conditions.join(' and ');
}

/** The ids of live leads a segment's rule matches at `now`; its values are appended to `values`. */
export function segmentMembersSql(rule: SegmentRule, now: Date, values: SqlValue[]): string {
  const compiled = compileSegment(rule, now, { firstParam: values.length + 1 });
  values.push(...compiled.values);
  return `select l.id from {t}.leads l left join {t}.companies c on c.id = l.company_id where l.merged_into is null and (${compiled.where})`;
}

/** One page in the order (created_at desc, id desc), after `after` when given; totalCount counts the whole filtered set. */
export async function listLeads(
  sql: TenantSql,
  opts: { first: number; after?: LeadPosition; filter: LeadListFilter },
): Promise<LeadPage> {
  const countValues: SqlValue[] = [];
  const countWhere = filterClause(opts.filter, countValues);
  const pageValues: SqlValue[] = [];
  let pageWhere = filterClause(opts.filter, pageValues);
  if (opts.after !== undefined) {
    pageValues.push(opts.after.createdAt, opts.after.id);
    pageWhere += ` and (created_at, id) < ($${pageValues.length - 1}::timestamptz, $${pageValues.length})`;
  }
  pageValues.push(opts.first + 1);
  const [rows, counted] = await Promise.all([
    sql.query<LeadRecord & { position: string }>(
      `select ${LEAD_COLUMNS}, ${CURSOR_TIMESTAMP_SQL} as position from {t}.leads
        where ${pageWhere} order by created_at desc, id desc limit $${pageValues.length}`,
      pageValues,
    ),
    sql.query<{ n: number }>(`select count(*)::int as n from {t}.leads where ${countWhere}`, countValues),
  ]);
  const edges = rows.slice(0, opts.first).map(({ position, ...node }) => ({
    cursor: encodeLeadCursor({ createdAt: position, id: node.id }),
    node,
  }));
  return {
    edges,
    hasNextPage: rows.length > opts.first,
    endCursor: edges.at(-1)?.cursor ?? null,
    totalCount: counted[0]?.n ?? 0,
  };
}
