import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { homepageFacts, type HomepageFacts } from '../../../intelligence/enrichment/homepage-facts.js';
import { homepageFields } from '../../../intelligence/enrichment/homepage-fields.js';

// Homepages modelled on what such sites publicly serve (a WordPress marketing site with Yoast's JSON-LD @graph,
// a Shopify store behind Cloudflare, a Next.js SaaS on Vercel with HubSpot and Tag Manager, a Drupal utility,
// a Webflow studio, a Gatsby site on Netlify, and an agency page that only talks about technologies),
// each labelled with what it must yield and what it must not.
const directory = new URL('./fixtures/homepages/', import.meta.url);

const labelSchema = z.record(
  z.string(),
  z.object({
    url: z.string().url(),
    headers: z.record(z.string(), z.string()),
    technologies: z.array(z.string()),
    absent: z.array(z.string()),
    facts: z.object({
      name: z.string(),
      nameSource: z.string(),
      legalName: z.string().optional(),
      logo: z.string().optional(),
      country: z.string().optional(),
      foundedYear: z.number().optional(),
      employees: z.number().optional(),
      language: z.string().optional(),
      socialLinks: z.record(z.string(), z.string()),
      email: z.string().optional(),
      phone: z.string().optional(),
      contactPage: z.string().optional(),
    }),
  }),
);
const labels = labelSchema.parse(JSON.parse(readFileSync(new URL('labels.json', directory), 'utf8')));
const cases = Object.entries(labels).map(([file, label]) => ({ file, ...label }));

function factsOf(file: string): HomepageFacts {
  const label = labels[file];
  if (label === undefined) throw new Error(`no label for ${file}`);
  return homepageFacts({ url: label.url, status: 200, headers: label.headers, html: readFileSync(new URL(file, directory), 'utf8') });
}

describe('labelled homepages', () => {
  it('labels every fixture', () => {
    expect(cases.map((entry) => entry.file).sort()).toEqual([
      'agency-talks-about-tech.html',
      'drupal-site.html',
      'gatsby-netlify.html',
      'nextjs-saas.html',
      'shopify-store.html',
      'webflow-site.html',
      'wordpress-marketing.html',
    ]);
  });

  it.each(cases)('$file: every labelled technology, and none of the absent ones', ({ file, technologies, absent }) => {
    const facts = factsOf(file);
    expect(facts.technologies).toEqual(expect.arrayContaining(technologies));
    for (const name of absent) expect(facts.technologies).not.toContain(name);
    // Every detection carries its categories and a confidence.
    for (const technology of facts.technologyDetails) {
      expect(technology.categories.length).toBeGreaterThan(0);
      expect(technology.confidence).toBeGreaterThan(0);
    }
  });

  it.each(cases)('$file: the company facts, and nothing unlabelled', ({ file, facts: expected }) => {
    const facts = factsOf(file);
    expect({
      name: facts.name,
      nameSource: facts.nameSource,
      legalName: facts.legalName?.value,
      logo: facts.logo?.value,
      country: facts.country?.value,
      foundedYear: facts.foundedYear?.value,
      employees: facts.employees?.value,
      language: facts.language?.value,
      socialLinks: facts.socialLinks,
      email: facts.contact.email?.value,
      phone: facts.contact.phone?.value,
      contactPage: facts.contact.page?.value,
    }).toEqual({
      legalName: undefined,
      logo: undefined,
      country: undefined,
      foundedYear: undefined,
      employees: undefined,
      language: undefined,
      email: undefined,
      phone: undefined,
      contactPage: undefined,
      ...expected,
    });
  });

  it("reads the site's own mailto before a web agency's", () => {
    expect(factsOf('wordpress-marketing.html').contact.email?.value).toBe('hello@northwindlogistics.com');
  });

  it('reads versions the fingerprints capture', () => {
    const versions = Object.fromEntries(factsOf('wordpress-marketing.html').technologyDetails.map((technology) => [technology.name, technology.version]));
    expect(versions).toMatchObject({ WordPress: '6.5.2', Elementor: '3.21.4', Nginx: '1.24.0', PHP: '8.2.18' });
  });

  it('emits company fields, structured data above meta above markup', () => {
    const fields = Object.fromEntries(homepageFields(factsOf('nextjs-saas.html'), 'https://ledgerly.io/').map((field) => [field.field, field]));
    const claim = (value: unknown, confidence: number) => ({ value, confidence, verified: false });
    expect(fields).toMatchObject({
      'company.website': { value: 'https://ledgerly.io/', confidence: 0.95, verified: true },
      'company.name': claim('Ledgerly', 0.9),
      'company.legalName': claim('Ledgerly, Inc.', 0.85),
      'company.description': claim('Ledgerly is the close-management platform for finance teams: reconciliations, accruals and flux analysis in one place.', 0.85),
      'company.logo': claim('https://ledgerly.io/images/brand/ledgerly-logo.svg', 0.85),
      'company.image': claim('https://ledgerly.io/images/og/home.png', 0.6),
      'company.country': claim('US', 0.85),
      'company.address': claim({ street: '548 Market St, Suite 23000', locality: 'San Francisco', region: 'CA', postalCode: '94104', country: 'US' }, 0.85),
      'company.foundedYear': claim(2019, 0.85),
      'company.employees': claim(140, 0.6),
      'company.language': claim('en', 0.9),
      'company.contact.email': claim('sales@ledgerly.io', 0.85),
      'company.contact.phone': claim('+1-415-555-0134', 0.85),
      'company.contact.page': claim('https://ledgerly.io/company/contact', 0.7),
      'company.socialLinks.linkedin': claim('https://www.linkedin.com/company/ledgerly-io', 0.9),
      'company.socialLinks.crunchbase': claim('https://www.crunchbase.com/organization/ledgerly', 0.9),
      'company.techStack': { confidence: 0.85, verified: false },
    });
    expect(fields['company.techStack']?.value).toEqual(expect.arrayContaining(['Next.js', 'React', 'Vercel', 'HubSpot', 'Google Tag Manager']));
    expect(fields['company.techCategories']?.value).toEqual(expect.arrayContaining(['JavaScript frameworks', 'PaaS', 'Marketing automation', 'Tag managers']));
  });

  it('scales company claims, not the website or its stack, when the homepage lives on another domain', () => {
    const fields = Object.fromEntries(homepageFields(factsOf('drupal-site.html'), 'https://www.stadtwerke-rheinau.de/', 0.75).map((field) => [field.field, field]));
    expect(fields['company.website']?.confidence).toBe(0.95);
    expect(fields['company.name']?.confidence).toBeCloseTo(0.9 * 0.75);
    expect(fields['company.country']?.confidence).toBeCloseTo(0.85 * 0.75);
    // Open Graph is read from meta tags, the rest from headers: as sure as the markup, and not verified.
    expect(fields['company.techStack']).toMatchObject({ value: ['Drupal', 'PHP', 'Apache HTTP Server', 'Open Graph'], confidence: 0.85, verified: false });
  });
});
