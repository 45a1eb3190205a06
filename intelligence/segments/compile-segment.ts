/**
 * A segment rule as one SQL boolean over a tenant's leads (`l`), their
 * companies (`c`, left joined on `c.id = l.company_id`) and `{t}.events`,
 * meaning exactly what evaluate-segment.ts means (its header lists the
 * semantics). Every value, trait key and property path is a parameter; the
 * SQL text depends only on the rule's shape.
 *
 * Each condition is wrapped so it is never NULL (`coalesce(..., false)`), so
 * `not` and `neq` are exact negations as in the evaluator.
 */
import type { SqlValue } from '../../platform/postgres/sql-value.js';
import { COMPANY_FACT_COLUMNS } from '../companies/company-facts.js';
import { scoreRangeOf, type LeadTier } from '../scoring/lead-tier.js';
import {
  countComparison,
  fieldRefOf,
  foldCase,
  LEAD_TIERS,
  splitDottedPath,
  windowMsOf,
  type CountCmp,
  type EventCondition,
  type FieldCondition,
  type Scalar,
  type SegmentRule,
} from './segment-rule.js';

export interface CompiledSegment {
  readonly where: string;
  readonly values: SqlValue[];
}

type Bind = (value: SqlValue, cast: string) => string;

/** Postgres's `lower` of a `C` collation folds ASCII letters only, whatever the database's locale: `foldCase`. */
const folded = (expression: string) => `lower((${expression}) collate "C")`;
const never = (expression: string) => `coalesce(${expression}, false)`;

const SQL_CMP: Record<CountCmp, string> = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** `firstParam`: the number of the first placeholder, for a caller with parameters of its own (default 1). */
export function compileSegment(rule: SegmentRule, now: Date, opts: { firstParam?: number } = {}): CompiledSegment {
  const first = opts.firstParam ?? 1;
  const values: SqlValue[] = [];
  const bind: Bind = (value, cast) => {
    values.push(value);
    return `$${first + values.length - 1}::${cast}`;
  };
  return { where: compileNode(rule, bind, now), values };
}

function compileNode(rule: SegmentRule, bind: Bind, now: Date): string {
  if ('all' in rule) return `(${rule.all.map((child) => compileNode(child, bind, now)).join(' and ')})`;
  if ('any' in rule) return `(${rule.any.map((child) => compileNode(child, bind, now)).join(' or ')})`;
  if ('not' in rule) return `(not ${compileNode(rule.not, bind, now)})`;
  if ('field' in rule) return compileField(rule, bind);
  return compileEvent(rule, bind, now);
}

type Column = { readonly sql: string; readonly type: 'text' | 'numeric' | 'float8' };

const SQL_TYPE_OF = { text: 'text', int: 'numeric', float: 'float8' } as const;
const companyColumns = Object.entries(COMPANY_FACT_COLUMNS);

const COLUMNS: Record<string, Column> = {
  email: { sql: 'l.email', type: 'text' },
  score: { sql: 'l.score', type: 'numeric' },
  'company.domain': { sql: 'c.domain', type: 'text' },
  // The company facts held as columns, as company-facts.ts lists them: one list for rules, filters and writes.
  ...Object.fromEntries(
    companyColumns.flatMap(([field, { column, kind }]) => (kind === 'list' ? [] : [[field, { sql: `c.${column}`, type: SQL_TYPE_OF[kind] }]])),
  ),
};

/** Company fields held as `text[]`: entries compared whole, case-folded as everywhere else. */
const LIST_COLUMNS: Record<string, string> = Object.fromEntries(
  companyColumns.flatMap(([field, { column, kind }]) => (kind === 'list' ? [[field, `c.${column}`]] : [])),
);

function compileField(condition: FieldCondition, bind: Bind): string {
  const ref = fieldRefOf(condition.field);
  if (ref.kind === 'tier') return compileTier(condition, bind);
  if (ref.kind === 'trait') return compileJson(condition, `(l.traits #> ${bind(ref.keys, 'text[]')})`, bind);
  const list = LIST_COLUMNS[condition.field];
  if (list !== undefined) return compileList(condition, list, bind);
  const column = COLUMNS[condition.field];
  return column === undefined ? 'false' : compileColumn(condition, column, bind);
}

