import { describe, expect, it } from 'vitest';
import {
  domainAndParentsToRegistrable,
  domainParts,
  isRegistrableDomain,
  registrableDomain,
} from '../../../intelligence/domains/registrable-domain.js';

describe('registrableDomain (Public Suffix List through tldts)', () => {
  it.each([
    ['www.acme.com', 'acme.com'],
    ['mail.eu.acme.co.uk', 'acme.co.uk'],
    ['acme.com.au', 'acme.com.au'],
    ['shop.acme.co.jp', 'acme.co.jp'],
    ['a.b.acme.com.br', 'acme.com.br'],
    ['ACME.COM.', 'acme.com'],
    ['acme.github.io', 'acme.github.io'],
    ['portal.city.kawasaki.jp', 'city.kawasaki.jp'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
  ])('%s → %s', (host, expected) => {
    expect(registrableDomain(host)).toBe(expected);
  });

  it.each([['co.uk'], ['com'], ['localhost'], ['192.0.2.1'], ['::1'], [''], ['acme.com/path']])('%j has none', (host) => {
    expect(registrableDomain(host)).toBeUndefined();
  });

  it('says which suffix and label it found, and whether the suffix is ICANN', () => {
    expect(domainParts('www.acme.co.uk')).toEqual({ registrable: 'acme.co.uk', publicSuffix: 'co.uk', label: 'acme', icann: true });
    expect(domainParts('acme.github.io')).toMatchObject({ publicSuffix: 'github.io', icann: false });
  });

  it('tells a registrable domain from a subdomain and a suffix', () => {
    expect(isRegistrableDomain('acme.co.uk')).toBe(true);
    expect(isRegistrableDomain('www.acme.co.uk')).toBe(false);
    expect(isRegistrableDomain('co.uk')).toBe(false);
  });

  it('lists a host and its parents down to the registrable domain only', () => {
    expect(domainAndParentsToRegistrable('a.b.acme.co.uk')).toEqual(['a.b.acme.co.uk', 'b.acme.co.uk', 'acme.co.uk']);
    expect(domainAndParentsToRegistrable('acme.com')).toEqual(['acme.com']);
    expect(domainAndParentsToRegistrable('co.uk')).toEqual(['co.uk']);
  });
});
