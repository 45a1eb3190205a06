/**
 * Brings leads' scores and segment memberships up to date with what they
 * hold now, and says what changed. Run after ingestion commits, after an
 * enrichment, by the rescoring workflow and by the windowed-segment sweep:
 * one code path, so a lead reached any way ends in the same state.
 */
import { MAX_RULE_WINDOW_DAYS, type LeadFacts } from '../../intelligence/leads/lead-facts.js';
import { eventNeedsOf } from '../../intelligence/scoring/scoring-model.js';
import { scoreLead } from '../../intelligence/scoring/score-lead.js';
import { matchesSegment } from '../../intelligence/segments/evaluate-segment.js';
import { eventNamesOf, lookbackMsOf } from '../../intelligence/segments/segment-rule.js';
import type { Sql } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import { currentScoringModel } from '../scoring/scoring-models.js';
import { liveSegments, type SegmentRecord } from '../segments/segment-records.js';
import { readLeadFacts } from './lead-facts.reader.js';

const DAY_MS = 86_400_000;

export type LeadChange =
  | { readonly kind: 'scored'; readonly leadId: string; readonly score: number; readonly previousScore: number; readonly at: Date }
  | { readonly kind: 'membership'; readonly segmentId: string; readonly leadId: string; readonly change: 'ENTERED' | 'EXITED'; readonly at: Date };

export interface EvaluationScope {
  /** The segments to evaluate (all live ones unless given, e.g. the windowed ones for the sweep). */
  readonly segments?: readonly SegmentRecord[];
}

/** The facts of these leads, scored and matched; writes what differs; returns the changes in the order they happened. */
export async function evaluateLeads(db: Sql, schema: string, leadIds: readonly string[], now: Date, scope: EvaluationScope = {}): Promise<LeadChange[]> {
  if (leadIds.length === 0) return [];
  const sql = tenantSql(db, schema);
  const { model } = await currentScoringModel(sql);
  const segments = scope.segments ?? (await liveSegments(sql));
  const needs = eventNeedsOf(model);
  const names = new Set([...needs.names, ...segments.flatMap((s) => eventNamesOf(s.rule))]);
  const lookbackMs = Math.max(needs.lookbackMs, ...segments.map((s) => lookbackMsOf(s.rule)));
  const facts = await readLeadFacts(sql, leadIds, { names: [...names], since: new Date(now.getTime() - Math.min(lookbackMs, MAX_RULE_WINDOW_DAYS * DAY_MS)) });
  if (facts.size === 0) return [];

  const scored: Array<{ facts: LeadFacts; score: number; breakdown: unknown }> = [];
  const changes: LeadChange[] = [];
  for (const lead of facts.values()) {
    const result = scoreLead(model, lead, now);
    scored.push({ facts: { ...lead, score: result.score }, score: result.score, breakdown: result.breakdown });
  }
  changes.push(...(await writeScores(sql, scored, now)));
  if (segments.length > 0) changes.push(...(await writeMemberships(sql, scored.map((s) => s.facts), segments, now)));
  return changes;
}

/** Score and breakdown where either changed; a change of score is reported with the score it replaced. */
async function writeScores(sql: TenantSql, scored: ReadonlyArray<{ facts: LeadFacts; score: number; breakdown: unknown }>, now: Date): Promise<LeadChange[]> {
  const rows = await sql.query<{ id: string; previous: number; score: number }>(
    `with v as (select * from unnest($1::text[], $2::int[], $3::jsonb[]) as v(id, score, breakdown)),
     old as (select l.id, l.score as previous from {t}.leads l join v on v.id = l.id for update of l)
     update {t}.leads l set score = v.score, score_breakdown = v.breakdown, scored_at = $4, updated_at = case when l.score <> v.score then now() else l.updated_at end
       from v join old on old.id = v.id
      where l.id = v.id and (l.score <> v.score or l.score_breakdown <> v.breakdown)
      returning l.id, old.previous, l.score`,
    [scored.map((s) => s.facts.id), scored.map((s) => s.score), scored.map((s) => JSON.stringify(s.breakdown)), now],
  );
  return rows
    .filter((row) => row.previous !== row.score)
    .map((row) => ({ kind: 'scored', leadId: row.id, score: row.score, previousScore: row.previous, at: now }));
}

/**
 * Opens a stay for each lead that now matches a segment and has none open,
 * closes the open stays of leads that no longer match. Only rows this call
 * changed are reported, so two evaluations racing over one lead report each
 * change once.
 */
async function writeMemberships(sql: TenantSql, leads: readonly LeadFacts[], segments: readonly SegmentRecord[], now: Date): Promise<LeadChange[]> {
  const segmentIds = segments.map((s) => s.id);
  const open = await sql.query<{ segmentId: string; leadId: string }>(
    `select segment_id as "segmentId", lead_id as "leadId" from {t}.segment_memberships
      where lead_id = any($1) and segment_id = any($2) and exited_at is null`,
    [leads.map((l) => l.id), segmentIds],
  );
  const isOpen = new Set(open.map((m) => `${m.segmentId}\u0000${m.leadId}`));
  const enter: Array<{ segmentId: string; leadId: string }> = [];
  const exit: Array<{ segmentId: string; leadId: string }> = [];
  for (const segment of segments) {
    for (const lead of leads) {
      const inside = isOpen.has(`${segment.id}\u0000${lead.id}`);
      const matches = matchesSegment(segment.rule, lead, now);
      if (matches && !inside) enter.push({ segmentId: segment.id, leadId: lead.id });
      if (!matches && inside) exit.push({ segmentId: segment.id, leadId: lead.id });
    }
  }
  const changes: LeadChange[] = [];
  if (exit.length > 0) {
    const closed = await sql.query<{ segmentId: string; leadId: string }>(
      `update {t}.segment_memberships m set exited_at = $3
         from unnest($1::text[], $2::text[]) as v(segment_id, lead_id)
        where m.segment_id = v.segment_id and m.lead_id = v.lead_id and m.exited_at is null
        returning m.segment_id as "segmentId", m.lead_id as "leadId"`,
      [exit.map((e) => e.segmentId), exit.map((e) => e.leadId), now],
    );
    changes.push(...closed.map((m) => ({ kind: 'membership' as const, ...m, change: 'EXITED' as const, at: now })));
  }
  if (enter.length > 0) {
    const opened = await sql.query<{ segmentId: string; leadId: string }>(
      `insert into {t}.segment_memberships (segment_id, lead_id, entered_at)
       select segment_id, lead_id, $3 from unnest($1::text[], $2::text[]) as v(segment_id, lead_id)
       on conflict (segment_id, lead_id) where exited_at is null do nothing
       returning segment_id as "segmentId", lead_id as "leadId"`,
      [enter.map((e) => e.segmentId), enter.map((e) => e.leadId), now],
    );
    changes.push(...opened.map((m) => ({ kind: 'membership' as const, ...m, change: 'ENTERED' as const, at: now })));
  }
  return changes;
}
