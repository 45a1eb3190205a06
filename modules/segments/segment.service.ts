/**
 * Segments for the API: rules validated with the path of a bad node,
 * backfilled when made (the rule compiled to SQL, one statement), counted
 * and listed through the same compiled SQL, and deleted with their open
 * stays closed. Incremental membership is the lead-change pipeline's.
 */
import { compileSegment } from '../../intelligence/segments/compile-segment.js';
import { parseSegmentRule } from '../../intelligence/segments/segment-rule.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { Database, SqlValue } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { segmentMembersSql } from '../leads/lead-reads.js';
import type { TenantRef } from '../lead-changes/lead-change-pipeline.js';
import { findSegment, findSegments, insertSegment, liveSegments, type SegmentRecord } from './segment-records.js';

export const MAX_SEGMENTS_PER_TENANT = 500;

export interface SegmentService {
  create(tenant: TenantRef, input: { name: string; rule: unknown }): Promise<Outcome<SegmentRecord>>;
  remove(tenant: TenantRef, id: string): Promise<Outcome<true>>;
  list(tenant: TenantRef): Promise<SegmentRecord[]>;
  find(tenant: TenantRef, id: string): Promise<SegmentRecord | undefined>;
  /** Live leads the rule matches now. */
  count(tenant: TenantRef, segment: SegmentRecord): Promise<number>;
  /** The segments a lead is in now (its open stays). */
  segmentsOfLeads(tenant: TenantRef, leadIds: readonly string[]): Promise<Map<string, SegmentRecord[]>>;
}

export function createSegmentService(deps: {
  db: Database;
  now: () => Date;
  /** The tenant now has a windowed segment: time must be swept (the schedule is made once). */
  onWindowedSegment: (tenant: TenantRef) => Promise<void>;
}): SegmentService {
  const sqlOf = (tenant: TenantRef) => tenantSql(deps.db, tenant.schema);

  return {
    async create(tenant, input) {
      const name = input.name.trim();
      if (name === '' || name.length > 200) return failure(invalidInput(['input', 'name'], 'must be 1 to 200 characters'));
      const parsed = parseSegmentRule(input.rule, ['input', 'rule']);
      if (!parsed.ok) return failure(parsed.problem);
      const segment = await deps.db.transaction(async (tx) => {
        const sql = tenantSql(tx, tenant.schema);
        const [held] = await sql.query<{ n: number }>('select count(*)::int as n from {t}.segments where deleted_at is null');
        if ((held?.n ?? 0) >= MAX_SEGMENTS_PER_TENANT) return undefined;
        const created = await insertSegment(sql, { name, ruleJson: input.rule, rule: parsed.value });
        // The backfill: every live lead the rule matches now enters, in one statement.
        const values: SqlValue[] = [created.id, deps.now()];
        const members = segmentMembersSql(created.rule, deps.now(), values);
        await sql.query(`insert into {t}.segment_memberships (segment_id, lead_id, entered_at) select $1, id, $2 from (${members}) m`, values);
        return created;
      });
      if (segment === undefined) return failure(invalidInput(['input'], `a tenant holds at most ${MAX_SEGMENTS_PER_TENANT} segments`));
      if (segment.windowed) await deps.onWindowedSegment(tenant);
      return success(segment);
    },

    async remove(tenant, id) {
      const removed = await deps.db.transaction(async (tx) => {
        const sql = tenantSql(tx, tenant.schema);
        const rows = await sql.query('update {t}.segments set deleted_at = now() where id = $1 and deleted_at is null returning id', [id]);
        if (rows.length === 0) return false;
        await sql.query('update {t}.segment_memberships set exited_at = now() where segment_id = $1 and exited_at is null', [id]);
        return true;
      });
      return removed ? success(true) : failure(notFound('Segment'));
    },

    list: (tenant) => liveSegments(sqlOf(tenant)),
    find: (tenant, id) => findSegment(sqlOf(tenant), id),

    async count(tenant, segment) {
      const compiled = compileSegment(segment.rule, deps.now(), { firstParam: 1 });
      const rows = await sqlOf(tenant).query<{ n: number }>(
        `select count(*)::int as n from {t}.leads l left join {t}.companies c on c.id = l.company_id where l.merged_into is null and (${compiled.where})`,
        compiled.values,
      );
      return rows[0]?.n ?? 0;
    },

    async segmentsOfLeads(tenant, leadIds) {
      const sql = sqlOf(tenant);
      const stays = await sql.query<{ leadId: string; segmentId: string }>(
        `select m.lead_id as "leadId", m.segment_id as "segmentId" from {t}.segment_memberships m
           join {t}.segments s on s.id = m.segment_id and s.deleted_at is null
          where m.lead_id = any($1) and m.exited_at is null order by m.entered_at`,
        [[...leadIds]],
      );
      const segments = new Map((await findSegments(sql, [...new Set(stays.map((s) => s.segmentId))])).map((s) => [s.id, s]));
      const byLead = new Map<string, SegmentRecord[]>();
      for (const stay of stays) {
        const segment = segments.get(stay.segmentId);
        if (segment !== undefined) byLead.set(stay.leadId, [...(byLead.get(stay.leadId) ?? []), segment]);
      }
      return byLead;
    },
  };
}
