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
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { SegmentRecord } from '../segments/segment-records.js';
import { readEvaluationInputs, readLeadEvents, stayKey, type EventFilter } from './evaluation-inputs.reader.js';
import { writeEvaluation } from './lead-changes.repository.js';

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
export async function evaluateLeads(db: TenantDb, leadIds: readonly string[], now: Date, scope: EvaluationScope = {}): Promise<LeadChange[]> {
  if (leadIds.length === 0) return [];
  const guessed = scope.segments === undefined ? (scope.needsMemo?.get(db.schema) ?? NO_EVENTS) : NO_EVENTS;
  const inputs = await readEvaluationInputs(db, leadIds, filterOf(guessed, now));
  const segments = scope.segments ?? inputs.segments;
  const needs = needsOf(inputs.model.model, segments);
  if (scope.segments === undefined) scope.needsMemo?.set(db.schema, needs);
  let leads = [...inputs.leads.values()];
  if (leads.length === 0) return [];
  // A business email links its company now, not only when enrichment runs: scored below with it.
  const linked = await linkEmailCompanies(db, leads, inputs.heldCompanies);
  if (linked.size > 0) leads = leads.map((lead) => ({ ...lead, company: linked.get(lead.id) ?? lead.company }));
  if (!sameNeeds(needs, guessed)) {
    const events = await readLeadEvents(db, leads.map((lead) => lead.id), filterOf(needs, now));
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
  return writeOutcome(db, { scored, enter, exit }, now);
}

interface Stay {
  readonly segmentId: string;
  readonly leadId: string;
}

const KIND_ORDER = { scored: 0, exited: 1, entered: 2 } as const;

/**
 * Scores and breakdowns where either changed (a change of score reported
 * with the score it replaced), the open stays of leads that no longer match
 * closed, a stay opened for each lead that now matches and has none open: one
 * statement (writeEvaluation), whose rows are the changes it made.
 */
async function writeOutcome(
  db: TenantDb,
  outcome: { scored: ReadonlyArray<{ facts: LeadFacts; breakdown: unknown }>; enter: readonly Stay[]; exit: readonly Stay[] },
  now: Date,
): Promise<LeadChange[]> {
  const { scored, enter, exit } = outcome;
  const rows = await writeEvaluation(db, {
    scores: scored.map((s) => ({ leadId: s.facts.id, score: s.facts.score, breakdown: s.breakdown })),
    exits: exit,
    entries: enter,
    at: now,
  });
  return rows
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    .map((row): LeadChange => {
      if (row.kind === 'scored' && row.score !== null && row.previous !== null) return { kind: 'scored', leadId: row.leadId, score: row.score, previousScore: row.previous, at: now };
      if (row.kind !== 'scored' && row.segmentId !== null) return { kind: 'membership', segmentId: row.segmentId, leadId: row.leadId, change: row.kind === 'entered' ? 'ENTERED' : 'EXITED', at: now };
      throw new Error(`the evaluation's write returned an incomplete ${row.kind} row for lead ${row.leadId}`);
    });
}
