import { describe, expect, it } from 'vitest';
import { companyOfGroup, domainOf } from '../../../intelligence/companies/group-company.js';
import { networkCompanyCandidate, organizationNameKey, ORGANIZATION_DOMAINS } from '../../../intelligence/ip/network-companies.js';
import { classifyNetwork } from '../../../intelligence/ip/network-kind.js';

describe('organisation name keys', () => {
  it('reduces legal forms, case, accents and punctuation to one key', () => {
    expect(organizationNameKey('SIEMENS AG')).toBe('siemens');
    expect(organizationNameKey('Siemens')).toBe('siemens');
    expect(organizationNameKey('Acme, Inc.')).toBe('acme');
    expect(organizationNameKey('Société Générale S.A.')).toBe('societe generale');
    expect(organizationNameKey('Procter & Gamble Co.')).toBe('procter and gamble');
    expect(organizationNameKey('Inc.')).toBeUndefined();
  });
});

describe('network → company candidate', () => {
  it('names the known domain of a business network', () => {
    expect(networkCompanyCandidate({ asn: 714, organization: 'Apple Inc.' })).toEqual({
      asn: 714,
      organization: 'Apple Inc.',
      nameKey: 'apple',
      known: { domain: 'apple.com', name: 'Apple' },
    });
  });

  it('keeps an unknown business network as a name to match against the tenant companies', () => {
    expect(networkCompanyCandidate({ asn: 64_999, organization: 'Initech GmbH' })).toEqual({
      asn: 64_999,
      organization: 'Initech GmbH',
      nameKey: 'initech',
      known: undefined,
    });
  });

  it('never takes hosting, cloud or consumer-ISP networks for a visiting company', () => {
    expect(networkCompanyCandidate({ asn: 16509, organization: 'Amazon.com, Inc.' })).toBeUndefined();
    expect(networkCompanyCandidate({ asn: 64_998, organization: 'Example Broadband Ltd' })).toBeUndefined();
    expect(networkCompanyCandidate(undefined)).toBeUndefined();
  });

  it('lists only networks the classifier counts as business', () => {
    for (const [asn, { name }] of ORGANIZATION_DOMAINS) expect(classifyNetwork(asn, name), `AS${asn}`).toBe('business');
  });
});

describe('the company of a group call', () => {
  it('keys it by the domain from traits.domain, traits.website or the group id', () => {
    expect(domainOf('https://www.Acme.com/about')).toBe('acme.com');
    expect(domainOf('acme.co.uk')).toBe('acme.co.uk');
    expect(domainOf('not a domain')).toBeUndefined();
    expect(companyOfGroup('g1', { website: 'https://www.initech.com', name: 'Initech, Inc.', employees: 250, industry: 'Software' })).toEqual({
      domain: 'initech.com',
      name: 'Initech, Inc.',
      nameKey: 'initech',
      industry: 'Software',
      employees: 250,
      country: undefined,
    });
    expect(companyOfGroup('globex.com', { employees: 'many' })?.employees).toBeUndefined();
    expect(companyOfGroup('globex.com', {})?.domain).toBe('globex.com');
  });

  it('has no company without a domain', () => {
    expect(companyOfGroup('42', { name: 'Nameless' })).toBeUndefined();
  });
});
