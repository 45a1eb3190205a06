/**
 * Which technologies a page runs on: a fingerprint set (Wappalyzer format)
 * matched against what the fetched page shows, with the format's relations
 * applied: `implies` adds (Next.js → React), `requires` and
 * `requiresCategory` gate (a WordPress plugin only on WordPress), `excludes`
 * removes (Angular excludes AngularJS). Confidence adds up per technology
 * as the format's reference engine does, capped at 100.
 */
import { compile, selectAll } from 'css-select';
import { isTag, type AnyNode, type Element } from 'domhandler';
import { textContent } from 'domutils';
import type { SubstringIndex } from './substring-index.js';
import { mayMatch } from './technology-dom-index.js';
import type { CompiledPattern, DomCheck, Fingerprint, FingerprintSet } from './technology-fingerprints.js';
import type { TechnologyPage } from './technology-page.js';

/**
 * How a technology was seen, strongest first:
 * - `header`: a response header, a cookie or the URL the server answered from;
 * - `markup`: the page's markup, script sources, inline code, styles or meta tags;
 * - `heuristic`: a global its inline code assigns, or patterns that together stay below full confidence.
 */
export type TechnologyEvidence = 'header' | 'markup' | 'heuristic';

export interface DetectedTechnology {
  readonly name: string;
  /** Category names, most telling first. */
  readonly categories: readonly string[];
  /** 0 to 100. */
  readonly confidence: number;
  readonly version?: string;
  readonly evidence: TechnologyEvidence;
  readonly website?: string;
}

const RANK: Readonly<Record<TechnologyEvidence, number>> = { header: 3, markup: 2, heuristic: 1 };
const MAX_DOM_MATCHES = 25;
const MAX_DOM_TEXT = 4096;

interface Hit {
  confidence: number;
  version: string;
  evidence: TechnologyEvidence;
}

/**
 * One fingerprint's hit as its patterns are tried. One per page, reset per
 * fingerprint, with plain functions over it: a page meets every one of the
 * 7,540 fingerprints, and three closures made per fingerprint were 14 % of a
 * page's detection time (bench/default-enrichment.bench.ts, profiled).
 */
interface Matching {
  hit: Hit | undefined;
}

function note(matching: Matching, confidence: number, version: string, evidence: TechnologyEvidence): void {
  const hit = (matching.hit ??= { confidence: 0, version: '', evidence });
  hit.confidence = Math.min(100, hit.confidence + confidence);
  if (version.length > hit.version.length) hit.version = version;
  if (RANK[evidence] > RANK[hit.evidence]) hit.evidence = evidence;
}

function record(matching: Matching, pattern: CompiledPattern, value: string, evidence: TechnologyEvidence): void {
  const match = pattern.regex.exec(value);
  if (match !== null) note(matching, pattern.confidence, resolveVersion(pattern.version, match), evidence);
}

/** Long inputs: the regex runs only where the text it requires is there. */
const mayContain = (haystack: SubstringIndex, pattern: CompiledPattern): boolean => pattern.literal === undefined || haystack.includes(pattern.literal);

/** The format's version template (`\1`, `\1?yes:no`) filled from a match. */
export function resolveVersion(template: string, match: RegExpExecArray): string {
  if (template === '') return '';
  let version = template;
  match.forEach((group, index) => {
    if (index === 0) return;
    const value = group ?? '';
    const ternary = new RegExp(`\\\\${index}\\?([^:]*):(.*)$`).exec(version);
    if (ternary) version = version.replace(ternary[0], value !== '' ? (ternary[1] ?? '') : (ternary[2] ?? ''));
    version = version.replaceAll(`\\${index}`, value.length <= 20 ? value : '');
  });
  version = version.replace(/\\\d/g, '').trim();
  return version.length <= 20 ? version : '';
}

// Compiled selectors, shared by every page: the same few thousand strings each time.
const selectors = new Map<string, ReturnType<typeof compile> | null>();
function compiledSelector(selector: string): ReturnType<typeof compile> | null {
  let compiled = selectors.get(selector);
  if (compiled === undefined) {
    try {
      compiled = compile(selector);
    } catch {
      // A selector css-select does not support (a browser-only pseudo-class): that check cannot be made here.
      compiled = null;
    }
    selectors.set(selector, compiled);
  }
  return compiled;
}

function matchDom(check: DomCheck, page: TechnologyPage, matching: Matching): void {
  if (!mayMatch(check.selector, page.domIndex)) return;
  const query = compiledSelector(check.selector);
  if (query === null) return;
  const matched: AnyNode[] = selectAll(query, page.scanned.document);
  const elements: Element[] = matched.filter(isTag).slice(0, MAX_DOM_MATCHES);
  if (elements.length === 0) return;
  if (check.exists !== undefined) record(matching, check.exists, '', 'markup');
  for (const element of elements) {
    for (const [attribute, pattern] of check.attributes) {
      const value = element.attribs[attribute];
      if (value !== undefined) record(matching, pattern, value, 'markup');
    }
    if (check.text !== undefined) record(matching, check.text, textContent(element).slice(0, MAX_DOM_TEXT), 'markup');
  }
}

