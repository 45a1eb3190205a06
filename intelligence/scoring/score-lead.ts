/**
 * Applies a scoring model to a lead: each rule's contribution in whole points,
 * and a breakdown that sums exactly to the score, clamping included.
 */
import type { EventFact, LeadFacts } from '../leads/lead-facts.js';
import { clampScore, tierOf, type LeadTier } from './lead-tier.js';
import {
  CLAMPED_RULE_NAME,
  COMPANY_FIELDS,
  durationMs,
  type BoostRule,
  type CompanyField,
  type ExistRule,
  type FieldPath,
  type MatchRule,
  type RangeRule,
  type Rule,
  type Scalar,
  type ScoringModel,
} from './scoring-model.js';

export interface ScoreContribution {
  readonly rule: string;
  readonly points: number;
}

export interface LeadScore {
  readonly score: number;
  readonly tier: LeadTier;
  /** Non-zero contributions in model order, then the clamping if any: sums to `score`. */
  readonly breakdown: readonly ScoreContribution[];
}

/** Own keys only, so a trait named `constructor` finds nothing. */
function ownValue(record: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

const isCompanyField = (field: string): field is CompanyField => (COMPANY_FIELDS as readonly string[]).includes(field);

function readField(lead: LeadFacts, path: FieldPath): unknown {
  if (path === 'email') return lead.email;
  if (path.startsWith('traits.')) return ownValue(lead.traits, path.slice('traits.'.length));
  const company: Readonly<Partial<Record<CompanyField, unknown>>> | null = lead.company;
  const field = path.slice('company.'.length);
  return company !== null && isCompanyField(field) ? company[field] : undefined;
}

function readProperty(properties: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = properties;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = ownValue(node as Record<string, unknown>, key);
  }
  return node;
}

/** Null, undefined, blank strings and empty lists are absent: "unknown", not a value. */
function present(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  return !(Array.isArray(value) && value.length === 0);
}

/** Traits arrive as JSON, so a numeric string counts as its number. */
function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

const textOf = (value: Scalar) => String(value).trim().toLowerCase();

/** `*` matches any run of characters, nothing else is special; linear backtracking, no regex. */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.length && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

const isScalar = (value: unknown): value is Scalar => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Equality across JSON's scalars (`"200"` is 200), strings case-insensitively; a string expectation may hold `*`. */
function scalarMatches(actual: unknown, expected: Scalar, globs: boolean): boolean {
  if (!isScalar(actual) || !present(actual)) return false;
  if (typeof expected === 'string' && globs) return globMatches(textOf(expected), textOf(actual));
  return textOf(actual) === textOf(expected);
}

function rangePoints(rule: RangeRule, lead: LeadFacts): number {
  const value = numberOf(readField(lead, rule.field));
  if (value === undefined) return 0;
  const inRange = (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max);
  return inRange ? rule.points : 0;
}

function matchPoints(rule: MatchRule, lead: LeadFacts): number {
  const value = readField(lead, rule.field);
  // A list of values (say, roles) matches when any of them does.
  const candidates: readonly unknown[] = Array.isArray(value) ? value : [value];
  const matched = candidates.some((candidate) => rule.values.some((expected) => scalarMatches(candidate, expected, true)));
  return matched ? rule.points : 0;
}

function existPoints(rule: ExistRule, lead: LeadFacts): number {
  if (rule.event !== undefined) return lead.events.some((event) => event.name === rule.event) ? rule.points : 0;
  return rule.field !== undefined && present(readField(lead, rule.field)) ? rule.points : 0;
}

function boostPoints(rule: BoostRule, lead: LeadFacts, now: Date): number {
  const windowMs = durationMs(rule.window) ?? 0;
  const halfLifeMs = rule.halfLife === undefined ? undefined : durationMs(rule.halfLife);
  const where = Object.entries(rule.where ?? {});
  const counts = (event: EventFact) =>
    event.name === rule.event && where.every(([path, expected]) => scalarMatches(readProperty(event.properties, path), expected, false));
  let total = 0;
  for (const event of lead.events) {
    const ageMs = now.getTime() - event.at.getTime();
    if (ageMs < 0 || ageMs > windowMs || !counts(event)) continue;
    total += rule.pointsPerEvent * (halfLifeMs === undefined ? 1 : 0.5 ** (ageMs / halfLifeMs));
    if (total >= rule.maxPoints) return rule.maxPoints;
  }
  return total;
}

function rulePoints(rule: Rule, lead: LeadFacts, now: Date): number {
  switch (rule.kind) {
    case 'RANGE':
      return rangePoints(rule, lead);
    case 'MATCH':
      return matchPoints(rule, lead);
    case 'EXIST':
      return existPoints(rule, lead);
    case 'BOOST':
      return boostPoints(rule, lead, now);
  }
}

export function scoreLead(model: ScoringModel, lead: LeadFacts, now: Date): LeadScore {
  const breakdown: ScoreContribution[] = [];
  for (const rule of model.rules) {
    const points = Math.round(rulePoints(rule, lead, now));
    if (points !== 0) breakdown.push({ rule: rule.name, points });
  }
  const raw = breakdown.reduce((sum, entry) => sum + entry.points, 0);
  const score = clampScore(raw);
  if (score !== raw) breakdown.push({ rule: CLAMPED_RULE_NAME, points: score - raw });
  return { score, tier: tierOf(score), breakdown };
}
