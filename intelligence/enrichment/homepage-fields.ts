/**
 * Homepage facts as company fields, each with what it is worth by where it
 * came from: structured data the site declares (schema.org JSON-LD) above
 * its meta tags, above what its markup and links suggest.
 */
import type { FieldCandidate } from './enrichment-types.js';
import type { DescriptionSource, FactSource, HomepageFacts, NameSource, SourcedFact, TechnologyEvidence } from './homepage-facts.js';

// A site's declared Organization or og:site_name is the name it wants shown; a piece of its <title> is our guess at one.
const NAME_CONFIDENCE: Readonly<Record<NameSource, number>> = { 'json-ld': 0.9, 'og:site_name': 0.85, 'application-name': 0.8, title: 0.6, 'title-part': 0.5 };
const DESCRIPTION_CONFIDENCE: Readonly<Record<DescriptionSource, number>> = { 'json-ld': 0.85, description: 0.8, 'og:description': 0.75 };
// Linked from the site itself, but a homepage can link a partner's profile too; `sameAs` names the site's own.
const SOCIAL_CONFIDENCE: Readonly<Record<FactSource, number>> = { 'json-ld': 0.9, meta: 0.8, markup: 0.8 };
const TECHNOLOGY_CONFIDENCE: Readonly<Record<TechnologyEvidence, number>> = { header: 0.95, markup: 0.85, heuristic: 0.75 };
// What the site states of itself in structured data; a headcount it declares is often years old.
const DECLARED = 0.85;
const DECLARED_HEADCOUNT = 0.6;
const CONTACT_CONFIDENCE: Readonly<Record<FactSource, number>> = { 'json-ld': 0.85, meta: 0.75, markup: 0.7 };
const LANGUAGE_CONFIDENCE: Readonly<Record<FactSource, number>> = { 'json-ld': 0.9, markup: 0.9, meta: 0.7 };
const IMAGE_CONFIDENCE = 0.6;

/**
 * The fields a homepage yields. `website` is the URL the page was served
 * from; `factor` scales every claim (below 1 when the homepage moved to
 * another domain and may describe its new owner).
 */
export function homepageFields(facts: HomepageFacts, website: string, factor = 1): FieldCandidate[] {
  const fields: FieldCandidate[] = [{ field: 'company.website', value: website, confidence: 0.95, verified: true }];
  const claim = (field: string, value: unknown, confidence: number) => fields.push({ field, value, confidence: confidence * factor, verified: false });
  const sourced = <T>(field: string, fact: SourcedFact<T> | undefined, confidence: number | Readonly<Record<FactSource, number>>) => {
    if (fact !== undefined) claim(field, fact.value, typeof confidence === 'number' ? confidence : confidence[fact.source]);
  };

  if (facts.name !== undefined && facts.nameSource !== undefined) claim('company.name', facts.name, NAME_CONFIDENCE[facts.nameSource]);
  if (facts.description !== undefined && facts.descriptionSource !== undefined) {
    claim('company.description', facts.description, DESCRIPTION_CONFIDENCE[facts.descriptionSource]);
  }
  sourced('company.legalName', facts.legalName, DECLARED);
  sourced('company.logo', facts.logo, DECLARED);
  sourced('company.image', facts.image, IMAGE_CONFIDENCE);
  sourced('company.country', facts.country, DECLARED);
  sourced('company.address', facts.address, DECLARED);
  sourced('company.foundedYear', facts.foundedYear, DECLARED);
  sourced('company.employees', facts.employees, DECLARED_HEADCOUNT);
  sourced('company.language', facts.language, LANGUAGE_CONFIDENCE);
  sourced('company.contact.email', facts.contact.email, CONTACT_CONFIDENCE);
  sourced('company.contact.phone', facts.contact.phone, CONTACT_CONFIDENCE);
  sourced('company.contact.page', facts.contact.page, CONTACT_CONFIDENCE);
  for (const [network, link] of Object.entries(facts.socialLinks)) {
    const source = facts.socialSources[network as keyof typeof facts.socialSources] ?? 'markup';
    claim(`company.socialLinks.${network}`, link, SOCIAL_CONFIDENCE[source]);
  }
  if (facts.technologies.length > 0) {
    // One list, as certain as its least certain member; verified only when the server's own headers named every entry.
    const evidence = facts.technologies.map((name) => facts.technologyEvidence[name] ?? 'heuristic');
    const confidence = Math.min(...evidence.map((seen) => TECHNOLOGY_CONFIDENCE[seen]));
    // What the served site runs on, whichever company it belongs to: not scaled by `factor`.
    fields.push({ field: 'company.techStack', value: [...facts.technologies], confidence, verified: evidence.every((seen) => seen === 'header') });
    const categories = [...new Set(facts.technologyDetails.flatMap((technology) => technology.categories))].sort();
    fields.push({ field: 'company.techCategories', value: categories, confidence, verified: false });
  }
  return fields;
}
