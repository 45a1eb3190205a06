import { describe, expect, it } from 'vitest';
import { subjectOfLead, type LeadIdentifiers } from '../../../intelligence/enrichment/enrichment-subject.js';

const lead = (over: Partial<LeadIdentifiers> = {}): LeadIdentifiers => ({ email: null, traits: {}, companyDomain: null, lastIp: null, ...over });

describe('subjectOfLead: what enrichment can ask about a lead', () => {
  it.each([
    ['an email at a company', lead({ email: 'ann@acme.com' }), { email: 'ann@acme.com', domain: 'acme.com' }],
    ["a free-mail address says nothing of an employer", lead({ email: 'ann@gmail.com' }), { email: 'ann@gmail.com' }],
    ["a home ISP's address says nothing of an employer", lead({ email: 'ann@btinternet.com' }), { email: 'ann@btinternet.com' }],
    ['nor does a throwaway address', lead({ email: 'ann@mailinator.com' }), { email: 'ann@mailinator.com' }],
    ["a mail subdomain's employer is its registrable domain", lead({ email: 'ann@eu.acme.co.uk' }), { email: 'ann@eu.acme.co.uk', domain: 'acme.co.uk' }],
    ["the company record's domain beats the email's", lead({ email: 'ann@acme.com', companyDomain: 'www.Parent.com' }), { email: 'ann@acme.com', domain: 'parent.com' }],
    ['a malformed email is still asked about (verification says so)', lead({ email: 'not-an-email' }), { email: 'not-an-email' }],
    ['a public address', lead({ lastIp: '8.8.8.8' }), { ip: '8.8.8.8' }],
    ['a name joins what else there is', lead({ email: 'a@acme.com', traits: { firstName: 'Ann', lastName: 'Lee' } }), { email: 'a@acme.com', domain: 'acme.com', name: 'Ann Lee' }],
  ])('%s', (_, input, expected) => {
    expect(subjectOfLead(input)).toEqual(expected);
  });

  it.each([
    ['nothing at all', lead()],
    ['a name alone identifies nobody', lead({ traits: { name: 'Ann Lee' } })],
    ['a private address is not looked up', lead({ lastIp: '10.1.2.3' })],
    ['a masked address is not looked up', lead({ lastIp: '' })],
    ['blank values', lead({ email: '   ', companyDomain: ' ' })],
  ])('none for %s', (_, input) => {
    expect(subjectOfLead(input)).toBeUndefined();
  });
});
