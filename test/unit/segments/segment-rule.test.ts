import { eventNamesOf } from '../../../intelligence/segments/segment-rule.js';
import { describe, expect, it } from 'vitest';
import {
  lookbackMsOf,
  MAX_WINDOW_DAYS,
  parseSegmentRule,
  parseWindow,
  isWindowed,
  windowsOf,
  type SegmentRule,
} from '../../../intelligence/segments/segment-rule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const API_EXAMPLE = {
  all: [
    { field: 'company.country', op: 'eq', value: 'US' },
    { field: 'company.employees', op: 'between', value: [50, 500] },
    { event: 'page_view', where: { path: '/pricing' }, count: { gt: 2 }, within: 'P14D' },
  ],
};

function parsed(input: unknown): SegmentRule {
  const result = parseSegmentRule(input);
  if (!result.ok) throw new Error(`expected a valid rule, got ${JSON.stringify(result)}`);
  return result.value;
}

const nested = (levels: number): unknown => {
  let rule: unknown = { field: 'email', op: 'exists', value: true };
  for (let i = 0; i < levels; i++) rule = { not: rule };
  return rule;
};
const conditions = (n: number) => Array.from({ length: n }, (_, i) => ({ field: 'score', op: 'gte', value: i }));
const event = (extra: Record<string, unknown>) => ({ event: 'page_view', ...extra });

describe('parseSegmentRule: valid rules', () => {
  it("accepts API.md's example as written, and reads its window", () => {
    const rule = parsed(API_EXAMPLE);
    expect(rule).toEqual(API_EXAMPLE);
    expect(isWindowed(rule)).toBe(true);
    expect(windowsOf(rule)).toEqual([14 * DAY]);
    expect(lookbackMsOf(rule)).toBe(14 * DAY);
  });

  it('gives an event condition the count {gte: 1} by default, and no window: the longest one', () => {
    const rule = parsed({ event: 'signup' });
    expect(rule).toEqual({ event: 'signup', count: { gte: 1 } });
    expect(isWindowed(rule)).toBe(false);
    expect(windowsOf(rule)).toEqual([]);
    expect(lookbackMsOf(rule)).toBe(MAX_WINDOW_DAYS * DAY);
    expect(lookbackMsOf(parsed({ field: 'score', op: 'gt', value: 1 }))).toBe(0);
  });

  it('finds windows under not and any, in order', () => {
    const rule = parsed({ any: [{ not: event({ within: 'PT12H' }) }, { all: [event({ within: 'P2W' }), event({})] }] });
    expect(windowsOf(rule)).toEqual([12 * HOUR, 14 * DAY]);
    expect(isWindowed(rule)).toBe(true);
  });

  it.each([
    ['P14D', 14 * DAY],
    ['PT12H', 12 * HOUR],
    ['P2W', 14 * DAY],
    ['P1DT6H', 30 * HOUR],
    ['PT90M', 90 * 60_000],
    ['P1W2D', 9 * DAY],
    [`P${MAX_WINDOW_DAYS}D`, MAX_WINDOW_DAYS * DAY],
  ])('reads the window %s', (within, ms) => {
    expect(parseWindow(within)).toBe(ms);
    expect(windowsOf(parsed(event({ within })))).toEqual([ms]);
  });

  it.each([
    ['email', 'eq', 'ada@example.com'],
    ['email', 'startsWith', 'ada'],
    ['score', 'between', [40, 40]],
    ['score', 'exists', true],
    ['tier', 'in', ['HOT', 'WARM']],
    ['tier', 'neq', 'COLD'],
    ['company.revenue', 'lte', 1.5e7],
    ['company.employees', 'nin', [1, 2]],
    ['company.domain', 'contains', 'example'],
    ['company.name', 'exists', false],
    ['company.mailProvider', 'eq', 'Google Workspace'],
    ['company.dmarcPolicy', 'in', ['reject', 'quarantine']],
    ['company.techStack', 'contains', 'Next.js'],
    ['company.saas', 'exists', true],
    ['traits.plan', 'in', ['pro', 3, true]],
    ['traits.address.city', 'eq', 'Paris'],
    ['traits.utm-source_2', 'contains', 'ad'],
    ['traits.seats', 'between', [-1.5, 1e6]],
    ['traits.trial', 'neq', false],
  ])('accepts %s %s %j', (field, op, value) => {
    expect(parsed({ field, op, value })).toEqual({ field, op, value });
  });

  it('accepts where of scalars, every count comparison, and the node limits exactly', () => {
    for (const cmp of ['eq', 'gt', 'gte', 'lt', 'lte']) expect(parsed(event({ count: { [cmp]: 0 } }))).toMatchObject({ count: { [cmp]: 0 } });
    expect(parsed(event({ where: { path: '/pricing', 'utm.source': 'google', seats: 5, trial: true } }))).toBeDefined();
    expect(parsed(nested(9))).toBeDefined();
    expect(parsed({ any: conditions(199) })).toBeDefined();
  });

  it('round-trips: a parsed rule, stored as JSON, parses to itself', () => {
    const rule = parsed({ any: [API_EXAMPLE, { not: event({ where: { 'utm.source': 'ads' } }) }, { field: 'tier', op: 'in', value: ['HOT'] }] });
    expect(parsed(JSON.parse(JSON.stringify(rule)))).toEqual(rule);
  });
});

