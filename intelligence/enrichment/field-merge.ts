/**
 * The merge policy: which value a lead holds for a field when providers (and
 * the tenant) disagree. Pure: `now` is an argument.
 *
 * A value a person set (source `manual`) is held until a person sets another:
 * no provider, import or re-enrichment replaces it, and what they say instead
 * is kept in `conflicts`.
 *
 * Against any other held value, a candidate with
 * - the same value (JSON-equal) corroborates it: the expiry restarts, the higher
 *   confidence (and the source vouching for it) is kept, verified if either is;
 * - a different value wins, in this order:
 *   1. both supplied by the tenant: the newer one, whatever its confidence;
 *   2. the held value is stale: a candidate of at least its confidence;
 *   3. the held value is supplied by the tenant: only a verified candidate of at
 *      least its confidence;
 *   4. verified beats inferred;
 *   5. otherwise the higher confidence, a tie going to the newer value.
 * The losing value is kept in `conflicts`.
 */
import type { FieldCandidate, ProviderAnswer } from './enrichment-types.js';
import { expiresAtFor, isStale, type EnrichedFieldState, type FieldConflict } from './field-provenance.js';
import { jsonEqual } from './json-equal.js';

/** Enough to show that sources disagree and how; older disagreements add nothing to decide by. */
export const MAX_CONFLICTS = 5;

/** The source of a value a person set by hand (`setEnrichedField`). */
export const MANUAL_SOURCE = 'manual';
/** A person's value does not go stale as a provider's does: it is checked by a person, not re-fetched. */
export const MANUAL_TTL_DAYS = 36_500;

export type MergeCandidate = FieldCandidate & { readonly source: string; readonly supplied?: boolean };

export interface MergeOptions {
  readonly now: Date;
  readonly ttlDays: number;
  /** The tenant's: a value under it is held but shown as unverified. */
  readonly confidenceThreshold: number;
}

export function mergeField(current: EnrichedFieldState | undefined, candidate: MergeCandidate, opts: MergeOptions): EnrichedFieldState {
  if (current !== undefined && current.field !== candidate.field) {
    throw new Error(`cannot merge ${candidate.field} into ${current.field}`);
  }
  const incoming: EnrichedFieldState = {
    field: candidate.field,
    value: candidate.value,
    confidence: clampConfidence(candidate.confidence),
    source: candidate.source,
    verified: candidate.verified,
    supplied: candidate.supplied ?? false,
    fetchedAt: opts.now,
    expiresAt: expiresAtFor(opts.now, opts.ttlDays),
    belowThreshold: false,
    conflicts: [],
  };
  if (current === undefined) return withThreshold(incoming, opts);
  if (current.source === MANUAL_SOURCE && incoming.source !== MANUAL_SOURCE) {
    if (jsonEqual(current.value, incoming.value)) return withThreshold(current, opts);
    return withThreshold({ ...current, conflicts: recordConflict(current.conflicts, incoming, current.value) }, opts);
  }
  if (jsonEqual(current.value, incoming.value)) return withThreshold(corroborate(current, incoming), opts);
  if (candidateWins(current, incoming, opts.now)) {
    return withThreshold({ ...incoming, conflicts: recordConflict(current.conflicts, current, incoming.value) }, opts);
  }
  return withThreshold({ ...current, conflicts: recordConflict(current.conflicts, incoming, current.value) }, opts);
}

function candidateWins(current: EnrichedFieldState, incoming: EnrichedFieldState, now: Date): boolean {
  // The tenant correcting its own data is not a provider overwriting it.
  if (current.supplied && incoming.supplied) return true;
  // An expired value no longer vouches for the present: its verification was of
  // the past, so a fresh value as confident replaces it. Staleness never makes a
  // held value harder to replace, hence the fall-through to the rules below.
  if (isStale(current, now) && incoming.confidence >= current.confidence) return true;
  // The tenant's word outranks a guess, however confident; evidence (an MX record
  // answering, a registry entry) as strong as the tenant's own confidence may
  // replace it, as imports go out of date (people change jobs, companies grow).
  if (current.supplied) return incoming.verified && incoming.confidence >= current.confidence;
  if (incoming.verified !== current.verified) return incoming.verified;
  return incoming.confidence >= current.confidence;
}

