import { describe, expect, it } from 'vitest';
import type { CompanyFacts, EventFact, LeadFacts } from '../../../intelligence/leads/lead-facts.js';
import { tierOf } from '../../../intelligence/scoring/lead-tier.js';
import { globMatches, scoreLead } from '../../../intelligence/scoring/score-lead.js';
import {
  DEFAULT_SCORING_MODEL,
  parseScoringModel,
  type BoostRule,
  type Rule,
  type ScoringModel,
} from '../../../intelligence/scoring/scoring-model.js';

const NOW = new Date('2026-03-15T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ago = (ms: number) => new Date(NOW.getTime() - ms);
const event = (name: string, age: number, properties: Record<string, unknown> = {}): EventFact => ({ name, at: ago(age), properties });
const pageView = (path: string, age: number, more: Record<string, unknown> = {}) => event('page_view', age, { path, ...more });

const noCompany: CompanyFacts = { domain: null, name: null, industry: null, employees: null, revenue: null, country: null };

function leadOf(facts: Partial<Omit<LeadFacts, 'company'>> & { company?: Partial<CompanyFacts> | null } = {}): LeadFacts {
  const { company, ...rest } = facts;
  return {
    id: 'lead_1',
    email: null,
    score: 0,
    traits: {},
    events: [],
    ...rest,
    company: company === undefined || company === null ? null : { ...noCompany, ...company },
  };
}

/** Parses, so every model under test is one a tenant could save. */
function modelOf(...rules: unknown[]): ScoringModel {
  const parsed = parseScoringModel({ rules });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problem));
  return parsed.value;
}

/** The points one rule gives a lead, alone in its model (so no clamping below 0 hides a penalty). */
const pointsOf = (rule: Rule, lead: LeadFacts) => scoreLead({ rules: [rule] }, lead, NOW).breakdown.find((e) => e.rule === rule.name)?.points ?? 0;

describe('RANGE rules', () => {
  const employees: Rule = { name: 'Mid-market', kind: 'RANGE', field: 'company.employees', min: 50, max: 500, points: 20 };

  it.each([
    [49, 0],
    [50, 20],
    [200, 20],
    [500, 20],
    [501, 0],
  ])('gives a %i-person company %i points (bounds inclusive)', (size, points) => {
    expect(pointsOf(employees, leadOf({ company: { employees: size } }))).toBe(points);
  });

  it('gives nothing when the value is unknown', () => {
    expect(pointsOf(employees, leadOf())).toBe(0);
    expect(pointsOf(employees, leadOf({ company: { employees: null } }))).toBe(0);
  });

  it('takes one-sided bounds and negative points', () => {
    const tiny: Rule = { name: 'Tiny', kind: 'RANGE', field: 'company.revenue', max: 100_000, points: -15 };
    expect(pointsOf(tiny, leadOf({ company: { revenue: 100_000 } }))).toBe(-15);
    expect(pointsOf(tiny, leadOf({ company: { revenue: 100_001 } }))).toBe(0);
    expect(pointsOf(tiny, leadOf({ company: { revenue: null } }))).toBe(0);
  });

  it('reads numeric traits, numeric text included, and ignores other text', () => {
    const seats: Rule = { name: 'Seats', kind: 'RANGE', field: 'traits.seats', min: 10, points: 5 };
    expect(pointsOf(seats, leadOf({ traits: { seats: 12 } }))).toBe(5);
    expect(pointsOf(seats, leadOf({ traits: { seats: ' 12 ' } }))).toBe(5);
    expect(pointsOf(seats, leadOf({ traits: { seats: 'lots' } }))).toBe(0);
    expect(pointsOf(seats, leadOf({ traits: { seats: true } }))).toBe(0);
  });
});

