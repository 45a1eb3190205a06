/**
 * The segment rule language of API.md: all/any/not over field and event
 * conditions. Parsing is strict (unknown keys, ops a path does not support,
 * values of the wrong type), so the evaluator and the SQL compiler can trust
 * every rule they are given and agree on it.
 */
import { isoDurationMs } from '../time/iso-duration.js';
import { MAX_RULE_WINDOW_DAYS } from '../leads/lead-facts.js';
import type { LeadTier } from '../scoring/lead-tier.js';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';

/** The longest `within`: what the pipeline loads of a lead's events. */
export const MAX_WINDOW_DAYS = MAX_RULE_WINDOW_DAYS;
export const MAX_WINDOW_MS = MAX_WINDOW_DAYS * 86_400_000;
export const MAX_DEPTH = 10;
export const MAX_NODES = 200;
export const MAX_LIST_VALUES = 1000;
export const MAX_WHERE_ENTRIES = 20;
const MAX_TEXT = 1000;
const MAX_EVENT_NAME = 200;
const MAX_COUNT = 1_000_000;

export const FIELD_OPS = ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'exists', 'contains', 'startsWith'] as const;
export type FieldOp = (typeof FIELD_OPS)[number];
export const COUNT_CMPS = ['eq', 'gt', 'gte', 'lt', 'lte'] as const;
export type CountCmp = (typeof COUNT_CMPS)[number];
export const LEAD_TIERS: readonly LeadTier[] = ['HOT', 'WARM', 'QUALIFIED', 'COLD'];

export const COMPANY_COLUMNS = ['domain', 'name', 'industry', 'employees', 'revenue', 'country', 'mailProvider', 'dmarcPolicy', 'techStack', 'saas'] as const;
export type CompanyColumn = (typeof COMPANY_COLUMNS)[number];
/** Company fields that hold a list of names: `contains` one of them (case-insensitively), or `exists` (a non-empty list). */
export const COMPANY_LIST_COLUMNS: readonly CompanyColumn[] = ['techStack', 'saas'];
export type FieldPath = 'email' | 'score' | 'tier' | `company.${CompanyColumn}` | `traits.${string}`;

export type Scalar = string | number | boolean;

interface FieldConditionOf<Op extends FieldOp, Value> {
  readonly field: FieldPath;
  readonly op: Op;
  readonly value: Value;
}

export type FieldCondition =
  | FieldConditionOf<'eq' | 'neq', Scalar>
  | FieldConditionOf<'in' | 'nin', readonly Scalar[]>
  | FieldConditionOf<'gt' | 'gte' | 'lt' | 'lte', number>
  | FieldConditionOf<'between', readonly [number, number]>
  | FieldConditionOf<'exists', boolean>
  | FieldConditionOf<'contains' | 'startsWith', string>;

/** Exactly one comparison, as parsed. */
export type CountCondition = Readonly<Partial<Record<CountCmp, number>>>;

export interface EventCondition {
  readonly event: string;
  readonly where?: Readonly<Record<string, Scalar>>;
  readonly count: CountCondition;
  /** ISO 8601 duration; absent means the longest window, MAX_WINDOW_DAYS. */
  readonly within?: string;
}

export type SegmentRule =
  | { readonly all: readonly SegmentRule[] }
  | { readonly any: readonly SegmentRule[] }
  | { readonly not: SegmentRule }
  | FieldCondition
  | EventCondition;

/** Where a field path reads, and so which values and ops it takes. */
export type FieldRef =
  | { readonly kind: 'email' | 'score' | 'tier' }
  | { readonly kind: 'company'; readonly column: CompanyColumn }
  | { readonly kind: 'trait'; readonly keys: readonly string[] };

type ValueKind = 'text' | 'number' | 'tier' | 'json' | 'list';

const OPS_OF: Record<ValueKind, readonly FieldOp[]> = {
  text: ['eq', 'neq', 'in', 'nin', 'exists', 'contains', 'startsWith'],
  list: ['contains', 'exists'],
  number: ['eq', 'neq', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'between', 'exists'],
  tier: ['eq', 'neq', 'in', 'nin'],
  json: FIELD_OPS,
};

