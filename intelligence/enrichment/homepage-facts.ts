/**
 * What a company's homepage says of it: its name, description, legal name,
 * logo, address, social profiles, founding year, size, contact points,
 * language and the technologies it runs on. Pure: the page (body, headers
 * and cookies) is fetched elsewhere and handed in, its first megabyte at most.
 * Where a fact comes from several places, structured data (schema.org JSON-LD)
 * outranks meta tags, which outrank the page's text and links.
 */
import { domainParts } from '../domains/registrable-domain.js';
import { collapseWhitespace, metaContent, scanHtml, type ScannedHtml } from './html-scan.js';
import { socialLinksOf, type SocialLinks, type SocialNetwork } from './social-links.js';
import { organizationFromJsonLd, type OrganizationData, type PostalAddress } from './structured-data.js';
import { detectTechnologies, type DetectedTechnology, type TechnologyEvidence } from './technology-detection.js';
import { technologyFingerprints } from './technology-fingerprint-data.js';
import type { FingerprintSet } from './technology-fingerprints.js';
import { technologyPage } from './technology-page.js';

export type { SocialLinks, SocialNetwork } from './social-links.js';
export type { DetectedTechnology, TechnologyEvidence } from './technology-detection.js';
export type { OrganizationData, PostalAddress } from './structured-data.js';

export interface HomepagePage {
  /** The URL the page was finally served from (links are resolved against it). */
  readonly url: string;
  readonly status: number;
  /** Response headers; `set-cookie` may hold several cookies, one a line. */
  readonly headers: Readonly<Record<string, string>>;
  readonly html: string;
}

/**
 * Where the name came from, most trustworthy first: the Organization the
 * site declares in JSON-LD, its `og:site_name`, its `application-name`, its
 * whole `<title>`, or one part of a title that also carries a tagline.
 */
export type NameSource = 'json-ld' | 'og:site_name' | 'application-name' | 'title' | 'title-part';
export type DescriptionSource = 'json-ld' | 'description' | 'og:description';
/** Structured data, a meta tag, or the page's markup (`<html lang>`, links). */
export type FactSource = 'json-ld' | 'meta' | 'markup';

export interface SourcedFact<T> {
  readonly value: T;
  readonly source: FactSource;
}

export interface HomepageContact {
  readonly email?: SourcedFact<string>;
  readonly phone?: SourcedFact<string>;
  /** The site's own contact page. */
  readonly page?: SourcedFact<string>;
}

export interface HomepageFacts {
  readonly name?: string;
  readonly nameSource?: NameSource;
  readonly description?: string;
  readonly descriptionSource?: DescriptionSource;
  readonly socialLinks: SocialLinks;
  /** Where each of `socialLinks` came from: the Organization's `sameAs`, or the page's links. */
  readonly socialSources: { readonly [network in SocialNetwork]?: FactSource };
  /** Technology names, most telling first (CMS and ecommerce before widgets and CDNs). */
  readonly technologies: readonly string[];
  /** How each of `technologies` was seen. */
  readonly technologyEvidence: Readonly<Record<string, TechnologyEvidence>>;
  /** Each technology with its categories, confidence and version. */
  readonly technologyDetails: readonly DetectedTechnology[];
  /** The Organization node the page declares, as read. */
  readonly organization?: OrganizationData;
  readonly legalName?: SourcedFact<string>;
  readonly logo?: SourcedFact<string>;
  /** `og:image`: the picture the site shares, often not its logo. */
  readonly image?: SourcedFact<string>;
  readonly address?: SourcedFact<PostalAddress>;
  /** ISO 3166-1 alpha-2. */
  readonly country?: SourcedFact<string>;
  readonly foundedYear?: SourcedFact<number>;
  readonly employees?: SourcedFact<number>;
  /** BCP 47 tag of the page's language (`en`, `de-CH`). */
  readonly language?: SourcedFact<string>;
  readonly contact: HomepageContact;
}

const MAX_NAME = 100;
const MAX_DESCRIPTION = 1_000;

function nameText(raw: string | undefined): string | undefined {
  const text = raw === undefined ? '' : collapseWhitespace(raw);
  return text !== '' && text.length <= MAX_NAME && /[\p{L}\p{N}]/u.test(text) ? text : undefined;
}

// Title parts that name the page, not the company.
const GENERIC_PART = /^(?:home|home ?page|welcome|index|official (?:site|web ?site)|main page|untitled|startseite|accueil|inicio)$/i;
// Pipes never occur in names; dashes and dots only count between spaces ("Coca-Cola").
const TITLE_SEPARATOR = /\s*\|\s*|\s+[-\u2013\u2014\u00b7\u2022]\s+/;