describe('MATCH rules', () => {
  const acme: Rule = { name: 'Acme staff', kind: 'MATCH', field: 'email', values: ['*@acme.com'], points: 10 };

  it.each([
    ['ann@ACME.com', 10],
    ['ann@acme.com', 10],
    ['ann@acme.com.evil', 0],
    ['ann@notacme.com', 0],
    ['ann@sub.acme.com', 0],
    ['acme.com', 0],
  ])('matches %s with *@acme.com for %i points', (email, points) => {
    expect(pointsOf(acme, leadOf({ email }))).toBe(points);
  });

  it('compares plain values case-insensitively, whole values only', () => {
    const country: Rule = { name: 'DACH', kind: 'MATCH', field: 'company.country', values: ['DE', 'AT', 'CH'], points: 5 };
    expect(pointsOf(country, leadOf({ company: { country: 'de' } }))).toBe(5);
    expect(pointsOf(country, leadOf({ company: { country: 'DEN' } }))).toBe(0);
    expect(pointsOf(country, leadOf({ company: { country: 'US' } }))).toBe(0);
  });

  it('compares numbers and booleans with their JSON values', () => {
    const plan: Rule = { name: 'Paid', kind: 'MATCH', field: 'traits.plan', values: [2, 3, true], points: 5 };
    expect(pointsOf(plan, leadOf({ traits: { plan: 3 } }))).toBe(5);
    expect(pointsOf(plan, leadOf({ traits: { plan: '2' } }))).toBe(5);
    expect(pointsOf(plan, leadOf({ traits: { plan: true } }))).toBe(5);
    expect(pointsOf(plan, leadOf({ traits: { plan: 4 } }))).toBe(0);
    expect(pointsOf(plan, leadOf({ traits: { plan: false } }))).toBe(0);
  });

  it('matches a list of values when any of them matches', () => {
    const buyer: Rule = { name: 'Buyer', kind: 'MATCH', field: 'traits.roles', values: ['buyer'], points: 5 };
    expect(pointsOf(buyer, leadOf({ traits: { roles: ['admin', 'Buyer'] } }))).toBe(5);
    expect(pointsOf(buyer, leadOf({ traits: { roles: ['admin'] } }))).toBe(0);
  });

  it('gives nothing for a missing, blank or structured value', () => {
    const any: Rule = { name: 'Anything', kind: 'MATCH', field: 'traits.title', values: ['*'], points: 5 };
    expect(pointsOf(any, leadOf({ traits: { title: 'Engineer' } }))).toBe(5);
    expect(pointsOf(any, leadOf())).toBe(0);
    expect(pointsOf(any, leadOf({ traits: { title: null } }))).toBe(0);
    expect(pointsOf(any, leadOf({ traits: { title: '  ' } }))).toBe(0);
    expect(pointsOf(any, leadOf({ traits: { title: { text: 'Engineer' } } }))).toBe(0);
  });

  it('reads only own traits', () => {
    const proto: Rule = { name: 'Proto', kind: 'EXIST', field: 'traits.constructor', points: 5 };
    expect(pointsOf(proto, leadOf({ traits: {} }))).toBe(0);
  });
});