/**
 * Case-insensitive means ASCII letters only, on both sides: Postgres's
 * `lower(x collate "C")` does exactly this whatever the database's locale,
 * so the two evaluators cannot drift apart on `É` or `ß`.
 */
export function foldCase(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The keys of a dotted path, valid or not: past the parser, a key still names only the key it spells. */
export function splitDottedPath(text: string): string[] {
  return text.split('.');
}

/**
 * `utm.source`, `address.city`: keys of letters, digits, `_` and `-`. A bare
 * number is refused: Postgres's `#>` reads it as an array index.
 */
export function parseDottedPath(text: string): string[] | undefined {
  if (text.length > 200) return undefined;
  const keys = splitDottedPath(text);
  if (keys.length > 10 || !keys.every((key) => /^[A-Za-z0-9_-]+$/.test(key) && !/^-?\d+$/.test(key))) return undefined;
  return keys;
}

export function fieldRefOf(path: FieldPath): FieldRef {
  if (path === 'email' || path === 'score' || path === 'tier') return { kind: path };
  const column = COMPANY_COLUMNS.find((name) => path === `company.${name}`);
  if (column !== undefined) return { kind: 'company', column };
  return { kind: 'trait', keys: splitDottedPath(path.slice('traits.'.length)) };
}

function isFieldPath(text: string): text is FieldPath {
  if (text === 'email' || text === 'score' || text === 'tier') return true;
  if (text.startsWith('company.')) return isOneOf(COMPANY_COLUMNS, text.slice('company.'.length));
  return text.startsWith('traits.') && parseDottedPath(text.slice('traits.'.length)) !== undefined;
}

function valueKindOf(ref: FieldRef): ValueKind {
  switch (ref.kind) {
    case 'email':
      return 'text';
    case 'score':
      return 'number';
    case 'tier':
      return 'tier';
    case 'trait':
      return 'json';
    case 'company':
      if (COMPANY_LIST_COLUMNS.includes(ref.column)) return 'list';
      return ref.column === 'employees' || ref.column === 'revenue' ? 'number' : 'text';
  }
}

/** `P14D`, `PT12H`, `P2W`, `P1DT6H` in milliseconds; undefined for anything else. */
export const parseWindow = isoDurationMs;

/** How far back a condition counts events; without `within`, as far as events are kept for rules. */
export function windowMsOf(condition: EventCondition): number {
  return condition.within === undefined ? MAX_WINDOW_MS : (parseWindow(condition.within) ?? MAX_WINDOW_MS);
}

export function countComparison(count: CountCondition): { readonly cmp: CountCmp; readonly n: number } {
  for (const cmp of COUNT_CMPS) {
    const n = count[cmp];
    if (n !== undefined) return { cmp, n };
  }
  return { cmp: 'gte', n: 1 };
}

function* eventConditions(rule: SegmentRule): Generator<EventCondition> {
  if ('all' in rule) for (const child of rule.all) yield* eventConditions(child);
  else if ('any' in rule) for (const child of rule.any) yield* eventConditions(child);
  else if ('not' in rule) yield* eventConditions(rule.not);
  else if ('event' in rule) yield rule;
}

/** A windowed segment changes as time passes, without any new event: it needs re-evaluation on a clock. */
export function isWindowed(rule: SegmentRule): boolean {
  return windowsOf(rule).length > 0;
}

/** The `within` of each event condition that has one, in milliseconds. */
export function windowsOf(rule: SegmentRule): number[] {
  return [...eventConditions(rule)].filter((c) => c.within !== undefined).map(windowMsOf);
}

/** How much of a lead's history the rule reads (0 when it reads no events): what the pipeline must load. */
/** The event names a rule counts: the only events an evaluation of it needs. */
export function eventNamesOf(rule: SegmentRule): string[] {
  return [...new Set([...eventConditions(rule)].map((condition) => condition.event))];
}

export function lookbackMsOf(rule: SegmentRule): number {
  return Math.max(0, ...[...eventConditions(rule)].map(windowMsOf));
}

type Path = (string | number)[];

class RuleProblem {
  constructor(
    readonly path: Path,
    readonly message: string,
  ) {}
}

function fail(path: Path, message: string): never {
  throw new RuleProblem(path, message);
}

const RULE_SHAPES = '{all: [...]}, {any: [...]}, {not: rule}, {field, op, value} or {event, where?, count?, within?}';

/** Parses a segment rule; the first problem names the node it is about, under `basePath` (where the rule sits in the request). */
export function parseSegmentRule(input: unknown, basePath: readonly (string | number)[] = []): Outcome<SegmentRule> {
  try {
    return success(parseNode(input, [], 1, { nodes: 0 }));
  } catch (error) {
    if (error instanceof RuleProblem) return failure(invalidInput([...basePath, ...error.path], error.message));
    throw error;
  }
}

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

function objectAt(input: unknown, path: Path, message: string): Readonly<Record<string, unknown>> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(path, message);
  return input as Readonly<Record<string, unknown>>;
}

