import { describe, expect, it } from 'vitest';
import { homepageFacts } from '../../../intelligence/enrichment/homepage-facts.js';
import { countryCode, organizationFromJsonLd } from '../../../intelligence/enrichment/structured-data.js';

const PAGE = 'https://www.acme.com/';
const ld = (value: unknown) => JSON.stringify(value);
const page = (head: string, body = '', url = PAGE) =>
  homepageFacts({ url, status: 200, headers: {}, html: `<!doctype html><html lang="en"><head>${head}</head><body>${body}</body></html>` });
const script = (json: string) => `<script type="application/ld+json">${json}</script>`;

describe('the Organization in JSON-LD', () => {
  it('follows @id references in an @graph, even to a node defined after its reference', () => {
    const organization = organizationFromJsonLd(
      [
        ld({
          '@context': 'https://schema.org',
          '@graph': [
            { '@type': 'WebSite', '@id': `${PAGE}#website`, publisher: { '@id': `${PAGE}#organization` } },
            { '@type': 'Organization', '@id': 'https://partner.example/#organization', name: 'Partner', url: 'https://partner.example/' },
            {
              '@type': 'Organization',
              '@id': `${PAGE}#organization`,
              name: 'Acme',
              logo: { '@id': `${PAGE}#logo` },
              sameAs: ['https://www.linkedin.com/company/acme/', 'https://x.com/AcmeHQ', 'not a url', 'https://github.com/acme'],
            },
            { '@type': 'ImageObject', '@id': `${PAGE}#logo`, url: '/static/logo.png' },
          ],
        }),
      ],
      PAGE,
    );
    expect(organization).toEqual({
      type: 'Organization',
      name: 'Acme',
      logo: 'https://www.acme.com/static/logo.png',
      sameAs: { linkedin: 'https://www.linkedin.com/company/acme', twitter: 'https://x.com/acmehq', github: 'https://github.com/acme' },
    });
  });

  it('takes the node of this site over a partner named first, and reads subtypes', () => {
    const organization = organizationFromJsonLd(
      [ld([{ '@type': 'Organization', name: 'Partner', url: 'https://partner.example' }, { '@type': ['Store', 'Brand'], name: 'Acme Shop', url: 'https://acme.com/' }])],
      PAGE,
    );
    expect(organization).toMatchObject({ type: 'Store', name: 'Acme Shop' });
  });

  it.each([
    ['a count', 250, 250],
    ['a count as text', '1,200', 1200],
    ['a range as text', '51-200', 126],
    ['an exact QuantitativeValue', { '@type': 'QuantitativeValue', value: 75 }, 75],
    ['a QuantitativeValue range', { '@type': 'QuantitativeValue', minValue: 1001, maxValue: 5000 }, 3001],
    ['a lower bound only', { '@type': 'QuantitativeValue', minValue: '10000' }, 10000],
    ['nonsense', 'lots', undefined],
    ['zero', 0, undefined],
  ])('reads numberOfEmployees as %s', (_case, numberOfEmployees, employees) => {
    expect(organizationFromJsonLd([ld({ '@type': 'Corporation', name: 'Acme', numberOfEmployees })], PAGE)?.employees).toBe(employees);
  });

  it.each([
    ['2010', 2010],
    ['2010-06', 2010],
    ['2010-06-01T00:00:00Z', 2010],
    ['June 2010', undefined],
    ['0999', undefined],
  ])('reads foundingDate %s', (foundingDate, year) => {
    expect(organizationFromJsonLd([ld({ '@type': 'Organization', name: 'Acme', foundingDate })], PAGE)?.foundedYear).toBe(year);
  });

  it.each([
    ['de', 'DE'],
    ['United States', 'US'],
    ['UK', 'GB'],
    ['United Kingdom', 'GB'],
    ['Deutschland', undefined],
    ['EU', undefined],
    ['ZZ', undefined],
    ['Atlantis', undefined],
  ])('reads the country %s', (value, code) => {
    expect(countryCode(value)).toBe(code);
  });

  it('reads the address, a Country node, and contact points', () => {
    const organization = organizationFromJsonLd(
      [
        ld({
          '@type': 'LocalBusiness',
          name: 'Acme',
          address: { '@type': 'PostalAddress', streetAddress: ' 1  Main St ', addressLocality: 'Springfield', addressCountry: { '@type': 'Country', name: 'Canada' } },
          contactPoint: { '@type': 'ContactPoint', email: 'mailto:Sales@Acme.com', telephone: '+1 555 0100' },
        }),
      ],
      PAGE,
    );
    expect(organization).toMatchObject({ address: { street: '1 Main St', locality: 'Springfield', country: 'CA' }, email: 'sales@acme.com', telephone: '+1 555 0100' });
  });

  it('ignores broken blocks, keeps the good ones, and finds none where none is declared', () => {
    expect(organizationFromJsonLd(['{ "@type": "Organization", ', `<!-- ${ld({ '@type': 'Organization', name: 'Acme' })} -->`], PAGE)?.name).toBe('Acme');
    expect(organizationFromJsonLd([ld({ '@type': 'WebSite', name: 'Acme' }), ld({ '@type': 'Organization' }), 'null', '[]'], PAGE)).toBeUndefined();
  });
});