/** The value stays (so its form as first stored); only its trust and freshness move. */
function corroborate(current: EnrichedFieldState, incoming: EnrichedFieldState): EnrichedFieldState {
  const stronger = incoming.confidence > current.confidence ? incoming : current;
  return {
    ...current,
    confidence: stronger.confidence,
    source: stronger.source,
    verified: current.verified || incoming.verified,
    supplied: current.supplied || incoming.supplied,
    fetchedAt: incoming.fetchedAt,
    expiresAt: incoming.expiresAt,
  };
}

/** Most recent first; one entry per value and source; none holding the winning value. */
function recordConflict(conflicts: readonly FieldConflict[], loser: FieldConflict, winningValue: unknown): FieldConflict[] {
  const entry: FieldConflict = { value: loser.value, confidence: loser.confidence, source: loser.source, fetchedAt: loser.fetchedAt };
  const others = conflicts.filter(
    (c) => !jsonEqual(c.value, winningValue) && !(c.source === entry.source && jsonEqual(c.value, entry.value)),
  );
  // Stable sort: on equal times the entry just recorded comes first.
  return [entry, ...others].sort((a, b) => b.fetchedAt.getTime() - a.fetchedAt.getTime()).slice(0, MAX_CONFLICTS);
}

function withThreshold(state: EnrichedFieldState, opts: MergeOptions): EnrichedFieldState {
  return { ...state, belowThreshold: state.confidence < opts.confidenceThreshold };
}

/** A vendor's 1.2 must not outrank every honest 1.0, nor its NaN win anything. */
function clampConfidence(confidence: number): number {
  if (Number.isNaN(confidence)) return 0;
  return Math.min(1, Math.max(0, confidence));
}

export interface MergeOutcome {
  readonly fields: Map<string, EnrichedFieldState>;
  /** Fields whose held value differs from before the merge (new fields included), sorted. */
  readonly changed: string[];
  /** Some provider returned at least one value. */
  readonly matched: boolean;
  /** No provider returned anything and the lead holds no field. */
  readonly needsManualEnrichment: boolean;
}

/**
 * Merges a run's answers, in waterfall order, into what the lead holds. A
 * failure or a no-match adds nothing; a candidate whose value is null or absent
 * is a provider's silence, not a value, and neither merges nor makes a match (so
 * a "match" carrying no value counts as none: it returned no data).
 */
export function mergeAnswers(
  current: ReadonlyMap<string, EnrichedFieldState>,
  answers: ReadonlyArray<{ readonly source: string; readonly answer: ProviderAnswer }>,
  opts: MergeOptions,
): MergeOutcome {
  // The threshold is the tenant's today: fields no provider touched follow it too.
  const fields = new Map<string, EnrichedFieldState>();
  for (const [field, state] of current) fields.set(field, withThreshold(state, opts));
  let matched = false;
  for (const { source, answer } of answers) {
    if (answer.kind !== 'match') continue;
    for (const candidate of answer.fields) {
      if (candidate.value === null || candidate.value === undefined) continue;
      matched = true;
      fields.set(candidate.field, mergeField(fields.get(candidate.field), { ...candidate, source, supplied: candidate.supplied ?? false }, opts));
    }
  }
  const changed = [...fields]
    .filter(([field, after]) => {
      const before = current.get(field);
      return before === undefined || !jsonEqual(before.value, after.value);
    })
    .map(([field]) => field)
    .sort();
  return { fields, changed, matched, needsManualEnrichment: !matched && fields.size === 0 };
}

/**
 * A person's value for a field: source manual, confidence 1, verified, the
 * tenant's own; the value it replaces (a provider's or an earlier person's)
 * is kept in `conflicts`.
 */
export function setManualField(current: EnrichedFieldState | undefined, field: string, value: unknown, now: Date): EnrichedFieldState {
  const manual: EnrichedFieldState = {
    field,
    value,
    confidence: 1,
    source: MANUAL_SOURCE,
    verified: true,
    supplied: true,
    fetchedAt: now,
    expiresAt: expiresAtFor(now, MANUAL_TTL_DAYS),
    belowThreshold: false,
    conflicts: [],
  };
  if (current === undefined || jsonEqual(current.value, value)) return { ...manual, conflicts: current?.conflicts ?? [] };
  return { ...manual, conflicts: recordConflict(current.conflicts, current, value) };
}