function onlyKeys(node: Readonly<Record<string, unknown>>, path: Path, allowed: readonly string[]): void {
  const extra = Object.keys(node).find((key) => !allowed.includes(key));
  if (extra !== undefined) fail([...path, extra], `is not allowed here; this node takes ${allowed.join(', ')}`);
}

function parseNode(input: unknown, path: Path, depth: number, state: { nodes: number }): SegmentRule {
  if (depth > MAX_DEPTH) fail(path, `nests deeper than ${MAX_DEPTH} levels`);
  state.nodes += 1;
  if (state.nodes > MAX_NODES) fail(path, `is one node too many; a rule has at most ${MAX_NODES}`);
  const node = objectAt(input, path, `must be a rule: ${RULE_SHAPES}`);
  const has = (key: string) => Object.hasOwn(node, key);
  for (const combinator of ['all', 'any'] as const) {
    if (!has(combinator)) continue;
    onlyKeys(node, path, [combinator]);
    const list = node[combinator];
    if (!Array.isArray(list) || list.length === 0) fail([...path, combinator], 'must be a non-empty list of rules');
    const rules = list.map((child, index) => parseNode(child, [...path, combinator, index], depth + 1, state));
    return combinator === 'all' ? { all: rules } : { any: rules };
  }
  if (has('not')) {
    onlyKeys(node, path, ['not']);
    return { not: parseNode(node['not'], [...path, 'not'], depth + 1, state) };
  }
  if (has('field') || has('op') || has('value')) return parseFieldCondition(node, path);
  if (has('event') || has('where') || has('count') || has('within')) return parseEventCondition(node, path);
  const first = Object.keys(node)[0];
  return fail(first === undefined ? path : [...path, first], `is not a rule; a rule is ${RULE_SHAPES}`);
}

function text(input: unknown, path: Path, max = MAX_TEXT): string {
  if (typeof input !== 'string') fail(path, 'must be a string');
  if (input.length > max) fail(path, `must be at most ${max} characters`);
  // Postgres text holds neither; refusing them keeps both evaluators on the same strings.
  if (input.includes('\u0000') || !input.isWellFormed()) fail(path, 'must be well-formed text without NUL characters');
  return input;
}

function finiteNumber(input: unknown, path: Path): number {
  if (typeof input !== 'number' || !Number.isFinite(input)) fail(path, 'must be a number');
  return input;
}

function scalarOf(kind: ValueKind, input: unknown, path: Path): Scalar {
  switch (kind) {
    case 'text':
    case 'list':
      return text(input, path);
    case 'number':
      return finiteNumber(input, path);
    case 'tier':
      if (!isOneOf(LEAD_TIERS, input)) fail(path, `must be one of ${LEAD_TIERS.join(', ')}`);
      return input;
    case 'json':
      if (typeof input === 'string') return text(input, path);
      if (typeof input === 'boolean') return input;
      if (typeof input === 'number' && Number.isFinite(input)) return input;
      return fail(path, 'must be a string, a number or a boolean');
  }
}

