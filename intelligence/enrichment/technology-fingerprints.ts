/**
 * Wappalyzer-format technology fingerprints, parsed and compiled once: the
 * `technologies` and `categories` objects of the format (as kept by the
 * community continuation of Wappalyzer), reduced to what a fetched page can
 * show without running it: headers, cookies, the final URL, HTML, script
 * sources, inline scripts and styles, meta tags and DOM selectors, with the
 * relations between technologies (implies, excludes, requires).
 */
import { z } from 'zod';

/** One pattern of the format: a case-insensitive regex with optional `\;confidence:N` and `\;version:\1`. */
export interface CompiledPattern {
  readonly regex: RegExp;
  /** 0 to 100; the format's default is 100. */
  readonly confidence: number;
  /** A version template such as `\1` or `\1?UA:`; empty when the pattern names none. */
  readonly version: string;
  /** Lower-cased text every match contains, when the pattern has one: a cheap test before the regex on long inputs. */
  readonly literal?: string;
}

export interface DomCheck {
  readonly selector: string;
  /** Attribute name → pattern on its value. */
  readonly attributes: ReadonlyArray<readonly [string, CompiledPattern]>;
  /** A pattern on the element's text content. */
  readonly text?: CompiledPattern;
  /** Present when the check is plain existence (with its confidence). */
  readonly exists?: CompiledPattern;
}

export interface Relation {
  readonly name: string;
  readonly confidence: number;
}

export interface Fingerprint {
  readonly name: string;
  readonly categories: readonly number[];
  readonly website?: string;
  /** Lower-cased header name → patterns. */
  readonly headers: ReadonlyMap<string, readonly CompiledPattern[]>;
  /** Cookie name (or, where the format writes one, a name pattern) → patterns on the value. */
  readonly cookies: ReadonlyArray<readonly [string | RegExp, readonly CompiledPattern[]]>;
  /** Lower-cased meta name → patterns on its content. */
  readonly meta: ReadonlyMap<string, readonly CompiledPattern[]>;
  readonly html: readonly CompiledPattern[];
  readonly scriptSrc: readonly CompiledPattern[];
  readonly scripts: readonly CompiledPattern[];
  readonly css: readonly CompiledPattern[];
  readonly url: readonly CompiledPattern[];
  readonly dom: readonly DomCheck[];
  /** JavaScript globals the format reads from a running page (`Shopify.shop`): only their declaration in inline code is visible here. */
  readonly js: ReadonlyArray<readonly [string, CompiledPattern]>;
  readonly implies: readonly Relation[];
  readonly excludes: readonly string[];
  readonly requires: readonly string[];
  readonly requiresCategory: readonly number[];
}

export interface Category {
  readonly id: number;
  readonly name: string;
  /** 1 (most telling: CMS, ecommerce) to 10 (miscellaneous). */
  readonly priority: number;
}

export interface FingerprintSet {
  readonly technologies: ReadonlyMap<string, Fingerprint>;
  readonly categories: ReadonlyMap<number, Category>;
  /** Patterns that do not compile as JavaScript regexes (the format is written for several engines). */
  readonly skippedPatterns: number;
}

const strings = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]);
const stringMap = z.record(z.string(), strings);
const domEntry = z.object({
  exists: z.union([z.string(), z.number()]).optional(),
  text: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  properties: z.record(z.string(), z.string()).optional(),
});
const technologySchema = z.object({
  cats: z.array(z.number()).default([]),
  website: z.string().optional(),
  headers: stringMap.optional(),
  cookies: stringMap.optional(),
  meta: stringMap.optional(),
  html: strings.optional(),
  scriptSrc: strings.optional(),
  scripts: strings.optional(),
  css: strings.optional(),
  url: strings.optional(),
  dom: z.union([z.string(), z.array(z.string()), z.record(z.string(), domEntry)]).optional(),
  js: stringMap.optional(),
  implies: strings.optional(),
  excludes: strings.optional(),
  requires: strings.optional(),
  requiresCategory: strings.optional(),
});
const technologiesSchema = z.record(z.string(), technologySchema);
const categoriesSchema = z.record(z.string(), z.object({ name: z.string(), priority: z.number().default(10) }));