describe('glob matching', () => {
  it.each([
    ['*@acme.com', 'ann@acme.com', true],
    ['*@acme.com', 'ann@acme.com.evil', false],
    ['VP *', 'vp sales', false],
    ['VP *', 'VP Sales', true],
    ['VP *', 'SVP Sales', false],
    ['*VP*', 'SVP Sales', true],
    ['*', '', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyyb', false],
    ['**', 'x', true],
    ['a.c', 'abc', false],
    ['(a+)+$', '(a+)+$', true],
    ['*a*a*a*a*a*b', 'a'.repeat(5000), false],
  ])('%j matches %j: %s (case-sensitive here; rules lower-case both sides)', (pattern, text, matches) => {
    expect(globMatches(pattern, text)).toBe(matches);
  });
});

describe('EXIST rules', () => {
  it('counts a field as present when it holds a value', () => {
    const known: Rule = { name: 'Known', kind: 'EXIST', field: 'email', points: 15 };
    expect(pointsOf(known, leadOf({ email: 'ann@acme.com' }))).toBe(15);
    expect(pointsOf(known, leadOf({ email: null }))).toBe(0);
    expect(pointsOf(known, leadOf({ email: '' }))).toBe(0);
    const domain: Rule = { name: 'Company', kind: 'EXIST', field: 'company.domain', points: 10 };
    expect(pointsOf(domain, leadOf({ company: { domain: 'acme.com' } }))).toBe(10);
    expect(pointsOf(domain, leadOf({ company: { name: 'Acme' } }))).toBe(0);
    expect(pointsOf(domain, leadOf({ company: null }))).toBe(0);
    const seats: Rule = { name: 'Seats', kind: 'EXIST', field: 'traits.seats', points: 3 };
    expect(pointsOf(seats, leadOf({ traits: { seats: 0 } }))).toBe(3);
    expect(pointsOf(seats, leadOf({ traits: { seats: [] } }))).toBe(0);
  });

  it('counts an event by its exact name, whenever it happened', () => {
    const signedUp: Rule = { name: 'Signed up', kind: 'EXIST', event: 'Signed Up', points: 10 };
    expect(pointsOf(signedUp, leadOf({ events: [event('Signed Up', 200 * DAY)] }))).toBe(10);
    expect(pointsOf(signedUp, leadOf({ events: [event('Signed Up', DAY), event('Signed Up', 2 * DAY)] }))).toBe(10);
    expect(pointsOf(signedUp, leadOf({ events: [pageView('/signup', DAY)] }))).toBe(0);
  });

  it('penalises with negative points', () => {
    const churned: Rule = { name: 'Churned', kind: 'EXIST', event: 'Account Closed', points: -30 };
    expect(pointsOf(churned, leadOf({ events: [event('Account Closed', DAY)] }))).toBe(-30);
  });
});

describe('BOOST rules', () => {
  const pricing: BoostRule = {
    name: 'Pricing',
    kind: 'BOOST',
    event: 'page_view',
    where: { path: '/pricing' },
    window: 'P30D',
    pointsPerEvent: 40,
    maxPoints: 100,
  };
  const decaying: BoostRule = { ...pricing, halfLife: 'P7D' };

  it('counts every matching event in full without a half-life', () => {
    expect(pointsOf(pricing, leadOf({ events: [pageView('/pricing', 0), pageView('/pricing', 29 * DAY)] }))).toBe(80);
  });

  it('counts an event one half-life old for half, two for a quarter', () => {
    expect(pointsOf(decaying, leadOf({ events: [pageView('/pricing', 7 * DAY)] }))).toBe(20);
    expect(pointsOf(decaying, leadOf({ events: [pageView('/pricing', 14 * DAY)] }))).toBe(10);
    expect(pointsOf(decaying, leadOf({ events: [pageView('/pricing', 0)] }))).toBe(40);
  });

  it('counts both edges of the window and nothing outside it', () => {
    expect(pointsOf(pricing, leadOf({ events: [pageView('/pricing', 30 * DAY)] }))).toBe(40);
    expect(pointsOf(pricing, leadOf({ events: [pageView('/pricing', 0)] }))).toBe(40);
    expect(pointsOf(pricing, leadOf({ events: [pageView('/pricing', 30 * DAY + 1)] }))).toBe(0);
    expect(pointsOf(pricing, leadOf({ events: [pageView('/pricing', -MINUTE)] }))).toBe(0);
  });

  it('stops at maxPoints', () => {
    const capped: BoostRule = { ...pricing, pointsPerEvent: 10, maxPoints: 25 };
    const views = (n: number) => Array.from({ length: n }, (_, i) => pageView('/pricing', i * HOUR));
    expect(pointsOf(capped, leadOf({ events: views(2) }))).toBe(20);
    expect(pointsOf(capped, leadOf({ events: views(3) }))).toBe(25);
    expect(pointsOf(capped, leadOf({ events: views(50) }))).toBe(25);
  });

  it('counts only events of its name whose properties match where', () => {
    const events = [
      pageView('/PRICING', DAY),
      pageView('/pricing/enterprise', DAY),
      pageView('/docs', DAY),
      event('Pricing Viewed', DAY, { path: '/pricing' }),
      event('page_view', DAY, {}),
    ];
    expect(pointsOf(pricing, leadOf({ events }))).toBe(40);
  });

  it('reads dotted property paths and compares scalars by value', () => {
    const campaign: BoostRule = { ...pricing, name: 'Campaign', where: { 'utm.source': 'LinkedIn', 'utm.paid': true, step: 2 } };
    const matching = event('page_view', DAY, { utm: { source: 'linkedin', paid: true }, step: '2' });
    const unpaid = event('page_view', DAY, { utm: { source: 'linkedin', paid: false }, step: 2 });
    const flat = event('page_view', DAY, { 'utm.source': 'linkedin', 'utm.paid': true, step: 2 });
    expect(pointsOf(campaign, leadOf({ events: [matching, unpaid, flat] }))).toBe(40);
  });

  it('rounds its decayed sum to whole points', () => {
    const small: BoostRule = { ...decaying, pointsPerEvent: 3 };
    // 3 × 0.5^(1/7) ≈ 2.71 → 3; three of them ≈ 8.14 → 8.
    expect(pointsOf(small, leadOf({ events: [pageView('/pricing', DAY)] }))).toBe(3);
    expect(pointsOf(small, leadOf({ events: [1, 2, 3].map(() => pageView('/pricing', DAY)) }))).toBe(8);
  });
});

describe('scoring a lead', () => {
  it('lists non-zero contributions in model order and sums them', () => {
    const model = modelOf(
      { name: 'Known', kind: 'EXIST', field: 'email', points: 15 },
      { name: 'Company', kind: 'EXIST', field: 'company.domain', points: 10 },
      { name: 'Engineer', kind: 'MATCH', field: 'traits.title', values: ['*engineer*'], points: -5 },
      { name: 'Active', kind: 'BOOST', event: 'page_view', window: 'P7D', pointsPerEvent: 5, maxPoints: 20 },
    );
    const lead = leadOf({ email: 'ann@acme.com', traits: { title: 'Staff Engineer' }, events: [pageView('/', DAY), pageView('/docs', DAY)] });
    expect(scoreLead(model, lead, NOW)).toEqual({
      score: 20,
      tier: 'COLD',
      breakdown: [
        { rule: 'Known', points: 15 },
        { rule: 'Engineer', points: -5 },
        { rule: 'Active', points: 10 },
      ],
    });
  });

  it('clamps a total over 100 and says so', () => {
    const model = modelOf(
      { name: 'Known', kind: 'EXIST', field: 'email', points: 80 },
      { name: 'Company', kind: 'EXIST', field: 'company.domain', points: 45 },
    );
    expect(scoreLead(model, leadOf({ email: 'ann@acme.com', company: { domain: 'acme.com' } }), NOW)).toEqual({
      score: 100,
      tier: 'HOT',
      breakdown: [
        { rule: 'Known', points: 80 },
        { rule: 'Company', points: 45 },
        { rule: 'clamped to 0..100', points: -25 },
      ],
    });
  });

  it('clamps a total under 0 and says so', () => {
    const model = modelOf(
      { name: 'Known', kind: 'EXIST', field: 'email', points: 10 },
      { name: 'Competitor', kind: 'MATCH', field: 'email', values: ['*@rival.com'], points: -50 },
    );
    expect(scoreLead(model, leadOf({ email: 'spy@rival.com' }), NOW)).toEqual({
      score: 0,
      tier: 'COLD',
      breakdown: [
        { rule: 'Known', points: 10 },
        { rule: 'Competitor', points: -50 },
        { rule: 'clamped to 0..100', points: 40 },
      ],
    });
  });

  it('gives an empty breakdown when nothing applies', () => {
    expect(scoreLead(modelOf({ name: 'Known', kind: 'EXIST', field: 'email', points: 10 }), leadOf(), NOW)).toEqual({
      score: 0,
      tier: 'COLD',
      breakdown: [],
    });
  });
});

describe('the default model', () => {
  it('gives an empty anonymous lead 0', () => {
    expect(scoreLead(DEFAULT_SCORING_MODEL, leadOf(), NOW)).toEqual({ score: 0, tier: 'COLD', breakdown: [] });
  });

  it('makes a VP at a 200-person company who signed up and keeps reading the pricing page HOT', () => {
    const lead = leadOf({
      email: 'ann@acme.com',
      traits: { title: 'VP Sales' },
      company: { domain: 'acme.com', name: 'Acme', employees: 200 },
      events: [pageView('/pricing', 2 * HOUR), pageView('/pricing', DAY), pageView('/pricing', 3 * DAY), event('Signed Up', 5 * DAY)],
    });
    const scored = scoreLead(DEFAULT_SCORING_MODEL, lead, NOW);
    expect(scored.score).toBeGreaterThanOrEqual(80);
    expect(scored.tier).toBe('HOT');
    expect(scored.breakdown.map((entry) => entry.rule)).toEqual([
      'Known person',
      'Company identified',
      'Company size 50–5000',
      'Pricing page views',
      'Recent page views',
      'Signed up',
      'Decision maker title',
    ]);
  });
});

/** mulberry32: a seeded PRNG, so a failing lead can be replayed. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('every breakdown explains every point', () => {
  const random = prng(20260315);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)] as T;
  const maybe = <T>(value: T): T | null => (random() < 0.5 ? value : null);

  const randomLead = (i: number): LeadFacts =>
    leadOf({
      id: `lead_${i}`,
      email: maybe(pick(['ann@acme.com', 'bob@ACME.com', 'eve@rival.com', 'x@gmail.com'])),
      traits: random() < 0.5 ? {} : { title: pick(['VP Sales', 'Engineer', 'Head of Growth', '']), seats: int(0, 50) },
      company: maybe({ domain: maybe('acme.com'), employees: maybe(int(1, 20_000)), revenue: maybe(int(0, 10_000_000)) }),
      events: Array.from({ length: int(0, 30) }, () =>
        random() < 0.8
          ? pageView(pick(['/pricing', '/docs', '/', '/Pricing']), int(-HOUR, 40 * DAY))
          : event(pick(['Signed Up', 'Account Closed', 'Demo Requested', 'Demo Requested']), int(0, 60 * DAY)),
      ),
    });

  const penalties = modelOf(
    ...DEFAULT_SCORING_MODEL.rules,
    { name: 'Competitor', kind: 'MATCH', field: 'email', values: ['*@rival.com'], points: -100 },
    { name: 'Closed', kind: 'EXIST', event: 'Account Closed', points: -40 },
    { name: 'Demo', kind: 'BOOST', event: 'Demo Requested', window: 'P60D', pointsPerEvent: 30.3, maxPoints: 100, halfLife: 'P20D' },
    { name: 'Big', kind: 'RANGE', field: 'company.revenue', min: 1_000_000, points: 40 },
  );

  it.each([
    ['the default model', DEFAULT_SCORING_MODEL],
    ['a model with penalties and large boosts', penalties],
  ])('holds for 300 generated leads under %s', (_, model) => {
    const clamps = { fromBelow: 0, fromAbove: 0 };
    for (let i = 0; i < 300; i++) {
      const lead = randomLead(i);
      const { score, tier, breakdown } = scoreLead(model, lead, NOW);
      const context = `lead ${i}: ${JSON.stringify({ score, breakdown })}`;
      expect(breakdown.reduce((sum, entry) => sum + entry.points, 0), context).toBe(score);
      expect(Number.isInteger(score) && score >= 0 && score <= 100, context).toBe(true);
      expect(tier, context).toBe(tierOf(score));
      expect(breakdown.every((entry) => Number.isInteger(entry.points) && entry.points !== 0), context).toBe(true);
      const names = breakdown.map((entry) => entry.rule).filter((rule) => rule !== 'clamped to 0..100');
      const order = model.rules.map((rule) => rule.name).filter((rule) => names.includes(rule));
      expect(names, context).toEqual(order);
      const last = breakdown.at(-1);
      if (last?.rule === 'clamped to 0..100') clamps[last.points > 0 ? 'fromBelow' : 'fromAbove']++;
    }
    // The generated leads must reach past both ends, or the clamping goes untested.
    if (model === penalties) expect(Math.min(clamps.fromBelow, clamps.fromAbove)).toBeGreaterThan(10);
  });
});