const squash = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** `acme` of `www.acme.com`, `app.acme.com` or `acme.co.uk`; undefined for an IP address. */
function domainLabel(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
  // The Public Suffix List knows `co.uk`, `com.au` and `github.io`; an IP address has no label.
  const label = domainParts(host)?.label;
  return label !== undefined && label.length >= 3 ? label : undefined;
}

/**
 * The company's name from a `<title>` such as "Acme | Widgets for teams" or
 * "Home - Acme Corp": split on `|`, and on ` - `, ` – `, ` — `, ` · `, ` • `
 * between spaces; drop generic parts ("Home", "Welcome"); prefer the parts
 * that match the domain's label (`acme` in acme.com), then the shortest part,
 * since a tagline is longer than the name it follows. `title` is text
 * (entities decoded, whitespace collapsed), as `scanHtml` gives it.
 */
export function nameFromTitle(title: string, pageUrl: string): { name: string; source: 'title' | 'title-part' } | undefined {
  // A real title is a line; a megabyte of one is junk not worth splitting.
  const parts = title
    .slice(0, 4 * MAX_NAME)
    .split(TITLE_SEPARATOR)
    .map((part) => part.replace(/^welcome to\s+/i, '').trim())
    .filter((part) => part.length >= 2 && part.length <= MAX_NAME && /\p{L}/u.test(part) && !GENERIC_PART.test(part));
  if (parts.length === 0) return undefined;
  const source = TITLE_SEPARATOR.test(title) ? 'title-part' : 'title';
  const label = domainLabel(pageUrl);
  const matching = label === undefined ? [] : parts.filter((part) => squash(part).includes(label) || (squash(part).length >= 3 && label.includes(squash(part))));
  const pool = matching.length > 0 ? matching : parts;
  const name = pool.reduce((shortest, part) => (part.length < shortest.length ? part : shortest));
  return { name, source };
}

function absolute(href: string, base: string): URL | undefined {
  try {
    return new URL(href.trim(), base);
  } catch {
    return undefined;
  }
}

const sameHost = (a: URL, b: URL) => a.hostname.replace(/^www\./, '') === b.hostname.replace(/^www\./, '');
const CONTACT_PATH = /^(?:contact(?:[-_]?us)?|kontakt|contacto|contato|contatti|contactez[-_]nous|get[-_]in[-_]touch)(?:\.html?|\.php)?$/i;
const CONTACT_TEXT = /^(?:contact(?: us)?|kontakt|contacto|contato|contatti|contactez-nous|get in touch)$/i;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[a-z]{2,}$/i;

/** Contact points linked from the page: a mailto, a tel, and the site's own contact page. */
function contactLinks(scanned: ScannedHtml, pageUrl: string): HomepageContact {
  const page = absolute(pageUrl, pageUrl);
  let email: string | undefined;
  let phone: string | undefined;
  let contactPage: string | undefined;
  for (const anchor of scanned.anchors) {
    const href = anchor.href.trim();
    if (/^mailto:/i.test(href)) {
      let address = href.slice(7).split('?')[0] ?? '';
      try {
        address = decodeURIComponent(address);
      } catch {
        continue;
      }
      address = address.split(',')[0]?.trim().toLowerCase() ?? '';
      // The site's own domain first: a mailto of a partner or a web agency is not the company's.
      const own = page !== undefined && address.endsWith(`@${page.hostname.replace(/^www\./, '')}`);
      if (EMAIL.test(address) && (email === undefined || (own && !email.endsWith(`@${page?.hostname.replace(/^www\./, '')}`)))) email = address;
      continue;
    }
    if (/^tel:/i.test(href)) {
      let number = href.slice(4);
      try {
        number = decodeURIComponent(number);
      } catch {
        continue;
      }
      number = number.replace(/[^\d+()\s.-]/g, '').trim();
      if (phone === undefined && (number.match(/\d/g) ?? []).length >= 6) phone = number;
      continue;
    }
    if (contactPage !== undefined || page === undefined) continue;
    const url = absolute(href, pageUrl);
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || !sameHost(url, page)) continue;
    const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
    if (CONTACT_PATH.test(last) || (CONTACT_TEXT.test(anchor.text) && url.pathname !== page.pathname)) {
      url.hash = '';
      contactPage = url.href;
    }
  }
  return {
    ...(email === undefined ? {} : { email: { value: email, source: 'markup' as const } }),
    ...(phone === undefined ? {} : { phone: { value: phone, source: 'markup' as const } }),
    ...(contactPage === undefined ? {} : { page: { value: contactPage, source: 'markup' as const } }),
  };
}

