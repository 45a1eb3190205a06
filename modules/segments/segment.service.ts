/**
 * Segments for the API: rules validated with the path of a bad node,
 * backfilled when made (the rule compiled to SQL, one statement), counted
 * and listed through the same compiled SQL, and deleted with their open
 * stays closed. Incremental membership is the lead-change pipeline's.
 */
import { parseSegmentRule } from '../../intelligence/segments/segment-rule.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb, TenantIdentity } from '../../tenants/tenant-db.js';
import { createSegmentRecord, findSegment, findSegments, liveSegments, type SegmentRecord } from './segment-records.js';
import { closeStaysOfSegment, countLiveSegments, countMatchingLeads, enterMatchingLeads, markSegmentDeleted, openStaysOfLeads } from './segments.repository.js';

export const MAX_SEGMENTS_PER_TENANT = 500;

export interface SegmentService {
  create(db: TenantDb, input: { name: string; rule: unknown }): Promise<Outcome<SegmentRecord>>;
  remove(db: TenantDb, id: string): Promise<Outcome<true>>;
  list(db: TenantDb): Promise<SegmentRecord[]>;
  find(db: TenantDb, id: string): Promise<SegmentRecord | undefined>;
  /** Live leads the rule matches now. */
  count(db: TenantDb, segment: SegmentRecord): Promise<number>;
  /** The segments a lead is in now (its open stays). */
  segmentsOfLeads(db: TenantDb, leadIds: readonly string[]): Promise<Map<string, SegmentRecord[]>>;
}

export function createSegmentService(deps: {
  now: () => Date;
  /** The tenant now has a windowed segment: time must be swept (the schedule is made once). */
  onWindowedSegment: (tenant: TenantIdentity) => Promise<void>;
}): SegmentService {
  return {
    async create(db, input) {
      const name = input.name.trim();
      if (name === '' || name.length > 200) return failure(invalidInput(['input', 'name'], 'must be 1 to 200 characters'));
      const parsed = parseSegmentRule(input.rule, ['input', 'rule']);
      if (!parsed.ok) return failure(parsed.problem);
      const segment = await db.transaction(async (tx) => {
        if ((await countLiveSegments(tx)) >= MAX_SEGMENTS_PER_TENANT) return undefined;
        const created = await createSegmentRecord(tx, { name, ruleJson: input.rule, rule: parsed.value });
        await enterMatchingLeads(tx, created.id, created.rule, deps.now());
        return created;
      });
      if (segment === undefined) return failure(invalidInput(['input'], `a tenant holds at most ${MAX_SEGMENTS_PER_TENANT} segments`));
      if (segment.windowed) await deps.onWindowedSegment(db);
      return success(segment);
    },

    async remove(db, id) {
      const removed = await db.transaction(async (tx) => {
        if (!(await markSegmentDeleted(tx, id))) return false;
        await closeStaysOfSegment(tx, id);
        return true;
      });
      return removed ? success(true) : failure(notFound('Segment'));
    },

    list: (db) => liveSegments(db),
    find: (db, id) => findSegment(db, id),
    count: (db, segment) => countMatchingLeads(db, segment.rule, deps.now()),

    async segmentsOfLeads(db, leadIds) {
      const stays = await openStaysOfLeads(db, leadIds);
      const segments = new Map((await findSegments(db, [...new Set(stays.map((s) => s.segment_id))])).map((s) => [s.id, s]));
      const byLead = new Map<string, SegmentRecord[]>();
      for (const stay of stays) {
        const segment = segments.get(stay.segment_id);
        if (segment !== undefined) byLead.set(stay.lead_id, [...(byLead.get(stay.lead_id) ?? []), segment]);
      }
      return byLead;
    },
  };
}
