import { describe, expect, it } from 'vitest';
import { MANUAL_SOURCE, mergeAnswers, mergeField, setManualField } from '../../../intelligence/enrichment/field-merge.js';
import { expiresAtFor, isStale, type EnrichedFieldState } from '../../../intelligence/enrichment/field-provenance.js';

const DAY = 86_400_000;
const NOW = new Date(Date.UTC(2026, 11, 7, 10, 0));
const days = (n: number) => new Date(NOW.getTime() + n * DAY);
const opts = { now: NOW, ttlDays: 30, confidenceThreshold: 0.5 };

const provider = (over: Partial<EnrichedFieldState> = {}): EnrichedFieldState => ({
  field: 'company.name',
  value: 'Acme Corp',
  confidence: 0.9,
  source: 'vendor:clearbit-like',
  verified: true,
  supplied: false,
  fetchedAt: days(-1),
  expiresAt: expiresAtFor(days(-1), 30),
  belowThreshold: false,
  conflicts: [],
  ...over,
});

describe('a value a person set (source manual)', () => {
  it('is manual, confidence 1, verified, and keeps the value it replaced as a conflict', () => {
    const set = setManualField(provider(), 'company.name', 'Acme Widgets Ltd', NOW);
    expect(set).toMatchObject({ field: 'company.name', value: 'Acme Widgets Ltd', source: MANUAL_SOURCE, confidence: 1, verified: true, belowThreshold: false });
    expect(set.conflicts).toEqual([{ value: 'Acme Corp', confidence: 0.9, source: 'vendor:clearbit-like', fetchedAt: days(-1) }]);
    // A person's value does not go stale as a provider's does.
    expect(isStale(set, days(3650))).toBe(false);
  });

  it('wins over every provider value, however confident, verified, tenant-supplied or fresh', () => {
    const manual = setManualField(undefined, 'company.name', 'Acme Widgets Ltd', days(-400));
    for (const candidate of [
      { field: 'company.name', value: 'Acme Corp', confidence: 1, verified: true, source: 'vendor:clearbit-like' },
      { field: 'company.name', value: 'ACME', confidence: 1, verified: true, source: 'tenant-dataset', supplied: true },
    ]) {
      const merged = mergeField(manual, candidate, opts);
      expect(merged.value).toBe('Acme Widgets Ltd');
      expect(merged.source).toBe(MANUAL_SOURCE);
      expect(merged.conflicts[0]).toMatchObject({ value: candidate.value, source: candidate.source });
    }
  });

  it('is left as it is when a provider says the same, and re-enrichment reports no change', () => {
    const manual = setManualField(undefined, 'company.name', 'Acme Widgets Ltd', days(-5));
    const outcome = mergeAnswers(
      new Map([['company.name', manual]]),
      [{ source: 'vendor:clearbit-like', answer: { kind: 'match', fields: [{ field: 'company.name', value: 'Acme Widgets Ltd', confidence: 0.9, verified: true }] } }],
      opts,
    );
    expect(outcome.fields.get('company.name')).toEqual(manual);
    expect(outcome.changed).toEqual([]);
  });

  it('is replaced by another person', () => {
    const first = setManualField(undefined, 'company.name', 'Acme Widgets Ltd', days(-5));
    const second = setManualField(first, 'company.name', 'Acme Widgets Group', NOW);
    expect(second.value).toBe('Acme Widgets Group');
    expect(mergeField(first, { field: 'company.name', value: 'Acme Widgets Group', confidence: 1, verified: true, source: MANUAL_SOURCE }, opts).value).toBe('Acme Widgets Group');
  });
});
