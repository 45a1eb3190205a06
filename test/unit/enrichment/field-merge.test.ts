import { describe, expect, it } from 'vitest';
import type { ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import { MAX_CONFLICTS, mergeAnswers, mergeField, type MergeCandidate } from '../../../intelligence/enrichment/field-merge.js';
import { expiresAtFor, isStale, type EnrichedFieldState, type FieldConflict } from '../../../intelligence/enrichment/field-provenance.js';
import { jsonEqual } from '../../../intelligence/enrichment/json-equal.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date(Date.UTC(2026, 4, 1, 12, 0));
const days = (n: number) => new Date(NOW.getTime() + n * DAY);
const opts = { now: NOW, ttlDays: 30, confidenceThreshold: 0.5 };

/** Held since ten days ago, fresh for twenty more. */
const held = (over: Partial<EnrichedFieldState> = {}): EnrichedFieldState => ({
  field: 'company.employees',
  value: 100,
  confidence: 0.8,
  source: 'clearbit',
  verified: false,
  supplied: false,
  fetchedAt: days(-10),
  expiresAt: days(20),
  belowThreshold: false,
  conflicts: [],
  ...over,
});
/** Held since forty days ago, expired ten days ago. */
const stale = (over: Partial<EnrichedFieldState> = {}) => held({ fetchedAt: days(-40), expiresAt: days(-10), ...over });
const candidate = (over: Partial<MergeCandidate> = {}): MergeCandidate => ({
  field: 'company.employees',
  value: 250,
  confidence: 0.8,
  source: 'pdl',
  verified: false,
  ...over,
});
const asConflict = (s: { value: unknown; confidence: number; source: string; fetchedAt: Date }): FieldConflict => ({
  value: s.value,
  confidence: s.confidence,
  source: s.source,
  fetchedAt: s.fetchedAt,
});

describe('mergeField: which of two different values wins', () => {
  const cases: Array<{ rule: string; current: EnrichedFieldState; candidate: MergeCandidate; wins: 'candidate' | 'current' }> = [
    {
      rule: 'verified beats inferred, even at lower confidence',
      current: held({ confidence: 0.9 }),
      candidate: candidate({ verified: true, confidence: 0.6 }),
      wins: 'candidate',
    },
    {
      rule: 'an inferred value never replaces a verified one, even at higher confidence',
      current: held({ verified: true, confidence: 0.6 }),
      candidate: candidate({ confidence: 0.95 }),
      wins: 'current',
    },
    { rule: 'between inferred values the higher confidence wins', current: held({ confidence: 0.6 }), candidate: candidate({ confidence: 0.8 }), wins: 'candidate' },
    {
      rule: 'between verified values the lower confidence loses',
      current: held({ verified: true, confidence: 0.8 }),
      candidate: candidate({ verified: true, confidence: 0.7 }),
      wins: 'current',
    },
    { rule: 'a tie goes to the newer value', current: held({ confidence: 0.8 }), candidate: candidate({ confidence: 0.8 }), wins: 'candidate' },
    {
      rule: 'a supplied value is not replaced by a less confident one, even verified',
      current: held({ supplied: true, source: 'import', confidence: 0.9 }),
      candidate: candidate({ verified: true, confidence: 0.85 }),
      wins: 'current',
    },
    {
      rule: 'a supplied value is not replaced by an inferred one, even more confident',
      current: held({ supplied: true, source: 'import', confidence: 0.7 }),
      candidate: candidate({ confidence: 0.95 }),
      wins: 'current',
    },
    {
      rule: 'a supplied value is replaced by a verified one of equal confidence',
      current: held({ supplied: true, source: 'import', confidence: 0.9 }),
      candidate: candidate({ verified: true, confidence: 0.9 }),
      wins: 'candidate',
    },
    {
      rule: "a supplied value is replaced by the tenant's newer one, even less confident",
      current: held({ supplied: true, source: 'import', confidence: 0.9, verified: true }),
      candidate: candidate({ supplied: true, source: 'identify', confidence: 0.6 }),
      wins: 'candidate',
    },
    {
      rule: 'a stale verified value loses to a fresh inferred one of equal confidence',
      current: stale({ verified: true, confidence: 0.8 }),
      candidate: candidate({ confidence: 0.8 }),
      wins: 'candidate',
    },
    { rule: 'a stale value keeps against a less confident one', current: stale({ confidence: 0.8 }), candidate: candidate({ confidence: 0.7 }), wins: 'current' },
    {
      rule: 'staleness never strengthens a value: verified still beats a stale inferred one',
      current: stale({ confidence: 0.7 }),
      candidate: candidate({ verified: true, confidence: 0.6 }),
      wins: 'candidate',
    },
    {
      rule: 'a stale supplied value loses to a fresh inferred one of equal confidence',
      current: stale({ supplied: true, source: 'import', confidence: 0.9 }),
      candidate: candidate({ confidence: 0.9 }),
      wins: 'candidate',
    },
    {
      rule: 'a stale supplied value is never replaced by a less confident one',
      current: stale({ supplied: true, source: 'import', confidence: 0.9 }),
      candidate: candidate({ verified: true, confidence: 0.85 }),
      wins: 'current',
    },
    {
      rule: 'a value is stale from the instant it expires',
      current: held({ verified: true, expiresAt: NOW }),
      candidate: candidate(),
      wins: 'candidate',
    },
    {
      rule: 'a value is fresh until then',
      current: held({ verified: true, expiresAt: new Date(NOW.getTime() + 1) }),
      candidate: candidate(),
      wins: 'current',
    },
  ];

  it.each(cases)('$rule', ({ current, candidate: c, wins }) => {
    const merged = mergeField(current, c, opts);
    if (wins === 'candidate') {
      expect(merged).toEqual({
        field: c.field,
        value: c.value,
        confidence: c.confidence,
        source: c.source,
        verified: c.verified,
        supplied: c.supplied ?? false,
        fetchedAt: NOW,
        expiresAt: days(30),
        belowThreshold: false,
        conflicts: [asConflict(current)],
      });
    } else {
      expect(merged).toEqual({ ...current, conflicts: [asConflict({ ...c, fetchedAt: NOW })] });
    }
  });
});

describe('mergeField: the same value again', () => {
  it('from another, less confident source: refreshes the expiry, keeps the confidence and its source', () => {
    const merged = mergeField(held({ confidence: 0.8 }), candidate({ value: 100, confidence: 0.6 }), opts);
    expect(merged).toEqual(held({ confidence: 0.8, source: 'clearbit', fetchedAt: NOW, expiresAt: days(30) }));
  });

  it('from a more confident source: takes its confidence and source', () => {
    const merged = mergeField(held({ confidence: 0.6 }), candidate({ value: 100, confidence: 0.9 }), opts);
    expect(merged).toEqual(held({ confidence: 0.9, source: 'pdl', fetchedAt: NOW, expiresAt: days(30) }));
  });

  it('verified by a provider: becomes verified and stays supplied; a stale value is fresh again', () => {
    const merged = mergeField(stale({ supplied: true, source: 'import', confidence: 0.9 }), candidate({ value: 100, verified: true, confidence: 0.7 }), opts);
    expect(merged).toMatchObject({ value: 100, verified: true, supplied: true, source: 'import', confidence: 0.9, fetchedAt: NOW });
    expect(isStale(merged, NOW)).toBe(false);
  });

  it('compares JSON deeply: key order does not matter, array order does', () => {
    const office = held({ field: 'company.office', value: { city: 'Berlin', country: 'DE' } });
    expect(mergeField(office, candidate({ field: 'company.office', value: { country: 'DE', city: 'Berlin' }, confidence: 0.5 }), opts)).toMatchObject({
      value: { city: 'Berlin', country: 'DE' },
      fetchedAt: NOW,
      conflicts: [],
    });
    const stack = held({ field: 'company.techStack', value: ['react', 'node'] });
    const reordered = mergeField(stack, candidate({ field: 'company.techStack', value: ['node', 'react'], confidence: 0.5 }), opts);
    expect(reordered.value).toEqual(['react', 'node']);
    expect(reordered.conflicts).toEqual([{ value: ['node', 'react'], confidence: 0.5, source: 'pdl', fetchedAt: NOW }]);
  });
});

describe('mergeField: threshold, conflicts, first value', () => {
  it('a first value is taken as it comes, fresh for the ttl', () => {
    expect(mergeField(undefined, candidate({ supplied: true, source: 'import', verified: true, confidence: 0.7 }), opts)).toEqual({
      field: 'company.employees',
      value: 250,
      confidence: 0.7,
      source: 'import',
      verified: true,
      supplied: true,
      fetchedAt: NOW,
      expiresAt: days(30),
      belowThreshold: false,
      conflicts: [],
    });
  });

  it.each([
    { confidence: 0.49, belowThreshold: true },
    { confidence: 0.5, belowThreshold: false },
  ])('a winner of confidence $confidence under a 0.5 threshold: belowThreshold $belowThreshold', ({ confidence, belowThreshold }) => {
    expect(mergeField(undefined, candidate({ confidence }), opts).belowThreshold).toBe(belowThreshold);
    expect(mergeField(held({ confidence: 0.2, belowThreshold: true }), candidate({ confidence }), opts).belowThreshold).toBe(belowThreshold);
  });

  it("the held value is judged by today's threshold even when the candidate loses", () => {
    const merged = mergeField(held({ confidence: 0.6, verified: true }), candidate({ confidence: 0.9 }), { ...opts, confidenceThreshold: 0.7 });
    expect(merged).toMatchObject({ value: 100, belowThreshold: true });
  });

  it('clamps confidence to 0..1, NaN to 0', () => {
    expect(mergeField(undefined, candidate({ confidence: 1.5 }), opts).confidence).toBe(1);
    expect(mergeField(undefined, candidate({ confidence: -0.2 }), opts).confidence).toBe(0);
    expect(mergeField(undefined, candidate({ confidence: Number.NaN }), opts).confidence).toBe(0);
  });

  it(`keeps the ${MAX_CONFLICTS} most recent conflicts, newest first`, () => {
    const older = [1, 2, 3, 4, 5].map((n) => ({ value: 100 + n, confidence: 0.5, source: `p${n}`, fetchedAt: days(-n) }));
    const merged = mergeField(held({ verified: true, conflicts: older }), candidate(), opts);
    expect(merged.conflicts).toEqual([{ value: 250, confidence: 0.8, source: 'pdl', fetchedAt: NOW }, ...older.slice(0, 4)]);
  });

  it('keeps one conflict per value and source: the latest', () => {
    const current = held({
      verified: true,
      conflicts: [
        { value: 250, confidence: 0.6, source: 'pdl', fetchedAt: days(-3) },
        { value: 250, confidence: 0.4, source: 'apollo', fetchedAt: days(-4) },
      ],
    });
    expect(mergeField(current, candidate({ confidence: 0.7 }), opts).conflicts).toEqual([
      { value: 250, confidence: 0.7, source: 'pdl', fetchedAt: NOW },
      { value: 250, confidence: 0.4, source: 'apollo', fetchedAt: days(-4) },
    ]);
  });

  it('drops the conflicts holding the new winning value; the old value joins them with its own fetchedAt', () => {
    const current = held({
      conflicts: [
        { value: 250, confidence: 0.4, source: 'apollo', fetchedAt: days(-4) },
        { value: 300, confidence: 0.3, source: 'hunter', fetchedAt: days(-20) },
      ],
    });
    expect(mergeField(current, candidate({ verified: true }), opts).conflicts).toEqual([
      { value: 100, confidence: 0.8, source: 'clearbit', fetchedAt: days(-10) },
      { value: 300, confidence: 0.3, source: 'hunter', fetchedAt: days(-20) },
    ]);
  });

  it('refuses to merge one field into another, and leaves its input untouched', () => {
    expect(() => mergeField(held(), candidate({ field: 'company.name' }), opts)).toThrow(/company\.name into company\.employees/);
    const current = held({ conflicts: [{ value: 7, confidence: 0.1, source: 'x', fetchedAt: days(-1) }] });
    const before = structuredClone(current);
    mergeField(current, candidate({ verified: true }), opts);
    expect(current).toEqual(before);
  });
});

describe('provenance and JSON equality', () => {
  it('expires ttlDays after fetching, and refuses a negative or infinite ttl', () => {
    expect(expiresAtFor(NOW, 30)).toEqual(days(30));
    expect(expiresAtFor(NOW, 0.5)).toEqual(new Date(NOW.getTime() + DAY / 2));
    expect(() => expiresAtFor(NOW, -1)).toThrow(RangeError);
    expect(() => expiresAtFor(NOW, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('is stale at expiresAt, not a millisecond before', () => {
    expect(isStale(held({ expiresAt: NOW }), NOW)).toBe(true);
    expect(isStale(held({ expiresAt: new Date(NOW.getTime() + 1) }), NOW)).toBe(false);
  });

  it('compares values as JSON', () => {
    expect(jsonEqual({ a: { y: 1, x: [1, { q: 2, p: 3 }] } }, { a: { x: [1, { p: 3, q: 2 }], y: 1 } })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(jsonEqual(null, undefined)).toBe(false);
    expect(jsonEqual('1', 1)).toBe(false);
  });
});

describe('mergeAnswers', () => {
  const noMatch: ProviderAnswer = { kind: 'no-match' };
  const failure: ProviderAnswer = { kind: 'failure', reason: 'timeout', retryable: true };
  const match = (...fields: Array<[field: string, value: unknown, confidence: number, verified?: boolean]>): ProviderAnswer => ({
    kind: 'match',
    fields: fields.map(([field, value, confidence, verified = false]) => ({ field, value, confidence, verified })),
  });
  const holding = (...states: EnrichedFieldState[]) => new Map(states.map((s) => [s.field, s]));

  it('no provider matched and nothing held: needs manual enrichment', () => {
    const out = mergeAnswers(new Map(), [{ source: 'clearbit', answer: noMatch }, { source: 'pdl', answer: noMatch }], opts);
    expect(out).toEqual({ fields: new Map(), changed: [], matched: false, needsManualEnrichment: true });
  });

  it('no provider matched but fields are held: not manual, nothing changes', () => {
    const name = held({ field: 'company.name', value: 'Acme' });
    const out = mergeAnswers(holding(name), [{ source: 'pdl', answer: noMatch }], opts);
    expect(out).toEqual({ fields: holding(name), changed: [], matched: false, needsManualEnrichment: false });
  });

  it("a candidate the provider marks supplied (the tenant's import) is held as supplied, and outlasts a later inferred value", () => {
    const imported: ProviderAnswer = { kind: 'match', fields: [{ field: 'company.employees', value: 500, confidence: 0.9, verified: false, supplied: true }] };
    const out = mergeAnswers(new Map(), [{ source: 'tenant-dataset', answer: imported }, { source: 'pdl', answer: match(['company.employees', 600, 0.95]) }], opts);
    expect(out.fields.get('company.employees')).toMatchObject({ value: 500, supplied: true, source: 'tenant-dataset', conflicts: [expect.objectContaining({ value: 600, source: 'pdl' })] });
  });

  it('failures merge nothing and are no match', () => {
    const out = mergeAnswers(new Map(), [{ source: 'pdl', answer: failure }], opts);
    expect(out).toMatchObject({ matched: false, needsManualEnrichment: true, changed: [] });
    expect(out.fields.size).toBe(0);
  });

  it('a match carrying only null or absent values is no match', () => {
    const out = mergeAnswers(new Map(), [{ source: 'pdl', answer: match(['company.name', null, 0.9], ['company.country', undefined, 0.9]) }], opts);
    expect(out).toMatchObject({ matched: false, needsManualEnrichment: true, changed: [] });
    expect(out.fields.size).toBe(0);
  });

  it('a failure beside a match: the match merges, under its own source', () => {
    const out = mergeAnswers(new Map(), [{ source: 'clearbit', answer: failure }, { source: 'pdl', answer: match(['company.name', 'Acme', 0.7]) }], opts);
    expect(out).toMatchObject({ matched: true, needsManualEnrichment: false, changed: ['company.name'] });
    expect([...out.fields.values()]).toEqual([
      expect.objectContaining({ field: 'company.name', value: 'Acme', source: 'pdl', supplied: false, fetchedAt: NOW }),
    ]);
  });

  it('providers that disagree: the winner is held, the loser kept as a conflict', () => {
    const out = mergeAnswers(
      new Map(),
      [
        { source: 'clearbit', answer: match(['company.industry', 'Software', 0.6]) },
        { source: 'pdl', answer: match(['company.industry', 'SaaS', 0.9, true]) },
      ],
      opts,
    );
    expect(out.fields.get('company.industry')).toMatchObject({
      value: 'SaaS',
      source: 'pdl',
      verified: true,
      conflicts: [{ value: 'Software', confidence: 0.6, source: 'clearbit', fetchedAt: NOW }],
    });
    expect(out.changed).toEqual(['company.industry']);
  });

  it('changed lists exactly, sorted, the fields whose held value differs', () => {
    const current = holding(
      held({ field: 'company.name', value: 'Acme', confidence: 0.8 }),
      held({ field: 'company.employees', value: 100, confidence: 0.6 }),
      held({ field: 'email.deliverable', value: true, confidence: 0.9, verified: true }),
      held({ field: 'company.industry', value: 'Software' }),
    );
    const out = mergeAnswers(
      current,
      [
        {
          source: 'pdl',
          answer: match(
            ['company.name', 'Acme', 0.7], // corroborates
            ['company.employees', 250, 0.9], // replaces
            ['company.country', 'DE', 0.8], // new
            ['email.deliverable', false, 0.95], // loses to verified
          ),
        },
      ],
      opts,
    );
    expect(out.changed).toEqual(['company.country', 'company.employees']);
    expect(out.fields.get('company.name')).toMatchObject({ value: 'Acme', fetchedAt: NOW });
    expect(out.fields.get('email.deliverable')).toMatchObject({ value: true, conflicts: [{ value: false, source: 'pdl' }] });
    expect(out.fields.get('company.industry')).toEqual(current.get('company.industry'));
    expect(out).toMatchObject({ matched: true, needsManualEnrichment: false });
  });

  it('a value replaced and restored within one run is no change', () => {
    const out = mergeAnswers(
      holding(held({ field: 'company.employees', value: 100, confidence: 0.5 })),
      [
        { source: 'pdl', answer: match(['company.employees', 250, 0.7]) },
        { source: 'apollo', answer: match(['company.employees', 100, 0.9]) },
      ],
      opts,
    );
    expect(out.changed).toEqual([]);
    expect(out.fields.get('company.employees')).toMatchObject({
      value: 100,
      source: 'apollo',
      confidence: 0.9,
      conflicts: [{ value: 250, confidence: 0.7, source: 'pdl', fetchedAt: NOW }],
    });
  });

  it("fields no provider touched follow today's threshold; the input map is untouched", () => {
    const current = holding(held({ field: 'company.name', value: 'Acme', confidence: 0.6 }));
    const before = structuredClone(current);
    const out = mergeAnswers(current, [{ source: 'pdl', answer: noMatch }], { ...opts, confidenceThreshold: 0.7 });
    expect(out.fields.get('company.name')?.belowThreshold).toBe(true);
    expect(current).toEqual(before);
  });
});
