/**
 * Whether one lead matches a segment rule, from its facts: the incremental
 * evaluator run as leads change. compile-segment.ts says the same thing in
 * SQL for whole tables; the agreement test holds the two together.
 *
 * - A missing or null value satisfies only `exists: false`, `neq` and `nin`:
 *   `neq` and `nin` are the exact negations of `eq` and `in`, so "plan is not
 *   Pro" includes leads without a plan, and `not` never meets an unknown.
 * - No coercion: a rule's number matches only numbers, its string only
 *   strings (`"12"` is not 12). Order comparisons and `between` (inclusive)
 *   apply to numbers only.
 * - Strings compare case-insensitively in ASCII letters (`foldCase`).
 * - `contains` is a substring of a string, or an equal element of an array
 *   (a company's `techStack` and `saas` are lists: `contains` names one of
 *   their entries, and an empty list does not `exist`).
 * - An event condition counts events of exactly that name whose `at` is in
 *   [now - within, now], both ends included, and whose properties equal every
 *   `where` entry.
 */
import type { LeadFacts } from '../leads/lead-facts.js';
import { tierOf } from '../scoring/lead-tier.js';
import {
  countComparison,
  fieldRefOf,
  foldCase,
  splitDottedPath,
  windowMsOf,
  type EventCondition,
  type FieldCondition,
  type Scalar,
  type SegmentRule,
} from './segment-rule.js';

export function matchesSegment(rule: SegmentRule, lead: LeadFacts, now: Date): boolean {
  if ('all' in rule) return rule.all.every((child) => matchesSegment(child, lead, now));
  if ('any' in rule) return rule.any.some((child) => matchesSegment(child, lead, now));
  if ('not' in rule) return !matchesSegment(rule.not, lead, now);
  if ('field' in rule) return matchesValue(rule, fieldValue(rule, lead));
  return matchesCount(rule, countEvents(rule, lead, now));
}

function fieldValue(condition: FieldCondition, lead: LeadFacts): unknown {
  const ref = fieldRefOf(condition.field);
  switch (ref.kind) {
    case 'email':
      return lead.email;
    case 'score':
      return lead.score;
    case 'tier':
      return tierOf(lead.score);
    case 'company': {
      const value = lead.company?.[ref.column];
      // An empty list is no value, as the SQL's `cardinality(...) > 0` reads it.
      return Array.isArray(value) && value.length === 0 ? undefined : value;
    }
    case 'trait':
      return readPath(lead.traits, ref.keys);
  }
}

/** Own keys of objects only, as Postgres's `#>` reads them (bare numbers, its array indexes, are not valid keys). */
function readPath(root: unknown, keys: readonly string[]): unknown {
  let node = root;
  for (const key of keys) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function sameScalar(actual: unknown, expected: Scalar): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && foldCase(actual) === foldCase(expected);
  return actual === expected;
}

function matchesValue(condition: FieldCondition, actual: unknown): boolean {
  const number = typeof actual === 'number' ? actual : undefined;
  switch (condition.op) {
    case 'exists':
      return (actual !== undefined && actual !== null) === condition.value;
    case 'eq':
      return sameScalar(actual, condition.value);
    case 'neq':
      return !sameScalar(actual, condition.value);
    case 'in':
      return condition.value.some((expected) => sameScalar(actual, expected));
    case 'nin':
      return !condition.value.some((expected) => sameScalar(actual, expected));
    case 'gt':
      return number !== undefined && number > condition.value;
    case 'gte':
      return number !== undefined && number >= condition.value;
    case 'lt':
      return number !== undefined && number < condition.value;
    case 'lte':
      return number !== undefined && number <= condition.value;
    case 'between':
      return number !== undefined && condition.value[0] <= number && number <= condition.value[1];
    case 'contains': {
      const needle = foldCase(condition.value);
      if (typeof actual === 'string') return foldCase(actual).includes(needle);
      return Array.isArray(actual) && actual.some((item) => typeof item === 'string' && foldCase(item) === needle);
    }
    case 'startsWith':
      return typeof actual === 'string' && foldCase(actual).startsWith(foldCase(condition.value));
  }
}

function countEvents(condition: EventCondition, lead: LeadFacts, now: Date): number {
  const to = now.getTime();
  const from = to - windowMsOf(condition);
  const where = Object.entries(condition.where ?? {}).map(([path, value]) => ({ keys: splitDottedPath(path), value }));
  let count = 0;
  for (const event of lead.events) {
    const at = event.at.getTime();
    if (event.name !== condition.event || at < from || at > to) continue;
    if (where.every(({ keys, value }) => sameScalar(readPath(event.properties, keys), value))) count += 1;
  }
  return count;
}

function matchesCount(condition: EventCondition, count: number): boolean {
  const { cmp, n } = countComparison(condition.count);
  switch (cmp) {
    case 'eq':
      return count === n;
    case 'gt':
      return count > n;
    case 'gte':
      return count >= n;
    case 'lt':
      return count < n;
    case 'lte':
      return count <= n;
  }
}