/** The tiers a condition accepts, as the evaluator reads `tierOf(score)`: a string that is never missing. */
function tiersAccepted(condition: FieldCondition): readonly LeadTier[] {
  const is = (tier: LeadTier, value: Scalar) => typeof value === 'string' && foldCase(tier) === foldCase(value);
  switch (condition.op) {
    case 'eq':
      return LEAD_TIERS.filter((tier) => is(tier, condition.value));
    case 'neq':
      return LEAD_TIERS.filter((tier) => !is(tier, condition.value));
    case 'in':
      return LEAD_TIERS.filter((tier) => condition.value.some((value) => is(tier, value)));
    case 'nin':
      return LEAD_TIERS.filter((tier) => !condition.value.some((value) => is(tier, value)));
    case 'exists':
      return condition.value ? LEAD_TIERS : [];
    case 'contains':
      return LEAD_TIERS.filter((tier) => foldCase(tier).includes(foldCase(condition.value)));
    case 'startsWith':
      return LEAD_TIERS.filter((tier) => foldCase(tier).startsWith(foldCase(condition.value)));
    default:
      return [];
  }
}

/** The clamped score within an accepted tier's range: tierOf's answer for whole scores. */
function compileTier(condition: FieldCondition, bind: Bind): string {
  const ranges = tiersAccepted(condition).map((tier) => {
    const range = scoreRangeOf(tier);
    return `least(greatest(l.score, 0), 100) between ${bind(range.min, 'int')} and ${bind(range.max, 'int')}`;
  });
  return ranges.length === 0 ? 'false' : never(`(${ranges.join(' or ')})`);
}

function compileColumn(condition: FieldCondition, column: Column, bind: Bind): string {
  const isText = column.type === 'text';
  const fits = (value: Scalar) => (isText ? typeof value === 'string' : typeof value === 'number');
  const literal = (value: Scalar): SqlValue => (typeof value === 'string' ? foldCase(value) : value);
  const subject = isText ? folded(column.sql) : column.sql;
  const equals = (value: Scalar) => (fits(value) ? never(`${subject} = ${bind(literal(value), column.type)}`) : 'false');
  const among = (list: readonly Scalar[]) => {
    const fitting = list.filter(fits);
    if (fitting.length === 0) return 'false';
    const array: SqlValue = isText ? fitting.map((v) => foldCase(String(v))) : fitting.map(Number);
    return never(`${subject} = any(${bind(array, `${column.type}[]`)})`);
  };
  const compare = (operator: string, value: number) =>
    isText ? 'false' : never(`${column.sql} ${operator} ${bind(value, column.type)}`);
  switch (condition.op) {
    case 'exists':
      return `(${column.sql} is ${condition.value ? 'not null' : 'null'})`;
    case 'eq':
      return equals(condition.value);
    case 'neq':
      return `(not ${equals(condition.value)})`;
    case 'in':
      return among(condition.value);
    case 'nin':
      return `(not ${among(condition.value)})`;
    case 'gt':
      return compare('>', condition.value);
    case 'gte':
      return compare('>=', condition.value);
    case 'lt':
      return compare('<', condition.value);
    case 'lte':
      return compare('<=', condition.value);
    case 'between':
      return isText
        ? 'false'
        : never(`${column.sql} between ${bind(condition.value[0], column.type)} and ${bind(condition.value[1], column.type)}`);
    case 'contains':
      return isText ? never(`strpos(${subject}, ${bind(foldCase(condition.value), 'text')}) > 0`) : 'false';
    case 'startsWith':
      return isText ? never(`starts_with(${subject}, ${bind(foldCase(condition.value), 'text')})`) : 'false';
  }
}

/** A list column (no company: null): `exists` is a non-empty list, `contains` an equal entry. */
function compileList(condition: FieldCondition, column: string, bind: Bind): string {
  switch (condition.op) {
    case 'exists': {
      const present = never(`cardinality(${column}) > 0`);
      return condition.value ? present : `(not ${present})`;
    }
    case 'contains':
      return never(`exists (select 1 from unnest(${column}) item(value) where ${folded('item.value')} = ${bind(foldCase(condition.value), 'text')})`);
    default:
      // The parser gives a list field no other op.
      return 'false';
  }
}