describe('parseSegmentRule: invalid rules name the offending node', () => {
  const longWhere = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`p${i}`, i]));
  it.each<[string, unknown, (string | number)[]]>([
    ['not an object', 'score > 5', []],
    ['a list', [API_EXAMPLE], []],
    ['an empty object', {}, []],
    ['an unknown key alone', { match: 'all' }, ['match']],
    ['an unknown key beside a condition', { field: 'email', op: 'eq', value: 'a', extra: 1 }, ['extra']],
    ['two kinds in one node', { all: [API_EXAMPLE], any: [API_EXAMPLE] }, ['any']],
    ['an empty all', { all: [] }, ['all']],
    ['all of a non-list', { all: { field: 'email' } }, ['all']],
    ['not of null', { not: null }, ['not']],
    ['an unknown op', { any: [{ field: 'email', op: 'like', value: 'a%' }] }, ['any', 0, 'op']],
    ['a missing field', { op: 'eq', value: 1 }, ['field']],
    ['an unknown path', { all: [{ field: 'company.tech_stack', op: 'eq', value: 'Go' }] }, ['all', 0, 'field']],
    ['a bare traits path', { field: 'traits', op: 'exists', value: true }, ['field']],
    ['a trait key with a quote', { field: "traits.a'b", op: 'exists', value: true }, ['field']],
    ['a trait key that is an array index', { field: 'traits.tags.0', op: 'eq', value: 'x' }, ['field']],
    ['an empty trait key segment', { field: 'traits.a..b', op: 'eq', value: 'x' }, ['field']],
    ['tier gt', { field: 'tier', op: 'gt', value: 2 }, ['op']],
    ['tier exists', { field: 'tier', op: 'exists', value: true }, ['op']],
    ['a tier that is not one', { field: 'tier', op: 'eq', value: 'hot' }, ['value']],
    ['a tier list with a stranger', { field: 'tier', op: 'in', value: ['HOT', 'LUKEWARM'] }, ['value', 1]],
    ['gt on a text path', { field: 'email', op: 'gt', value: 5 }, ['op']],
    ['contains on a number path', { field: 'company.employees', op: 'contains', value: '5' }, ['op']],
    ['eq on a list path (contains names an entry)', { field: 'company.techStack', op: 'eq', value: 'Next.js' }, ['op']],
    ['in on a list path', { field: 'company.saas', op: 'in', value: ['Salesforce'] }, ['op']],
    ['a number for a list entry', { field: 'company.techStack', op: 'contains', value: 5 }, ['value']],
    ['a number for a text path', { field: 'email', op: 'eq', value: 5 }, ['value']],
    ['a string for a number path', { field: 'score', op: 'eq', value: 'high' }, ['value']],
    ['a string for gt on a trait', { field: 'traits.seats', op: 'gt', value: '5' }, ['value']],
    ['an infinite number', { field: 'score', op: 'lt', value: Number.POSITIVE_INFINITY }, ['value']],
    ['null for eq', { field: 'traits.plan', op: 'eq', value: null }, ['value']],
    ['an object for eq', { field: 'traits.plan', op: 'eq', value: { name: 'pro' } }, ['value']],
    ['a missing value', { field: 'email', op: 'eq' }, ['value']],
    ['between reversed', { all: [{ field: 'score', op: 'between', value: [80, 20] }] }, ['all', 0, 'value']],
    ['between of one', { field: 'score', op: 'between', value: [80] }, ['value']],
    ['between of a date', { field: 'traits.signup', op: 'between', value: ['2025-01-01', '2025-12-31'] }, ['value', 0]],
    ['in with an empty list', { field: 'email', op: 'in', value: [] }, ['value']],
    ['in with a scalar', { field: 'email', op: 'in', value: 'a@b.c' }, ['value']],
    ['in with too many values', { field: 'score', op: 'in', value: Array.from({ length: 1001 }, (_, i) => i) }, ['value']],
    ['in with a wrong element', { field: 'email', op: 'nin', value: ['a@b.c', 3] }, ['value', 1]],
    ['exists of a string', { field: 'email', op: 'exists', value: 'yes' }, ['value']],
    ['contains of a number', { field: 'traits.tags', op: 'contains', value: 3 }, ['value']],
    ['a NUL character', { field: 'email', op: 'eq', value: 'a\u0000b' }, ['value']],
    ['a lone surrogate', { field: 'email', op: 'eq', value: 'a\ud800' }, ['value']],
    ['an empty event name', { event: '' }, ['event']],
    ['an event name too long', { event: 'e'.repeat(201) }, ['event']],
    ['an event name that is not text', { event: 42 }, ['event']],
    ['an unknown key in an event', event({ having: 1 }), ['having']],
    ['count with two keys', { all: [API_EXAMPLE, API_EXAMPLE, event({ count: { gt: 1, lt: 5 } })] }, ['all', 2, 'count']],
    ['count with no key', event({ count: {} }), ['count']],
    ['count with an unknown comparison', event({ count: { ne: 1 } }), ['count', 'ne']],
    ['a negative count', { all: [API_EXAMPLE, API_EXAMPLE, event({ count: { gt: -1 } })] }, ['all', 2, 'count', 'gt']],
    ['a fractional count', event({ count: { eq: 1.5 } }), ['count', 'eq']],
    ['a count that is not an object', event({ count: 3 }), ['count']],
    ['within in years', event({ within: 'P2Y' }), ['within']],
    ['within in months', event({ within: 'P1M' }), ['within']],
    ['within over the limit', event({ within: 'P400D' }), ['within']],
    ['within over the limit in weeks', event({ within: 'P53W' }), ['within']],
    ['within in seconds', event({ within: 'PT30S' }), ['within']],
    ['within of zero', event({ within: 'P0D' }), ['within']],
    ['within with a dangling T', event({ within: 'P1DT' }), ['within']],
    ['within in lower case', event({ within: 'p14d' }), ['within']],
    ['within as a number', event({ within: 14 }), ['within']],
    ['where of a list', event({ where: ['path'] }), ['where']],
    ['where with an object value', { any: [event({ where: { utm: { source: 'google' } } })] }, ['any', 0, 'where', 'utm']],
    ['where with a null value', event({ where: { path: null } }), ['where', 'path']],
    ['where with an injected path', event({ where: { "'; select 1; --": 'x' } }), ['where', "'; select 1; --"]],
    ['where with too many entries', event({ where: longWhere }), ['where']],
    ['nesting deeper than 10', nested(10), Array.from({ length: 10 }, () => 'not')],
    ['more than 200 nodes', { any: conditions(200) }, ['any', 199]],
  ])('refuses %s', (_, input, path) => {
    const result = parseSegmentRule(input);
    expect(result).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path, message: expect.stringMatching(/./) } });
  });

  it('says why, in words an API user can act on', () => {
    expect(parseSegmentRule({ field: 'score', op: 'between', value: [9, 1] })).toEqual({ ok: false, problem: { kind: 'invalid-input', path: ['value'], message: 'low must not exceed high' } });
    expect(parseSegmentRule({ field: 'tier', op: 'gt', value: 1 })).toEqual({ ok: false, problem: { kind: 'invalid-input', path: ['op'], message: 'tier takes eq, neq, in, nin' } });
    expect(parseSegmentRule(event({ within: 'P400D' }))).toMatchObject({ problem: { message: `must be longer than zero and at most ${MAX_WINDOW_DAYS} days` } });
  });

  it('names the node under where the rule sits in the request', () => {
    expect(parseSegmentRule({ all: [{ field: 'tier', op: 'gt', value: 1 }] }, ['input', 'rule'])).toEqual({
      ok: false,
      problem: { kind: 'invalid-input', path: ['input', 'rule', 'all', 0, 'op'], message: 'tier takes eq, neq, in, nin' },
    });
  });
});

describe('eventNamesOf', () => {
  it('lists each event a rule counts once, however deep', () => {
    const parsed = parseSegmentRule({
      all: [{ field: 'email', op: 'exists', value: true }, { any: [{ event: 'page_view' }, { not: { event: 'Signed Up' } }, { event: 'page_view', within: 'P1D' }] }],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problem));
    expect(eventNamesOf(parsed.value)).toEqual(['page_view', 'Signed Up']);
  });
});