function matchOne(fingerprint: Fingerprint, page: TechnologyPage, matching: Matching): Hit | undefined {
  matching.hit = undefined;
  for (const [header, patterns] of fingerprint.headers) {
    for (const value of page.headers.get(header) ?? []) for (const pattern of patterns) record(matching, pattern, value, 'header');
  }
  for (const [name, patterns] of fingerprint.cookies) {
    const values = typeof name === 'string' ? [page.cookies.get(name)] : [...page.cookies].filter(([cookie]) => name.test(cookie)).map(([, value]) => value);
    for (const value of values) if (value !== undefined) for (const pattern of patterns) record(matching, pattern, value, 'header');
  }
  for (const pattern of fingerprint.url) record(matching, pattern, page.url, 'header');
  for (const [key, patterns] of fingerprint.meta) {
    for (const content of page.meta.get(key) ?? []) for (const pattern of patterns) record(matching, pattern, content, 'markup');
  }
  for (const pattern of fingerprint.html) if (mayContain(page.lower.html, pattern)) record(matching, pattern, page.html, 'markup');
  for (const pattern of fingerprint.scriptSrc) {
    if (mayContain(page.lower.scriptSrc, pattern)) for (const source of page.scriptSrc) record(matching, pattern, source, 'markup');
  }
  for (const pattern of fingerprint.scripts) if (page.scripts !== '' && mayContain(page.lower.scripts, pattern)) record(matching, pattern, page.scripts, 'markup');
  for (const pattern of fingerprint.css) if (page.css !== '' && mayContain(page.lower.css, pattern)) record(matching, pattern, page.css, 'markup');
  for (const check of fingerprint.dom) matchDom(check, page, matching);
  for (const [chain, pattern] of fingerprint.js) {
    const seen = page.globals.get(chain);
    // Only a presence test can be answered without running the page; a test of the value (`^true$`) cannot.
    if (seen !== undefined && (pattern.regex.test('') || pattern.version !== '')) note(matching, pattern.confidence, '', seen);
  }
  return matching.hit;
}

function categoryNames(fingerprint: Fingerprint, set: FingerprintSet): string[] {
  return fingerprint.categories
    .flatMap((id) => set.categories.get(id) ?? [])
    .sort((a, b) => a.priority - b.priority)
    .map((category) => category.name);
}

function priorityOf(fingerprint: Fingerprint, set: FingerprintSet): number {
  return Math.min(10, ...fingerprint.categories.map((id) => set.categories.get(id)?.priority ?? 10));
}

/** Technologies found on a page, most telling first (CMS and ecommerce before widgets and CDNs), then by name. */
export function detectTechnologies(page: TechnologyPage, set: FingerprintSet): DetectedTechnology[] {
  const found = new Map<string, Hit>();
  const gated: Fingerprint[] = [];
  const matching: Matching = { hit: undefined };
  for (const fingerprint of set.technologies.values()) {
    if (fingerprint.requires.length > 0 || fingerprint.requiresCategory.length > 0) {
      gated.push(fingerprint);
      continue;
    }
    const hit = matchOne(fingerprint, page, matching);
    if (hit !== undefined) found.set(fingerprint.name, hit);
  }

  const imply = () => {
    const queue = [...found.keys()];
    while (queue.length > 0) {
      const name = queue.shift() ?? '';
      const parent = found.get(name);
      for (const relation of set.technologies.get(name)?.implies ?? []) {
        if (parent === undefined || found.has(relation.name) || !set.technologies.has(relation.name)) continue;
        found.set(relation.name, { confidence: Math.min(parent.confidence, relation.confidence), version: '', evidence: parent.evidence });
        queue.push(relation.name);
      }
    }
  };
  imply();

  const foundCategories = () => new Set([...found.keys()].flatMap((name) => set.technologies.get(name)?.categories ?? []));
  const categories = foundCategories();
  for (const fingerprint of gated) {
    const allowed =
      fingerprint.requires.some((name) => found.has(name)) || fingerprint.requiresCategory.some((id) => categories.has(id));
    if (!allowed) continue;
    const hit = matchOne(fingerprint, page, matching);
    if (hit !== undefined) found.set(fingerprint.name, hit);
  }
  imply();

  // In detection order, as the reference engine does: of two that exclude each other (Angular, AngularJS) the first stays.
  for (const name of [...found.keys()]) {
    if (!found.has(name)) continue;
    for (const excluded of set.technologies.get(name)?.excludes ?? []) found.delete(excluded);
  }

  const detected: Array<DetectedTechnology & { priority: number }> = [];
  for (const [name, hit] of found) {
    const fingerprint = set.technologies.get(name);
    if (fingerprint === undefined) continue;
    detected.push({
      name,
      categories: categoryNames(fingerprint, set),
      confidence: hit.confidence,
      ...(hit.version === '' ? {} : { version: hit.version }),
      // Patterns that together fall short of certainty are a hint, whatever they read.
      evidence: hit.confidence < 100 ? 'heuristic' : hit.evidence,
      ...(fingerprint.website === undefined ? {} : { website: fingerprint.website }),
      priority: priorityOf(fingerprint, set),
    });
  }
  detected.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
  return detected.map(({ priority: _priority, ...technology }) => technology);
}