const list = (value: z.infer<typeof strings> | undefined): string[] =>
  value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);

/**
 * The format's regex dialect as a JavaScript regex. Unbounded `+` and `*` are
 * bounded to 250 repetitions, as the format's reference engine does, so that
 * a pattern cannot run away on a megabyte of hostile markup.
 */
export function compileRegex(source: string): RegExp | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] ?? '';
    if (char === '\\') {
      out += char + (source[i + 1] ?? '');
      i += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      out += char;
      continue;
    }
    if (char === '[') inClass = true;
    if (char === '+') out += '{1,250}';
    else if (char === '*') out += '{0,250}';
    else out += char;
  }
  // Some patterns carry a PCRE-style inline flag; JavaScript has none, and every pattern is case-insensitive anyway.
  out = out.replaceAll('(?i)', '');
  try {
    return new RegExp(out, 'i');
  } catch {
    return undefined;
  }
}

type Counter = { skipped: number };

const META = new Set(['.', '^', '$', '|', '(', ')', '[', ']', '{', '}', '?', '*', '+', '\\']);
// Escapes that stand for one literal character.
const ESCAPED_LITERAL = /[^a-zA-Z0-9]/;

/**
 * The longest run of plain characters (at least 3) that any match of the
 * pattern contains, lower-cased; undefined when there is none or the pattern
 * has a top-level alternative, where no one run is required.
 */
export function requiredLiteral(source: string): string | undefined {
  let best = '';
  let run = '';
  let depth = 0;
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i] ?? '';
    let literal: string | undefined;
    let width = 1;
    if (char === '[') {
      // A class: one of several characters, none required.
      let j = i + 1;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      width = j - i + 1;
    } else if (char === '{') {
      // A counted quantifier's body (`{2,5}`) is syntax, not text.
      width = (/^\{\d*,?\d*\}/.exec(source.slice(i))?.[0].length ?? 1);
    } else if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    else if (char === '|' && depth === 0) return undefined;
    else if (char === '\\') {
      const next = source[i + 1] ?? '';
      literal = ESCAPED_LITERAL.test(next) ? next : undefined;
      width = 2;
    } else if (!META.has(char)) literal = char;
    const quantifier = source[i + width];
    if (literal === undefined || depth > 0) end();
    else if (quantifier === '?' || quantifier === '*' || quantifier === '{') end(); // optional or counted: not this one
    else if (quantifier === '+') {
      run += literal;
      end();
    } else run += literal;
    i += width - 1;
  }
  end();
  return best.length >= 3 ? best.toLowerCase() : undefined;
}

/** `regex\;confidence:50\;version:\1` → its parts. */
export function compilePattern(raw: string | number, counter: Counter = { skipped: 0 }): CompiledPattern | undefined {
  const [source = '', ...attributes] = String(raw).split('\\;');
  let confidence = 100;
  let version = '';
  for (const attribute of attributes) {
    const colon = attribute.indexOf(':');
    if (colon < 0) continue;
    const key = attribute.slice(0, colon);
    const value = attribute.slice(colon + 1);
    if (key === 'confidence') confidence = Math.max(0, Math.min(100, Number.parseInt(value, 10) || 0));
    if (key === 'version') version = value;
  }
  const regex = compileRegex(source);
  if (regex === undefined) {
    counter.skipped += 1;
    return undefined;
  }
  const literal = requiredLiteral(source);
  return literal === undefined ? { regex, confidence, version } : { regex, confidence, version, literal };
}

function patterns(value: z.infer<typeof strings> | undefined, counter: Counter): CompiledPattern[] {
  return list(value).flatMap((raw) => compilePattern(raw, counter) ?? []);
}

