/**
 * What a company's homepage says of it: its name, description, social
 * profiles and the technologies it runs on. Pure: the page is fetched
 * elsewhere and handed in (its first megabyte at most).
 */
import { collapseWhitespace, scanHtml, type ScannedTag } from './html-scan.js';
import { socialLinksOf, type SocialLinks } from './social-links.js';
import { detectTechnologies, type TechnologyEvidence } from './technology-signatures.js';

export type { SocialLinks, SocialNetwork } from './social-links.js';
export type { TechnologyEvidence } from './technology-signatures.js';

export interface HomepagePage {
  /** The URL the page was finally served from (links are resolved against it). */
  readonly url: string;
  readonly status: number;
  /** Response headers; `set-cookie` may hold several cookies, one a line. */
  readonly headers: Readonly<Record<string, string>>;
  readonly html: string;
}

/**
 * Where the name came from, most trustworthy first: the site's declared
 * `og:site_name`, its `application-name`, its whole `<title>`, or one part of a
 * title that also carries a tagline.
 */
export type NameSource = 'og:site_name' | 'application-name' | 'title' | 'title-part';
export type DescriptionSource = 'description' | 'og:description';

export interface HomepageFacts {
  readonly name?: string;
  readonly nameSource?: NameSource;
  readonly description?: string;
  readonly descriptionSource?: DescriptionSource;
  readonly socialLinks: SocialLinks;
  /** Technology names in a stable order (CMS, marketing, analytics, frameworks, hosting). */
  readonly technologies: readonly string[];
  /** How each of `technologies` was seen. */
  readonly technologyEvidence: Readonly<Record<string, TechnologyEvidence>>;
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
  if (host.includes(':') || /^[\d.]+$/.test(host)) return undefined;
  const labels = host.split('.').filter((label) => label !== 'www');
  const [secondLevel = '', topLevel = ''] = labels.slice(-2);
  // `co.uk`, `com.au`: a short second level under a country code is part of the suffix.
  const suffix = labels.length > 2 && topLevel.length === 2 && secondLevel.length <= 3 ? 2 : 1;
  const label = labels[labels.length - suffix - 1];
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

/** First non-empty `content` of each `<meta name|property>`, keyed lower-case. */
function metaContents(tags: readonly ScannedTag[]): Map<string, string> {
  const metas = new Map<string, string>();
  for (const tag of tags) {
    if (tag.name !== 'meta') continue;
    const key = (tag.attributes.get('property') ?? tag.attributes.get('name') ?? '').toLowerCase();
    const content = tag.attributes.get('content')?.trim();
    if (key !== '' && content && !metas.has(key)) metas.set(key, content);
  }
  return metas;
}

/** Names of the cookies in a `set-cookie` value: one a line, or joined by commas (an Expires date's comma is never followed by `name=`). */
function cookieNames(setCookie: string | undefined): string[] {
  if (setCookie === undefined) return [];
  return [...setCookie.matchAll(/(?:^|[\n,])\s*([^=;,\s]+)=/g)].map((match) => match[1] ?? '');
}

const ASSET_LINK = /\b(?:stylesheet|preload|modulepreload)\b/i;
// Scripts whose body is data, not code: their text is the page's content.
const DATA_SCRIPT = /json|template|text\/(?:html|x-)/i;

export function homepageFacts(page: HomepagePage): HomepageFacts {
  const scanned = scanHtml(page.html);
  const metas = metaContents(scanned.tags);

  const siteName = nameText(metas.get('og:site_name'));
  const applicationName = nameText(metas.get('application-name'));
  const fromTitle = scanned.title === undefined ? undefined : nameFromTitle(scanned.title, page.url);
  const [name, nameSource]: [string | undefined, NameSource | undefined] = siteName
    ? [siteName, 'og:site_name']
    : applicationName
      ? [applicationName, 'application-name']
      : [fromTitle?.name, fromTitle?.source];

  const metaDescription = collapseWhitespace(metas.get('description') ?? '').slice(0, MAX_DESCRIPTION);
  const ogDescription = collapseWhitespace(metas.get('og:description') ?? '').slice(0, MAX_DESCRIPTION);
  const [description, descriptionSource]: [string | undefined, DescriptionSource | undefined] =
    metaDescription !== '' ? [metaDescription, 'description'] : ogDescription !== '' ? [ogDescription, 'og:description'] : [undefined, undefined];

  const hrefs: string[] = [];
  const assets: string[] = [];
  const scripts: string[] = [];
  const styles: string[] = [];
  const classTokens = new Set<string>();
  for (const tag of scanned.tags) {
    const { attributes } = tag;
    const href = attributes.get('href');
    if (tag.name === 'a' && href) hrefs.push(href);
    if (tag.name === 'link' && href && ASSET_LINK.test(attributes.get('rel') ?? '')) assets.push(href);
    if (tag.name === 'script') {
      const src = attributes.get('src');
      if (src) assets.push(src);
      if (tag.text && !DATA_SCRIPT.test(attributes.get('type') ?? '')) scripts.push(tag.text);
    }
    if (tag.name === 'style' && tag.text) styles.push(tag.text);
    const style = attributes.get('style');
    if (style) styles.push(style);
    for (const token of (attributes.get('class') ?? '').split(/\s+/)) if (token !== '') classTokens.add(token);
  }

  const headers = new Map(Object.entries(page.headers).map(([header, value]) => [header.toLowerCase(), value]));
  const technologies = detectTechnologies({
    headers,
    cookieNames: cookieNames(headers.get('set-cookie')),
    generators: metas.has('generator') ? [metas.get('generator') ?? ''] : [],
    assets,
    scripts: scripts.join('\n'),
    styles: styles.join('\n'),
    markup: scanned.markup,
    classTokens,
  });

  return {
    name,
    nameSource: name === undefined ? undefined : nameSource,
    description,
    descriptionSource,
    socialLinks: socialLinksOf(hrefs, page.url),
    technologies: [...technologies.keys()],
    technologyEvidence: Object.fromEntries(technologies),
  };
}
