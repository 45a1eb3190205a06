import { eventNeedsOf } from '../../../intelligence/scoring/scoring-model.js';
import { MAX_RULE_WINDOW_DAYS } from '../../../intelligence/leads/lead-facts.js';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCORING_MODEL,
  durationMs,
  maxWindowMs,
  parseScoringModel,
  type ScoringModel,
} from '../../../intelligence/scoring/scoring-model.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const exist = { name: 'Known person', kind: 'EXIST', field: 'email', points: 15 };
const range = { name: 'Mid-market', kind: 'RANGE', field: 'company.employees', min: 50, max: 500, points: 10 };
const match = { name: 'Acme staff', kind: 'MATCH', field: 'email', values: ['*@acme.com'], points: 5 };
const boost = { name: 'Pricing', kind: 'BOOST', event: 'page_view', where: { path: '/pricing' }, window: 'P30D', pointsPerEvent: 5, maxPoints: 20 };

/** A model whose fourth rule (index 3) is the one under test, so paths show the index. */
const withRule = (rule: unknown) => ({ rules: [exist, range, match, rule] });

function problemOf(input: unknown) {
  const parsed = parseScoringModel(input);
  if (parsed.ok) throw new Error('expected the model to be refused');
  if (parsed.problem.kind !== 'invalid-input') throw new Error(`expected invalid input, got ${parsed.problem.kind}`);
  return { path: parsed.problem.path, message: parsed.problem.message };
}