function patternMap(value: z.infer<typeof stringMap> | undefined, counter: Counter): Map<string, CompiledPattern[]> {
  const map = new Map<string, CompiledPattern[]>();
  for (const [key, raw] of Object.entries(value ?? {})) {
    const compiled = patterns(raw, counter);
    if (compiled.length > 0) map.set(key.toLowerCase(), [...(map.get(key.toLowerCase()) ?? []), ...compiled]);
  }
  return map;
}

function domChecks(value: z.infer<typeof technologySchema>['dom'], counter: Counter): DomCheck[] {
  if (value === undefined) return [];
  if (typeof value === 'string' || Array.isArray(value)) {
    const always = compilePattern('', counter);
    return list(value).flatMap((selector) => (always === undefined ? [] : [{ selector, attributes: [], exists: always }]));
  }
  const checks: DomCheck[] = [];
  for (const [selector, entry] of Object.entries(value)) {
    // `properties` are JavaScript properties of live elements: nothing a fetched page shows.
    const attributes = Object.entries(entry.attributes ?? {}).flatMap(([name, raw]) => {
      const compiled = compilePattern(raw, counter);
      return compiled === undefined ? [] : [[name.toLowerCase(), compiled] as const];
    });
    const text = entry.text === undefined ? undefined : compilePattern(entry.text, counter);
    const exists = entry.exists === undefined ? undefined : compilePattern(entry.exists, counter);
    if (attributes.length === 0 && text === undefined && exists === undefined) continue;
    checks.push({ selector, attributes, text, exists });
  }
  return checks;
}

const COOKIE_NAME_PATTERN = /[[\]*()\\+?{}|^$]/;

function relations(value: z.infer<typeof strings> | undefined): Relation[] {
  return list(value).map((raw) => {
    const [name = '', ...attributes] = raw.split('\\;');
    const confidence = attributes.find((attribute) => attribute.startsWith('confidence:'));
    return { name, confidence: confidence === undefined ? 100 : Number.parseInt(confidence.slice(11), 10) || 0 };
  });
}

/** Parses and compiles a fingerprint set; throws a zod error when the data is not of the format at all. */
export function compileFingerprints(technologiesData: unknown, categoriesData: unknown): FingerprintSet {
  const counter: Counter = { skipped: 0 };
  const categories = new Map<number, Category>();
  for (const [id, category] of Object.entries(categoriesSchema.parse(categoriesData))) {
    categories.set(Number(id), { id: Number(id), name: category.name, priority: category.priority });
  }
  const technologies = new Map<string, Fingerprint>();
  for (const [name, raw] of Object.entries(technologiesSchema.parse(technologiesData))) {
    const cookies = [...patternMap(raw.cookies, counter)].map(([cookie, compiled]) => {
      const key: string | RegExp = COOKIE_NAME_PATTERN.test(cookie) ? (compileRegex(`^(?:${cookie})$`) ?? cookie) : cookie;
      return [key, compiled] as const;
    });
    const js = Object.entries(raw.js ?? {}).flatMap(([chain, value]) => {
      const compiled = compilePattern(list(value)[0] ?? '', counter);
      return compiled === undefined ? [] : [[chain, compiled] as const];
    });
    technologies.set(name, {
      name,
      categories: raw.cats,
      website: raw.website,
      headers: patternMap(raw.headers, counter),
      cookies,
      meta: patternMap(raw.meta, counter),
      html: patterns(raw.html, counter),
      scriptSrc: patterns(raw.scriptSrc, counter),
      scripts: patterns(raw.scripts, counter),
      css: patterns(raw.css, counter),
      url: patterns(raw.url, counter),
      dom: domChecks(raw.dom, counter),
      js,
      implies: relations(raw.implies),
      excludes: list(raw.excludes),
      requires: list(raw.requires),
      requiresCategory: list(raw.requiresCategory).map(Number),
    });
  }
  return { technologies, categories, skippedPatterns: counter.skipped };
}