function parseFieldCondition(node: Readonly<Record<string, unknown>>, path: Path): FieldCondition {
  onlyKeys(node, path, ['field', 'op', 'value']);
  const fieldText = node['field'];
  if (typeof fieldText !== 'string' || !isFieldPath(fieldText)) {
    fail([...path, 'field'], `must be email, score, tier, traits.<key> or company.${COMPANY_COLUMNS.join('|')}`);
  }
  const field = fieldText;
  const op = node['op'];
  if (!isOneOf(FIELD_OPS, op)) fail([...path, 'op'], `must be one of ${FIELD_OPS.join(', ')}`);
  const kind = valueKindOf(fieldRefOf(field));
  const allowed = OPS_OF[kind];
  if (!allowed.includes(op)) fail([...path, 'op'], `${field} takes ${allowed.join(', ')}`);
  const valuePath = [...path, 'value'];
  const value = node['value'];
  if (value === undefined) fail(valuePath, 'is required');
  switch (op) {
    case 'eq':
    case 'neq':
      return { field, op: op, value: scalarOf(kind, value, valuePath) };
    case 'in':
    case 'nin': {
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST_VALUES) {
        fail(valuePath, `must be a list of 1 to ${MAX_LIST_VALUES} values`);
      }
      return { field, op: op, value: value.map((item, index) => scalarOf(kind, item, [...valuePath, index])) };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { field, op: op, value: finiteNumber(value, valuePath) };
    case 'between': {
      if (!Array.isArray(value) || value.length !== 2) fail(valuePath, 'must be [low, high]');
      const low = finiteNumber(value[0], [...valuePath, 0]);
      const high = finiteNumber(value[1], [...valuePath, 1]);
      if (low > high) fail(valuePath, 'low must not exceed high');
      return { field, op: 'between', value: [low, high] };
    }
    case 'exists':
      if (typeof value !== 'boolean') fail(valuePath, 'must be true (present) or false (absent)');
      return { field, op: 'exists', value };
    case 'contains':
    case 'startsWith':
      return { field, op: op, value: text(value, valuePath) };
  }
}

function parseEventCondition(node: Readonly<Record<string, unknown>>, path: Path): EventCondition {
  onlyKeys(node, path, ['event', 'where', 'count', 'within']);
  const event = text(node['event'], [...path, 'event'], MAX_EVENT_NAME);
  if (event.length === 0) fail([...path, 'event'], 'must not be empty');
  const where = node['where'] === undefined ? undefined : parseWhere(node['where'], [...path, 'where']);
  const count = node['count'] === undefined ? { gte: 1 } : parseCount(node['count'], [...path, 'count']);
  const within = node['within'] === undefined ? undefined : parseWithin(node['within'], [...path, 'within']);
  return { event, ...(where === undefined ? {} : { where }), count, ...(within === undefined ? {} : { within }) };
}

function parseWithin(input: unknown, path: Path): string {
  const ms = typeof input === 'string' ? parseWindow(input) : undefined;
  if (typeof input !== 'string' || ms === undefined) {
    fail(path, 'must be an ISO 8601 duration in weeks, days, hours or minutes, like P14D, PT12H, P2W or P1DT6H');
  }
  if (ms <= 0 || ms > MAX_WINDOW_MS) fail(path, `must be longer than zero and at most ${MAX_WINDOW_DAYS} days`);
  return input;
}

function parseWhere(input: unknown, path: Path): Readonly<Record<string, Scalar>> {
  const entries = Object.entries(objectAt(input, path, 'must be an object of property paths to values'));
  if (entries.length > MAX_WHERE_ENTRIES) fail(path, `must have at most ${MAX_WHERE_ENTRIES} entries`);
  return Object.fromEntries(
    entries.map(([key, value]) => {
      if (parseDottedPath(key) === undefined) fail([...path, key], 'must be a dotted property path like path or utm.source');
      return [key, scalarOf('json', value, [...path, key])];
    }),
  );
}

function parseCount(input: unknown, path: Path): CountCondition {
  const count = objectAt(input, path, `must be an object with one of ${COUNT_CMPS.join(', ')}`);
  const keys = Object.keys(count);
  const unknown = keys.find((key) => !isOneOf(COUNT_CMPS, key));
  if (unknown !== undefined) fail([...path, unknown], `is not a comparison; use one of ${COUNT_CMPS.join(', ')}`);
  const [cmp] = keys;
  if (!isOneOf(COUNT_CMPS, cmp) || keys.length > 1) fail(path, 'must hold exactly one comparison');
  const n = count[cmp];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_COUNT) fail([...path, cmp], `must be a whole number from 0 to ${MAX_COUNT}`);
  return { [cmp]: n };
}