describe('validating a scoring model', () => {
  it('accepts one rule of each kind and keeps them as given', () => {
    const input = { rules: [exist, range, match, { ...boost, halfLife: 'PT12H' }] };
    const parsed = parseScoringModel(input);
    expect(parsed).toEqual({ ok: true, value: input });
  });

  it.each([
    ['not an object', null, []],
    ['no rules', {}, ['rules']],
    ['an empty list of rules', { rules: [] }, ['rules']],
    ['more than 100 rules', { rules: Array.from({ length: 101 }, (_, i) => ({ ...exist, name: `Rule ${i}` })) }, ['rules']],
    ['an unknown key on the model', { rules: [exist], version: 2 }, ['version']],
    ['a rule that is not an object', withRule(5), ['rules', 3]],
    ['an unknown kind', withRule({ ...exist, kind: 'SCORE' }), ['rules', 3, 'kind']],
    ['an unknown key on a rule', withRule({ ...exist, weight: 2 }), ['rules', 3, 'weight']],
    ['an empty name', withRule({ ...exist, name: '  ' }), ['rules', 3, 'name']],
    ['a name over 80 characters', withRule({ ...exist, name: 'n'.repeat(81) }), ['rules', 3, 'name']],
    ['the name of the clamping entry', withRule({ ...exist, name: 'clamped to 0..100' }), ['rules', 3, 'name']],
    ['a duplicate name, ignoring case', withRule({ ...boost, name: 'ACME STAFF' }), ['rules', 3, 'name']],
    ['fractional points', withRule({ ...exist, points: 2.5 }), ['rules', 3, 'points']],
    ['points over 100', withRule({ ...exist, points: 101 }), ['rules', 3, 'points']],
    ['points under -100', withRule({ ...exist, points: -101 }), ['rules', 3, 'points']],
    ['a RANGE over the score', withRule({ ...range, field: 'score' }), ['rules', 3, 'field']],
    ['a RANGE over a text field', withRule({ ...range, field: 'company.country' }), ['rules', 3, 'field']],
    ['a RANGE over email', withRule({ ...range, field: 'email' }), ['rules', 3, 'field']],
    ['a RANGE without bounds', withRule({ name: 'r', kind: 'RANGE', field: 'company.revenue', points: 5 }), ['rules', 3]],
    ['a RANGE with min above max', withRule({ ...range, min: 600 }), ['rules', 3, 'max']],
    ['a RANGE with a text bound', withRule({ ...range, min: '50' }), ['rules', 3, 'min']],
    ['a MATCH over the score', withRule({ ...match, field: 'score' }), ['rules', 3, 'field']],
    ['a MATCH over an unknown company field', withRule({ ...match, field: 'company.phone' }), ['rules', 3, 'field']],
    ['a MATCH over a nested trait', withRule({ ...match, field: 'traits.address.city' }), ['rules', 3, 'field']],
    ['a MATCH over an empty trait key', withRule({ ...match, field: 'traits.' }), ['rules', 3, 'field']],
    ['a MATCH without values', withRule({ ...match, values: [] }), ['rules', 3, 'values']],
    ['a MATCH with over 500 values', withRule({ ...match, values: Array.from({ length: 501 }, (_, i) => i) }), ['rules', 3, 'values']],
    ['a MATCH with a null value', withRule({ ...match, values: ['a', null] }), ['rules', 3, 'values', 1]],
    ['a MATCH with an object value', withRule({ ...match, values: ['a', 'b', { regex: '.*' }] }), ['rules', 3, 'values', 2]],
    ['a MATCH with an empty string', withRule({ ...match, values: [''] }), ['rules', 3, 'values', 0]],
    ['an EXIST of neither field nor event', withRule({ name: 'e', kind: 'EXIST', points: 5 }), ['rules', 3]],
    ['an EXIST of both field and event', withRule({ ...exist, name: 'e', event: 'Signed Up' }), ['rules', 3, 'event']],
    ['an EXIST of an empty event name', withRule({ name: 'e', kind: 'EXIST', event: '', points: 5 }), ['rules', 3, 'event']],
    ['a BOOST without a window', withRule({ ...boost, window: undefined }), ['rules', 3, 'window']],
    ['a BOOST window in months', withRule({ ...boost, window: 'P1M' }), ['rules', 3, 'window']],
    ['a BOOST window in seconds', withRule({ ...boost, window: 'PT30S' }), ['rules', 3, 'window']],
    ['a BOOST window of nothing', withRule({ ...boost, window: 'PT' }), ['rules', 3, 'window']],
    ['a BOOST window of zero', withRule({ ...boost, window: 'P0D' }), ['rules', 3, 'window']],
    ['a BOOST window over 365 days', withRule({ ...boost, window: 'P53W' }), ['rules', 3, 'window']],
    ['a BOOST window in milliseconds', withRule({ ...boost, window: 86_400_000 }), ['rules', 3, 'window']],
    ['a BOOST half-life that is no duration', withRule({ ...boost, halfLife: '7 days' }), ['rules', 3, 'halfLife']],
    ['a BOOST with negative points per event', withRule({ ...boost, pointsPerEvent: -1 }), ['rules', 3, 'pointsPerEvent']],
    ['a BOOST with over 100 points per event', withRule({ ...boost, pointsPerEvent: 101 }), ['rules', 3, 'pointsPerEvent']],
    ['a BOOST capped at zero', withRule({ ...boost, maxPoints: 0 }), ['rules', 3, 'maxPoints']],
    ['a BOOST with a fractional cap', withRule({ ...boost, maxPoints: 7.5 }), ['rules', 3, 'maxPoints']],
    ['a BOOST with a bad property path', withRule({ ...boost, where: { 'utm..source': 'x' } }), ['rules', 3, 'where', 'utm..source']],
    ['a BOOST with a list in where', withRule({ ...boost, where: { path: ['/a', '/b'] } }), ['rules', 3, 'where', 'path']],
    ['a BOOST with a null in where', withRule({ ...boost, where: { path: null } }), ['rules', 3, 'where', 'path']],
    ['a BOOST without an event', withRule({ ...boost, event: undefined }), ['rules', 3, 'event']],
  ])('refuses %s', (_, input, path) => {
    expect(problemOf(input).path).toEqual(path);
  });

  it('explains what is wrong in words', () => {
    expect(problemOf(withRule({ ...range, field: 'score' })).message).toMatch(/score/);
    expect(problemOf(withRule({ ...boost, window: 'P1Y' })).message).toMatch(/ISO 8601/);
    expect(problemOf(withRule({ ...boost, window: 'P400D' })).message).toBe('must be at most 365 days');
    expect(problemOf(withRule({ ...boost, pointsPerEvent: -2 })).message).toMatch(/negative EXIST or RANGE/);
    expect(problemOf(withRule({ ...exist, weight: 2 })).message).toMatch(/weight/);
  });

  it('accepts traits for every kind of rule that reads a field', () => {
    const parsed = parseScoringModel({
      rules: [
        { name: 'Seats', kind: 'RANGE', field: 'traits.seats', max: 10, points: -5 },
        { name: 'Plan', kind: 'MATCH', field: 'traits.plan_tier', values: ['pro', 2, true], points: 5 },
        { name: 'Phone', kind: 'EXIST', field: 'traits.phone-number', points: 5 },
      ],
    });
    expect(parsed.ok).toBe(true);
  });

  it('names the node under where the model sits in the request', () => {
    expect(parseScoringModel(withRule({ ...exist, weight: 2 }), ['input'])).toMatchObject({
      ok: false,
      problem: { kind: 'invalid-input', path: ['input', 'rules', 3, 'weight'] },
    });
  });
});

