/**
 * Brings leads' scores and segment memberships up to date with what they
 * hold now, and says what changed. Run after ingestion commits, after an
 * enrichment, by the rescoring workflow and by the windowed-segment sweep:
 * one code path, so a lead reached any way ends in the same state.
 */
import { MAX_RULE_WINDOW_DAYS, type LeadFacts } from '../../intelligence/leads/lead-facts.js';
import { linkEmailCompanies } from '../companies/email-companies.js';
import { eventNeedsOf, type ScoringModel } from '../../intelligence/scoring/scoring-model.js';
import { scoreLead } from '../../intelligence/scoring/score-lead.js';
import { matchesSegment } from '../../intelligence/segments/evaluate-segment.js';
import { eventNamesOf, lookbackMsOf } from '../../intelligence/segments/segment-rule.js';
import type { Sql } from '../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../platform/postgres/tenant-sql.js';
import type { SegmentRecord } from '../segments/segment-records.js';
import { readEvaluationInputs, readLeadEvents, stayKey, type EventFilter } from './evaluation-inputs.reader.js';

const DAY_MS = 86_400_000;

export type LeadChange =
  | { readonly kind: 'scored'; readonly leadId: string; readonly score: number; readonly previousScore: number; readonly at: Date }
  | { readonly kind: 'membership'; readonly segmentId: string; readonly leadId: string; readonly change: 'ENTERED' | 'EXITED'; readonly at: Date };

/** The events a tenant's rules look at: these names (sorted), this far back. */
export interface EventNeeds {
  readonly names: readonly string[];
  readonly lookbackMs: number;
}

export interface EvaluationScope {
  /** The segments to evaluate (all live ones unless given, e.g. the windowed ones for the sweep). */
  readonly segments?: readonly SegmentRecord[];
  /**
   * The event needs of each tenant's last full evaluation, by schema: the
   * next one reads the events it guesses from here in its first statement,
   * and updates it.
   */
  readonly needsMemo?: Map<string, EventNeeds>;
}

const NO_EVENTS: EventNeeds = { names: [], lookbackMs: 0 };

function needsOf(model: ScoringModel, segments: readonly SegmentRecord[]): EventNeeds {
  const modelNeeds = eventNeedsOf(model);
  const names = new Set([...modelNeeds.names, ...segments.flatMap((s) => eventNamesOf(s.rule))]);
  const lookbackMs = Math.max(modelNeeds.lookbackMs, ...segments.map((s) => lookbackMsOf(s.rule)));
  return { names: [...names].sort(), lookbackMs: Math.min(lookbackMs, MAX_RULE_WINDOW_DAYS * DAY_MS) };
}

const sameNeeds = (a: EventNeeds, b: EventNeeds): boolean =>
  a.lookbackMs === b.lookbackMs && a.names.length === b.names.length && a.names.every((name, i) => name === b.names[i]);

const filterOf = (needs: EventNeeds, now: Date): EventFilter => ({ names: needs.names, since: new Date(now.getTime() - needs.lookbackMs) });

/** The facts of these leads, scored and matched; writes what differs; returns the changes in the order they happened. */
export async function evaluateLeads(db: Sql, schema: string, leadIds: readonly string[], now: Date, scope: EvaluationScope = {}): Promise<LeadChange[]> {
  if (leadIds.length === 0) return [];
  const sql = tenantSql(db, schema);
  const guessed = scope.segments === undefined ? (scope.needsMemo?.get(schema) ?? NO_EVENTS) : NO_EVENTS;
  const inputs = await readEvaluationInputs(sql, leadIds, filterOf(guessed, now));
  const segments = scope.segments ?? inputs.segments;
  const needs = needsOf(inputs.model.model, segments);
  if (scope.segments === undefined) scope.needsMemo?.set(schema, needs);
  let leads = [...inputs.leads.values()];
  if (leads.length === 0) return [];
  // A business email links its company now, not only when enrichment runs: scored below with it.
  const linked = await linkEmailCompanies(sql, leads, inputs.heldCompanies);
  if (linked.size > 0) leads = leads.map((lead) => ({ ...lead, company: linked.get(lead.id) ?? lead.company }));
  if (!sameNeeds(needs, guessed)) {
    const events = await readLeadEvents(sql, leads.map((lead) => lead.id), filterOf(needs, now));
    leads = leads.map((lead) => ({ ...lead, events: events.get(lead.id) ?? [] }));
  }

  const scored = leads.map((lead) => {
    const result = scoreLead(inputs.model.model, lead, now);
    return { facts: { ...lead, score: result.score } satisfies LeadFacts, breakdown: result.breakdown };
  });
  const enter: Stay[] = [];
  const exit: Stay[] = [];
  for (const segment of segments) {
    for (const { facts } of scored) {
      const inside = inputs.open.has(stayKey(segment.id, facts.id));
      const matches = matchesSegment(segment.rule, facts, now);
      if (matches && !inside) enter.push({ segmentId: segment.id, leadId: facts.id });
      if (!matches && inside) exit.push({ segmentId: segment.id, leadId: facts.id });
    }
  }
  return writeOutcome(sql, { scored, enter, exit }, now);
}