/** The page's language: `<html lang>`, else `og:locale` (`en_US`), in canonical BCP 47 form. */
function languageOf(scanned: ScannedHtml): SourcedFact<string> | undefined {
  const canonical = (tag: string | undefined): string | undefined => {
    if (tag === undefined || tag.trim() === '' || tag.length > 35) return undefined;
    try {
      return Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'))[0];
    } catch {
      return undefined;
    }
  };
  const declared = canonical(scanned.lang);
  if (declared !== undefined) return { value: declared, source: 'markup' };
  const locale = canonical(metaContent(scanned, 'og:locale'));
  return locale === undefined ? undefined : { value: locale, source: 'meta' };
}

const sourced = <T>(value: T | undefined, source: FactSource): SourcedFact<T> | undefined => (value === undefined ? undefined : { value, source });

/** Facts of a homepage; `fingerprints` defaults to the shipped set (loaded once, on first use). */
export function homepageFacts(page: HomepagePage, fingerprints: FingerprintSet = technologyFingerprints()): HomepageFacts {
  const scanned = scanHtml(page.html);
  const jsonLd = scanned.scripts.filter((script) => /^\s*application\/ld\+json\s*$/i.test(script.type ?? '')).map((script) => script.text);
  const organization = organizationFromJsonLd(jsonLd, page.url);

  const declaredName = nameText(organization?.name);
  const siteName = nameText(metaContent(scanned, 'og:site_name'));
  const applicationName = nameText(metaContent(scanned, 'application-name'));
  const fromTitle = scanned.title === undefined ? undefined : nameFromTitle(scanned.title, page.url);
  const [name, nameSource]: [string | undefined, NameSource | undefined] = declaredName
    ? [declaredName, 'json-ld']
    : siteName
      ? [siteName, 'og:site_name']
      : applicationName
        ? [applicationName, 'application-name']
        : [fromTitle?.name, fromTitle?.source];

  const declaredDescription = collapseWhitespace(organization?.description ?? '').slice(0, MAX_DESCRIPTION);
  const metaDescription = collapseWhitespace(metaContent(scanned, 'description') ?? '').slice(0, MAX_DESCRIPTION);
  const ogDescription = collapseWhitespace(metaContent(scanned, 'og:description') ?? '').slice(0, MAX_DESCRIPTION);
  const [description, descriptionSource]: [string | undefined, DescriptionSource | undefined] =
    declaredDescription !== ''
      ? [declaredDescription, 'json-ld']
      : metaDescription !== ''
        ? [metaDescription, 'description']
        : ogDescription !== ''
          ? [ogDescription, 'og:description']
          : [undefined, undefined];

  // The Organization's own `sameAs` outranks whatever the page happens to link.
  const linked = socialLinksOf(
    scanned.anchors.map((anchor) => anchor.href),
    page.url,
  );
  const socialLinks: { [network in SocialNetwork]?: string } = { ...linked, ...organization?.sameAs };
  const socialSources: { [network in SocialNetwork]?: FactSource } = {};
  for (const network of Object.keys(socialLinks) as SocialNetwork[]) socialSources[network] = organization?.sameAs[network] !== undefined ? 'json-ld' : 'markup';

  const technologyDetails = detectTechnologies(technologyPage(page.url, page.html, page.headers, scanned), fingerprints);

  const linkedContact = contactLinks(scanned, page.url);
  const contact: HomepageContact = {
    ...linkedContact,
    ...(organization?.email === undefined ? {} : { email: { value: organization.email, source: 'json-ld' as const } }),
    ...(organization?.telephone === undefined ? {} : { phone: { value: organization.telephone, source: 'json-ld' as const } }),
  };
  const ogImage = metaContent(scanned, 'og:image');
  const image = ogImage === undefined ? undefined : absolute(ogImage, page.url);

  return {
    name,
    nameSource: name === undefined ? undefined : nameSource,
    description,
    descriptionSource,
    socialLinks,
    socialSources,
    technologies: technologyDetails.map((technology) => technology.name),
    technologyEvidence: Object.fromEntries(technologyDetails.map((technology) => [technology.name, technology.evidence])),
    technologyDetails,
    organization,
    legalName: sourced(nameText(organization?.legalName), 'json-ld'),
    logo: sourced(organization?.logo, 'json-ld'),
    image: image !== undefined && (image.protocol === 'https:' || image.protocol === 'http:') ? { value: image.href, source: 'meta' } : undefined,
    address: sourced(organization?.address, 'json-ld'),
    country: sourced(organization?.address?.country, 'json-ld'),
    foundedYear: sourced(organization?.foundedYear, 'json-ld'),
    employees: sourced(organization?.employees, 'json-ld'),
    language: languageOf(scanned),
    contact,
  };
}
