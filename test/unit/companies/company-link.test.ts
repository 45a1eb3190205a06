import { describe, expect, it } from 'vitest';
import {
  BUSINESS_EMAIL_CONFIDENCE,
  companyLinkOf,
  decideCompanyLink,
  emailCompanyEvidence,
  evidenceOfLead,
  heldCompanyEvidence,
  heldLinkEvidence,
  NETWORK_CONFIDENCE,
  sourceOfProvider,
  type CompanyEvidence,
} from '../../../intelligence/companies/company-link.js';

const network = (domain: string): CompanyEvidence => ({ domain, source: 'network', confidence: NETWORK_CONFIDENCE, detail: 'the network of a visit' });

describe('emailCompanyEvidence: a business email names its employer, nothing else does', () => {
  it.each([
    ['jane@stripe.com', 'stripe.com'],
    ['Jane.Doe@Mail.EU.Acme.co.uk', 'acme.co.uk'],
    ['ops@sub.example.com.au', 'example.com.au'],
  ])('%s → %s', (email, domain) => {
    expect(emailCompanyEvidence(email)).toEqual({ domain, source: 'email', confidence: BUSINESS_EMAIL_CONFIDENCE, detail: expect.stringContaining('business email domain') });
  });

  it.each([
    ['free mail', 'jane@gmail.com'],
    ['free mail, another provider', 'jane@outlook.com'],
    ['a disposable address', 'jane@mailinator.com'],
    ['a home ISP', 'jane@btinternet.com'],
    ['another home ISP', 'jane@sbcglobal.net'],
    ['no email', null],
    ['not an email', 'jane at stripe.com'],
    ['an empty string', '  '],
  ])('%s: none', (_, email) => {
    expect(emailCompanyEvidence(email)).toBeUndefined();
  });
});