describe('structured data above meta above markup', () => {
  const organization = script(
    ld({
      '@type': 'Organization',
      name: 'Acme Corporation',
      description: 'Acme makes widgets.',
      sameAs: ['https://twitter.com/acme_official'],
      telephone: '+1 555 0199',
    }),
  );
  const head = `<title>Acme | Widgets</title><meta property="og:site_name" content="Acme"><meta name="description" content="Widgets for teams."><meta property="og:image" content="/og.png">`;
  const body = '<a href="https://twitter.com/acmewidgets">X</a><a href="https://twitter.com/acmewidgets">X</a><a href="tel:+1-555-0100">Call</a>';

  it('with JSON-LD', () => {
    const facts = page(`${head}${organization}`, body);
    expect(facts).toMatchObject({
      name: 'Acme Corporation',
      nameSource: 'json-ld',
      description: 'Acme makes widgets.',
      descriptionSource: 'json-ld',
      socialLinks: { twitter: 'https://x.com/acme_official' },
      socialSources: { twitter: 'json-ld' },
      contact: { phone: { value: '+1 555 0199', source: 'json-ld' } },
      image: { value: 'https://www.acme.com/og.png', source: 'meta' },
    });
  });

  it('without', () => {
    const facts = page(head, body);
    expect(facts).toMatchObject({
      name: 'Acme',
      nameSource: 'og:site_name',
      description: 'Widgets for teams.',
      descriptionSource: 'description',
      socialLinks: { twitter: 'https://x.com/acmewidgets' },
      socialSources: { twitter: 'markup' },
      contact: { phone: { value: '+1-555-0100', source: 'markup' } },
    });
    expect(facts.organization).toBeUndefined();
    expect(facts.legalName).toBeUndefined();
  });
});

describe('language and contact links', () => {
  it.each([
    ['<html lang="EN-us">', 'en-US', 'markup'],
    ['<html lang="pt_BR">', 'pt-BR', 'markup'],
    ['<html lang="not a tag!"><meta property="og:locale" content="fr_FR">', 'fr-FR', 'meta'],
    ['<html>', undefined, undefined],
  ])('%s → %s', (start, value, source) => {
    const facts = homepageFacts({ url: PAGE, status: 200, headers: {}, html: `${start}<head><title>Acme</title></head><body></body></html>` });
    expect(facts.language?.value).toBe(value);
    expect(facts.language?.source).toBe(source);
  });

  it("prefers the site's own address, skips junk, and finds the contact page by path or by text", () => {
    const facts = page(
      '<title>Acme</title>',
      `<a href="mailto:">empty</a><a href="mailto:design@agency.example">agency</a><a href="mailto:Hello%40acme.com?subject=Hi">mail</a>
       <a href="tel:12">short</a><a href="tel:+49%2030%20123456">call</a>
       <a href="https://other.example/contact">theirs</a><a href="/company">Get in touch</a><a href="/kontakt">Kontakt</a>`,
    );
    expect(facts.contact).toEqual({
      email: { value: 'hello@acme.com', source: 'markup' },
      phone: { value: '+49 30 123456', source: 'markup' },
      page: { value: 'https://www.acme.com/company', source: 'markup' },
    });
  });

  it('finds no contact where the page links none', () => {
    expect(page('<title>Acme</title>', '<a href="/pricing">Pricing</a><a href="#contact">Contact</a>').contact).toEqual({});
  });
});
