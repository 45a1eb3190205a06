import { describe, expect, it } from 'vitest';
import { automaticRuleOf, ruleAdmits, ruleEventNeeds } from '../../../intelligence/enrichment/automatic-enrichment-policy.js';
import type { LeadFacts } from '../../../intelligence/leads/lead-facts.js';

const now = new Date('2026-12-07T10:00:00Z');
const lead = (overrides: Partial<LeadFacts> = {}): LeadFacts => ({ id: 'l1', email: null, score: 0, traits: {}, company: null, events: [], ...overrides });

describe("the automatic enrichment rule (the tenant's segment rule over a lead's facts)", () => {
  it('admits every lead without a rule', () => {
    const rule = automaticRuleOf(null);
    expect(rule).toEqual({ kind: 'none' });
    expect(ruleAdmits(rule, undefined, now)).toBe(true);
  });

  it('admits by score once the lead is scored: score gte 40', () => {
    const rule = automaticRuleOf({ field: 'score', op: 'gte', value: 40 });
    expect(ruleAdmits(rule, lead({ score: 39 }), now)).toBe(false);
    expect(ruleAdmits(rule, lead({ score: 40 }), now)).toBe(true);
  });

  it('admits by email, company facts and events as segments do', () => {
    const business = automaticRuleOf({ all: [{ field: 'email', op: 'exists', value: true }, { field: 'company.country', op: 'eq', value: 'US' }] });
    const us = { domain: 'acme.test', name: 'Acme', industry: null, employees: null, revenue: null, country: 'US' };
    expect(ruleAdmits(business, lead({ email: 'ann@acme.test', company: us }), now)).toBe(true);
    expect(ruleAdmits(business, lead({ email: 'ann@acme.test', company: { ...us, country: 'DE' } }), now)).toBe(false);
    expect(ruleAdmits(business, lead({ company: us }), now)).toBe(false);

    const demo = automaticRuleOf({ event: 'Booked Demo', count: { gte: 1 }, within: 'P7D' });
    expect(ruleEventNeeds(demo)).toEqual({ names: ['Booked Demo'], lookbackMs: 7 * 86_400_000 });
    expect(ruleAdmits(demo, lead({ events: [{ name: 'Booked Demo', at: new Date('2026-12-06T10:00:00Z'), properties: {} }] }), now)).toBe(true);
    expect(ruleAdmits(demo, lead({ events: [{ name: 'Booked Demo', at: new Date('2026-11-01T10:00:00Z'), properties: {} }] }), now)).toBe(false);
  });

  it('admits nothing when a stored rule cannot be read, or the lead has no facts (merged away)', () => {
    const unreadable = automaticRuleOf({ field: 'nonsense', op: 'eq', value: 1 });
    expect(unreadable.kind).toBe('unreadable');
    expect(ruleAdmits(unreadable, lead({ score: 100 }), now)).toBe(false);
    expect(ruleAdmits(automaticRuleOf({ field: 'score', op: 'gte', value: 0 }), undefined, now)).toBe(false);
  });
});