describe('decideCompanyLink: conflicts are decided by confidence, and explained', () => {
  it('has no company without evidence', () => {
    expect(decideCompanyLink([])).toBeUndefined();
    expect(decideCompanyLink([{ domain: 'not a domain', source: 'email', confidence: 0.9, detail: '' }])).toBeUndefined();
  });

  it('a business email beats a network company, and says so', () => {
    const email = emailCompanyEvidence('jane@stripe.com');
    const link = decideCompanyLink([network('acme.com'), ...(email ? [email] : [])], 'acme.com');
    expect(link).toMatchObject({ domain: 'stripe.com', source: 'email', confidence: 0.9 });
    expect(link?.reason).toContain('stripe.com from email');
    expect(link?.reason).toContain('beats acme.com from network at 0.6');
    expect(link?.alternatives).toEqual([{ domain: 'acme.com', source: 'network', confidence: 0.6, detail: 'the network of a visit' }]);
  });

  it('corroborating evidence for one domain combines (1 - Π(1 - c)), and is listed', () => {
    const link = decideCompanyLink([
      { domain: 'acme.com', source: 'email', confidence: 0.9, detail: 'business email domain acme.com' },
      { domain: 'acme.com', source: 'dataset', confidence: 0.9, detail: 'company.domain from tenant-dataset' },
      network('globex.com'),
    ]);
    expect(link).toMatchObject({ domain: 'acme.com', confidence: 0.99 });
    // Equal confidence: the tenant's dataset ranks above the email as the strongest.
    expect(link?.source).toBe('dataset');
    expect(link?.alternatives.map((a) => [a.domain, a.source])).toEqual([
      ['acme.com', 'email'],
      ['globex.com', 'network'],
    ]);
  });

  it('the same source twice for a domain counts once, at its strongest', () => {
    const link = decideCompanyLink([network('acme.com'), { ...network('acme.com'), confidence: 0.7 }]);
    expect(link).toMatchObject({ domain: 'acme.com', confidence: 0.7, alternatives: [] });
  });

  it('a tie keeps the company the lead already has, whatever the order of the evidence', () => {
    const a = network('acme.com');
    const b = network('globex.com');
    expect(decideCompanyLink([a, b], 'globex.com')?.domain).toBe('globex.com');
    expect(decideCompanyLink([b, a], 'acme.com')?.domain).toBe('acme.com');
    expect(decideCompanyLink([b, a], 'globex.com')?.reason).toContain('ties with acme.com');
  });

  it('a group call outweighs a business email', () => {
    const link = decideCompanyLink([
      { domain: 'parent.com', source: 'group', confidence: 0.95, detail: 'a group call' },
      { domain: 'subsidiary.com', source: 'email', confidence: 0.9, detail: 'business email domain subsidiary.com' },
    ]);
    expect(link).toMatchObject({ domain: 'parent.com', source: 'group' });
  });

  it('weighs a held link by its strongest evidence, so enriching again does not inflate it', () => {
    const fresh: CompanyEvidence[] = [
      { domain: 'acme.com', source: 'email', confidence: 0.9, detail: 'business email domain acme.com' },
      { domain: 'acme.com', source: 'dataset', confidence: 0.9, detail: 'company.domain from tenant-dataset' },
    ];
    const first = decideCompanyLink(fresh);
    expect(first).toMatchObject({ confidence: 0.99, sourceConfidence: 0.9 });
    const again = decideCompanyLink([heldLinkEvidence(first!), ...fresh], 'acme.com');
    expect(again).toMatchObject({ domain: 'acme.com', source: 'dataset', confidence: 0.99, sourceConfidence: 0.9 });
    const thrice = decideCompanyLink([heldLinkEvidence(again!), ...fresh], 'acme.com');
    expect(thrice?.confidence).toBe(0.99);
  });

  it('reads a stored link back, and refuses what is not one', () => {
    const link = decideCompanyLink([network('acme.com'), { domain: 'stripe.com', source: 'email', confidence: 0.9, detail: 'x' }]);
    expect(companyLinkOf(JSON.parse(JSON.stringify(link)))).toEqual(link);
    expect(companyLinkOf(null)).toBeUndefined();
    expect(companyLinkOf({ domain: 'acme.com', source: 'rumour', confidence: 1 })).toBeUndefined();
    expect(companyLinkOf({ domain: 'acme.com', source: 'email' })).toBeUndefined();
  });

  it("infers the evidence of a company ingestion linked, and uses a stored link only when it is about that company", () => {
    expect(heldCompanyEvidence({ domain: 'apple.com', link: null, onNetwork: true })).toMatchObject({ domain: 'apple.com', source: 'network', confidence: 0.6 });
    expect(heldCompanyEvidence({ domain: 'initech.com', link: null, onNetwork: false })).toMatchObject({ domain: 'initech.com', source: 'group', confidence: 0.95 });
    expect(heldCompanyEvidence({ domain: null, link: null, onNetwork: true })).toBeUndefined();
    const link = decideCompanyLink([{ domain: 'acme.com', source: 'dataset', confidence: 0.9, detail: 'x' }]);
    expect(heldCompanyEvidence({ domain: 'acme.com', link, onNetwork: false })).toMatchObject({ source: 'dataset', confidence: 0.9 });
    // A link about another company (a group call moved the lead since) is not this company's.
    expect(heldCompanyEvidence({ domain: 'initech.com', link, onNetwork: false })).toMatchObject({ source: 'group' });
  });

  it('drops a held email link once the lead has another email', () => {
    const link = decideCompanyLink([emailCompanyEvidence('jane@old-employer.com')!]);
    const held = { domain: 'old-employer.com', link, onNetwork: false };
    expect(evidenceOfLead(held, 'jane@new-employer.com').map((e) => e.domain)).toEqual(['new-employer.com']);
    expect(evidenceOfLead(held, 'jane@old-employer.com').map((e) => [e.domain, e.source])).toEqual([
      ['old-employer.com', 'email'],
      ['old-employer.com', 'email'],
    ]);
    expect(decideCompanyLink(evidenceOfLead(held, 'jane@gmail.com'))).toBeUndefined();
  });

  it('names the kind of evidence a provider gives', () => {
    expect(sourceOfProvider('tenant-dataset')).toBe('dataset');
    expect(sourceOfProvider('ip-organization')).toBe('network');
    expect(sourceOfProvider('vendor:clearbit-like')).toBe('vendor');
    expect(sourceOfProvider('company-homepage')).toBe('enrichment');
  });
});
