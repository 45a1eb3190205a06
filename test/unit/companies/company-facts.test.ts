import { describe, expect, it } from 'vitest';
import { companyFactList, companyFactsOfAnswers, mergeCompanyFacts, UNRECORDED_SOURCE, type CompanyFact } from '../../../intelligence/companies/company-facts.js';
import type { LeadFacts } from '../../../intelligence/leads/lead-facts.js';
import { DEFAULT_SCORING_MODEL, parseScoringModel } from '../../../intelligence/scoring/scoring-model.js';
import { scoreLead } from '../../../intelligence/scoring/score-lead.js';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const AT = NOW.toISOString();
const fact = (field: string, value: unknown, source: string, confidence: number): CompanyFact => ({ field, value, source, confidence, fetchedAt: AT });

describe('companyFactsOfAnswers: each provider describes the domain it names, or the one it was asked about', () => {
  it('files homepage and DNS facts under the subject domain, a network company\'s under its own, and drops what is under the threshold', () => {
    const byDomain = companyFactsOfAnswers(
      [
        {
          source: 'company-homepage',
          answer: {
            kind: 'match',
            fields: [
              { field: 'company.name', value: 'Stripe', confidence: 0.85, verified: false },
              { field: 'company.techStack', value: ['Next.js', 'Stripe', 7], confidence: 0.75, verified: false },
              { field: 'company.socialLinks.linkedin', value: 'https://www.linkedin.com/company/stripe', confidence: 0.9, verified: false },
              { field: 'company.title-part', value: 'guess', confidence: 0.5, verified: false },
            ],
          },
        },
        { source: 'dns-records', answer: { kind: 'match', fields: [{ field: 'company.mailProvider', value: 'Google Workspace', confidence: 0.95, verified: true }] } },
        {
          source: 'ip-organization',
          answer: {
            kind: 'match',
            fields: [
              { field: 'company.domain', value: 'acme.com', confidence: 0.6, verified: false },
              { field: 'company.name', value: 'Acme', confidence: 0.6, verified: false },
            ],
          },
        },
        { source: 'email-verification', answer: { kind: 'match', fields: [{ field: 'email.deliverable', value: true, confidence: 0.9, verified: true }] } },
        { source: 'vendor:x', answer: { kind: 'failure', reason: 'down', retryable: true } },
      ],
      'stripe.com',
      { now: NOW, confidenceThreshold: 0.6 },
    );
    expect(byDomain.get('stripe.com')).toEqual([
      fact('company.name', 'Stripe', 'company-homepage', 0.85),
      // A list column keeps its strings only.
      fact('company.techStack', ['Next.js', 'Stripe'], 'company-homepage', 0.75),
      fact('company.socialLinks.linkedin', 'https://www.linkedin.com/company/stripe', 'company-homepage', 0.9),
      fact('company.mailProvider', 'Google Workspace', 'dns-records', 0.95),
    ]);
    expect(byDomain.get('acme.com')).toEqual([fact('company.name', 'Acme', 'ip-organization', 0.6)]);
  });

  it('refuses values that do not fit their column', () => {
    const byDomain = companyFactsOfAnswers(
      [
        {
          source: 'vendor:x',
          answer: {
            kind: 'match',
            fields: [
              { field: 'company.employees', value: 'many', confidence: 0.9, verified: false },
              { field: 'company.revenue', value: -5, confidence: 0.9, verified: false },
              { field: 'company.saas', value: [], confidence: 0.9, verified: false },
              { field: 'company.description', value: 'x'.repeat(5000), confidence: 0.9, verified: false },
            ],
          },
        },
      ],
      'acme.com',
      { now: NOW, confidenceThreshold: 0.6 },
    );
    expect(byDomain.get('acme.com')).toBeUndefined();
  });
});