interface Stay {
  readonly segmentId: string;
  readonly leadId: string;
}

const KIND_ORDER = { scored: 0, exited: 1, entered: 2 } as const;

/**
 * In one statement: score and breakdown where either changed (a change of
 * score reported with the score it replaced); the open stays of leads that no
 * longer match closed, a stay opened for each lead that now matches and has
 * none open. Only rows this statement changed are reported, so two
 * evaluations racing over one lead report each change once. Lead rows are
 * locked in id order and without the key (scores are not keys): ingestion's
 * events, sessions and identities hold key-share locks on their leads until
 * they commit, which a full row lock would wait for, and a wait in both
 * directions is a deadlock PostgreSQL takes a second to see.
 */
async function writeOutcome(
  sql: TenantSql,
  outcome: { scored: ReadonlyArray<{ facts: LeadFacts; breakdown: unknown }>; enter: readonly Stay[]; exit: readonly Stay[] },
  now: Date,
): Promise<LeadChange[]> {
  const { scored, enter, exit } = outcome;
  const rows = await sql.query<{ kind: keyof typeof KIND_ORDER; leadId: string; segmentId: string | null; previous: number | null; score: number | null }>(
    `with v as (select * from unnest($1::text[], $2::int[], $3::jsonb[]) as v(id, score, breakdown)),
     old as (select l.id, l.score as previous from {t}.leads l join v on v.id = l.id order by l.id for no key update of l),
     scored as (
       update {t}.leads l set score = v.score, score_breakdown = v.breakdown, scored_at = $4,
              updated_at = case when l.score <> v.score then now() else l.updated_at end
         from v join old on old.id = v.id
        where l.id = v.id and (l.score <> v.score or l.score_breakdown <> v.breakdown)
        returning l.id, old.previous, l.score),
     closed as (
       update {t}.segment_memberships m set exited_at = $4
         from unnest($5::text[], $6::text[]) as x(segment_id, lead_id)
        where m.segment_id = x.segment_id and m.lead_id = x.lead_id and m.exited_at is null
        returning m.segment_id, m.lead_id),
     opened as (
       insert into {t}.segment_memberships (segment_id, lead_id, entered_at)
       select segment_id, lead_id, $4 from unnest($7::text[], $8::text[]) as x(segment_id, lead_id)
       on conflict (segment_id, lead_id) where exited_at is null do nothing
       returning segment_id, lead_id)
     select 'scored' as kind, id as "leadId", null::text as "segmentId", previous, score from scored where previous <> score
     union all select 'exited', lead_id, segment_id, null, null from closed
     union all select 'entered', lead_id, segment_id, null, null from opened`,
    [
      scored.map((s) => s.facts.id),
      scored.map((s) => s.facts.score),
      scored.map((s) => JSON.stringify(s.breakdown)),
      now,
      exit.map((e) => e.segmentId),
      exit.map((e) => e.leadId),
      enter.map((e) => e.segmentId),
      enter.map((e) => e.leadId),
    ],
  );
  return rows
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    .map((row): LeadChange => {
      if (row.kind === 'scored' && row.score !== null && row.previous !== null) return { kind: 'scored', leadId: row.leadId, score: row.score, previousScore: row.previous, at: now };
      if (row.kind !== 'scored' && row.segmentId !== null) return { kind: 'membership', segmentId: row.segmentId, leadId: row.leadId, change: row.kind === 'entered' ? 'ENTERED' : 'EXITED', at: now };
      throw new Error(`the evaluation's write returned an incomplete ${row.kind} row for lead ${row.leadId}`);
    });
}