describe('durations', () => {
  it.each([
    ['P30D', 30 * DAY],
    ['PT12H', 12 * HOUR],
    ['P2W', 14 * DAY],
    ['PT90M', 90 * 60_000],
    ['P1DT6H', 30 * HOUR],
    ['P365D', 365 * DAY],
  ])('%s lasts %i ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['P', 'PT', 'P1DT', 'P1Y', 'P1M', 'PT1S', '30D', 'p30d', 'P-1D', 'P1.5D', ''])('%j is not a duration rules take', (text) => {
    expect(durationMs(text)).toBeUndefined();
  });
});

describe('the event window a model needs', () => {
  it('is the longest BOOST window', () => {
    const model: ScoringModel = {
      rules: [
        { name: 'a', kind: 'BOOST', event: 'x', window: 'P2W', pointsPerEvent: 1, maxPoints: 5 },
        { name: 'b', kind: 'BOOST', event: 'y', window: 'P30D', pointsPerEvent: 1, maxPoints: 5 },
        { name: 'c', kind: 'BOOST', event: 'z', window: 'PT12H', pointsPerEvent: 1, maxPoints: 5 },
      ],
    };
    expect(maxWindowMs(model)).toBe(30 * DAY);
  });

  it('is zero without BOOST rules', () => {
    expect(maxWindowMs({ rules: [{ name: 'a', kind: 'EXIST', field: 'email', points: 5 }] })).toBe(0);
  });
});

describe('the default model', () => {
  it('is a valid model', () => {
    expect(parseScoringModel(DEFAULT_SCORING_MODEL)).toEqual({ ok: true, value: DEFAULT_SCORING_MODEL });
  });

  it('gives at most 100 points when every rule is maxed', () => {
    const best = DEFAULT_SCORING_MODEL.rules.reduce((sum, rule) => sum + (rule.kind === 'BOOST' ? rule.maxPoints : Math.max(0, rule.points)), 0);
    expect(best).toBeLessThanOrEqual(100);
    expect(best).toBeGreaterThanOrEqual(80);
  });

  it('mixes fit and behaviour', () => {
    const kinds = new Set(DEFAULT_SCORING_MODEL.rules.map((rule) => rule.kind));
    expect([...kinds].sort()).toEqual(['BOOST', 'EXIST', 'MATCH', 'RANGE']);
    expect(maxWindowMs(DEFAULT_SCORING_MODEL)).toBe(30 * DAY);
  });
});

describe('eventNeedsOf: what an evaluation must load', () => {
  it('names the events BOOST and EXIST rules count, back as far as the longest BOOST window or, for EXIST, the whole rule horizon', () => {
    expect(eventNeedsOf({ rules: [{ name: 'Known', kind: 'EXIST', field: 'email', points: 5 }] })).toEqual({ names: [], lookbackMs: 0 });
    expect(
      eventNeedsOf({ rules: [{ name: 'Views', kind: 'BOOST', event: 'page_view', window: 'P14D', pointsPerEvent: 1, maxPoints: 5 }] }),
    ).toEqual({ names: ['page_view'], lookbackMs: 14 * 86_400_000 });
    expect(eventNeedsOf(DEFAULT_SCORING_MODEL)).toEqual({ names: ['page_view', 'Signed Up'], lookbackMs: MAX_RULE_WINDOW_DAYS * 86_400_000 });
  });
});