describe('mergeCompanyFacts: the surer claim of each field wins', () => {
  it('fills what is missing, and sets the column of a column fact', () => {
    const merged = mergeCompanyFacts({}, {}, [fact('company.mailProvider', 'Microsoft 365', 'dns-records', 0.95), fact('company.logo', 'https://acme.com/logo.png', 'company-homepage', 0.85)]);
    expect(merged.changed).toEqual(['company.mailProvider', 'company.logo']);
    expect([...merged.columns]).toEqual([['mail_provider', 'Microsoft 365']]);
    expect(merged.facts['company.logo']).toEqual({ value: 'https://acme.com/logo.png', source: 'company-homepage', confidence: 0.85, fetchedAt: AT });
  });

  it("keeps the tenant's import on a tie, gives way to a surer source, and takes a fresher answer of the same source", () => {
    const held = {
      'company.name': { value: 'ACME Inc (import)', source: 'import', confidence: 0.9, fetchedAt: AT },
      'company.techStack': { value: ['Rails'], source: 'import', confidence: 0.9, fetchedAt: AT },
      'company.mailProvider': { value: 'Google Workspace', source: 'dns-records', confidence: 0.95, fetchedAt: AT },
    };
    const merged = mergeCompanyFacts(held, { name: 'ACME Inc (import)', tech_stack: ['Rails'], mail_provider: 'Google Workspace' }, [
      fact('company.name', 'Acme', 'company-homepage', 0.9),
      fact('company.techStack', ['Next.js'], 'company-homepage', 0.95),
      fact('company.mailProvider', 'Microsoft 365', 'dns-records', 0.7),
    ]);
    expect(merged.facts['company.name']?.source).toBe('import');
    expect(merged.facts['company.techStack']).toMatchObject({ value: ['Next.js'], source: 'company-homepage' });
    expect(merged.facts['company.mailProvider']).toMatchObject({ value: 'Microsoft 365', source: 'dns-records', confidence: 0.7 });
    expect(merged.changed).toEqual(['company.techStack', 'company.mailProvider']);
    expect(Object.fromEntries(merged.columns)).toEqual({ tech_stack: ['Next.js'], mail_provider: 'Microsoft 365' });
  });

  it('treats a column value without a fact as held by the record at 0.9', () => {
    const weaker = mergeCompanyFacts({}, { name: 'Old Name' }, [fact('company.name', 'Guess', 'company-homepage', 0.6)]);
    expect(weaker.changed).toEqual([]);
    expect(weaker.columns.size).toBe(0);
    const surer = mergeCompanyFacts({}, { name: 'Old Name' }, [fact('company.name', 'Acme', 'vendor:x', 0.95)]);
    expect(surer.facts['company.name']).toMatchObject({ value: 'Acme', source: 'vendor:x' });
    expect(UNRECORDED_SOURCE).toBe('record');
  });

  it('an answer the same as the held fact changes nothing', () => {
    const held = { 'company.dmarcPolicy': { value: 'reject', source: 'dns-records', confidence: 1, fetchedAt: AT } };
    expect(mergeCompanyFacts(held, { dmarc_policy: 'reject' }, [fact('company.dmarcPolicy', 'reject', 'dns-records', 1)]).changed).toEqual([]);
  });

  it('lists stored facts in field order and skips malformed ones', () => {
    expect(
      companyFactList({
        'company.saas': { value: ['Slack'], source: 'dns-records', confidence: 0.85, fetchedAt: AT },
        'company.logo': { value: 'https://x/logo.png', source: 'company-homepage', confidence: 0.85, fetchedAt: AT },
        'company.bad': { value: 1 },
      }).map((f) => f.field),
    ).toEqual(['company.logo', 'company.saas']);
    expect(companyFactList(null)).toEqual([]);
  });
});

describe('scoring rules read company facts', () => {
  const lead = (company: LeadFacts['company']): LeadFacts => ({ id: 'l1', email: 'jane@stripe.com', score: 0, traits: {}, company, events: [] });
  const company = {
    domain: 'stripe.com',
    name: 'Stripe',
    industry: null,
    employees: null,
    revenue: null,
    country: null,
    mailProvider: 'Google Workspace',
    dmarcPolicy: 'reject',
    techStack: ['Next.js', 'HubSpot'],
    saas: [],
  };

  it('MATCH on a list matches any entry; EXIST on an empty list is absent; the default model sees the company', () => {
    const parsed = parseScoringModel({
      rules: [
        { name: 'Next.js site', kind: 'MATCH', field: 'company.techStack', values: ['next.js'], points: 20 },
        { name: 'On Google', kind: 'MATCH', field: 'company.mailProvider', values: ['Google*'], points: 10 },
        { name: 'Any SaaS', kind: 'EXIST', field: 'company.saas', points: 5 },
        { name: 'Strict DMARC', kind: 'MATCH', field: 'company.dmarcPolicy', values: ['reject'], points: 5 },
      ],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed));
    expect(scoreLead(parsed.value, lead(company), NOW).breakdown).toEqual([
      { rule: 'Next.js site', points: 20 },
      { rule: 'On Google', points: 10 },
      { rule: 'Strict DMARC', points: 5 },
    ]);
    expect(scoreLead(parsed.value, lead(null), NOW).score).toBe(0);
    expect(scoreLead(DEFAULT_SCORING_MODEL, lead(company), NOW).breakdown).toContainEqual({ rule: 'Company identified', points: 10 });
  });

  it('refuses a company field that does not exist', () => {
    const parsed = parseScoringModel({ rules: [{ name: 'x', kind: 'MATCH', field: 'company.stack', values: ['Go'], points: 1 }] });
    expect(parsed.ok).toBe(false);
  });
});