/**
 * A scalar against a jsonb value, as `sameScalar` does: strings folded, and
 * numbers and booleans by jsonb equality, which never equates types.
 */
function jsonEquals(json: string, expected: Scalar, bind: Bind): string {
  if (typeof expected === 'string') {
    return `(jsonb_typeof(${json}) = 'string' and ${folded(`${json} #>> '{}'`)} = ${bind(foldCase(expected), 'text')})`;
  }
  return `(${json} = ${bind(JSON.stringify(expected), 'jsonb')})`;
}

function jsonAmong(json: string, list: readonly Scalar[], bind: Bind): string {
  const strings = list.filter((v) => typeof v === 'string').map(foldCase);
  const others = list.filter((v) => typeof v !== 'string');
  const parts: string[] = [];
  if (strings.length > 0) parts.push(`(jsonb_typeof(${json}) = 'string' and ${folded(`${json} #>> '{}'`)} = any(${bind(strings, 'text[]')}))`);
  // An array contains a scalar equal to one of its elements; the type check keeps arrays of the trait out.
  if (others.length > 0) parts.push(`(jsonb_typeof(${json}) in ('number', 'boolean') and ${bind(JSON.stringify(others), 'jsonb')} @> ${json})`);
  return parts.length === 0 ? 'false' : never(`(${parts.join(' or ')})`);
}

function compileJson(condition: FieldCondition, json: string, bind: Bind): string {
  // jsonb orders numbers numerically; the type check keeps strings, which sort below numbers, out.
  const compare = (operator: string, value: number) =>
    never(`(jsonb_typeof(${json}) = 'number' and ${json} ${operator} ${bind(JSON.stringify(value), 'jsonb')})`);
  switch (condition.op) {
    case 'exists': {
      const present = never(`jsonb_typeof(${json}) <> 'null'`);
      return condition.value ? present : `(not ${present})`;
    }
    case 'eq':
      return never(jsonEquals(json, condition.value, bind));
    case 'neq':
      return `(not ${never(jsonEquals(json, condition.value, bind))})`;
    case 'in':
      return jsonAmong(json, condition.value, bind);
    case 'nin':
      return `(not ${jsonAmong(json, condition.value, bind)})`;
    case 'gt':
      return compare('>', condition.value);
    case 'gte':
      return compare('>=', condition.value);
    case 'lt':
      return compare('<', condition.value);
    case 'lte':
      return compare('<=', condition.value);
    case 'between': {
      const [low, high] = condition.value.map((v) => bind(JSON.stringify(v), 'jsonb'));
      return never(`(jsonb_typeof(${json}) = 'number' and ${json} >= ${low} and ${json} <= ${high})`);
    }
    case 'contains': {
      const needle = bind(foldCase(condition.value), 'text');
      // The array branch unnests only an array: Postgres may not honour the CASE's order for a subquery's input.
      return never(`(case jsonb_typeof(${json})
        when 'string' then strpos(${folded(`${json} #>> '{}'`)}, ${needle}) > 0
        when 'array' then exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${json}) = 'array' then ${json} else '[]' end) item(value)
          where jsonb_typeof(item.value) = 'string' and ${folded(`item.value #>> '{}'`)} = ${needle})
        else false end)`);
    }
    case 'startsWith':
      return never(`(jsonb_typeof(${json}) = 'string' and starts_with(${folded(`${json} #>> '{}'`)}, ${bind(foldCase(condition.value), 'text')}))`);
  }
}

function compileEvent(condition: EventCondition, bind: Bind, now: Date): string {
  const filters = [
    'e.lead_id = l.id',
    `e.name = ${bind(condition.event, 'text')}`,
    `e.at >= ${bind(new Date(now.getTime() - windowMsOf(condition)), 'timestamptz')}`,
    `e.at <= ${bind(now, 'timestamptz')}`,
  ];
  for (const [path, value] of Object.entries(condition.where ?? {})) {
    filters.push(never(jsonEquals(`(e.properties #> ${bind(splitDottedPath(path), 'text[]')})`, value, bind)));
  }
  const { cmp, n } = countComparison(condition.count);
  return `((select count(*) from {t}.events e where ${filters.join(' and ')}) ${SQL_CMP[cmp]} ${bind(n, 'int')})`;
}
