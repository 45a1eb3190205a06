/**
 * What a fetched page shows the fingerprints, gathered once per page:
 * headers and cookies (the server's own word), the final URL, script
 * sources, inline code and styles, meta tags, the parsed document, and the
 * globals its inline code declares. Never its visible text: a page that says
 * "React" is not a React page.
 */
import type { ScannedHtml } from './html-scan.js';
import { substringIndex, type SubstringIndex } from './substring-index.js';
import { indexDocument, type DomIndex } from './technology-dom-index.js';

export interface TechnologyPage {
  readonly url: string;
  /** The raw HTML, cut to its head and tail: the format's `html` patterns are written for markup, not for megabytes. */
  readonly html: string;
  /** Lower-cased header name → values. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Lower-cased cookie name → value. */
  readonly cookies: ReadonlyMap<string, string>;
  readonly meta: ReadonlyMap<string, readonly string[]>;
  /** `<script src>`, `<link rel=modulepreload>` and the sources inline loader snippets insert. */
  readonly scriptSrc: readonly string[];
  /** Inline executable script bodies, each cut, joined. */
  readonly scripts: string;
  readonly css: string;
  readonly scanned: ScannedHtml;
  /** Dotted names the page's own markup or inline code defines as globals (`Shopify.shop`, `__NEXT_DATA__`), with how. */
  readonly globals: ReadonlyMap<string, 'markup' | 'heuristic'>;
  readonly domIndex: DomIndex;
  /** `html`, `scripts`, `css` and the script sources lower-cased: where a pattern's required text is looked for before its regex runs. */
  readonly lower: { readonly html: SubstringIndex; readonly scripts: SubstringIndex; readonly css: SubstringIndex; readonly scriptSrc: SubstringIndex };
}

const HTML_HEAD = 48 * 1024;
const HTML_TAIL = 16 * 1024;
const MAX_SCRIPT = 16 * 1024;
const MAX_SCRIPTS = 256 * 1024;
const MAX_CSS = 128 * 1024;
const MAX_SOURCE = 2048;
// A real page loads a few dozen scripts; past this, sources are junk or an attack.
const MAX_SOURCES = 300;

// Scripts whose body is data or a template, not code.
const EXECUTABLE = /^(?:|text\/javascript|application\/javascript|module|text\/ecmascript|application\/ecmascript)$/i;
// Links that load a script as a <script src> would.
const SCRIPT_LINK = new Set(['modulepreload']);

// `j.src = 'https://www.googletagmanager.com/gtm.js?id=' + i`: the script a loader snippet inserts.
const LOADED_SOURCE = /\.src\s*=\s*(['"`])([^'"`\s]{4,500})\1/g;

/** The script URLs inline loader snippets insert (their literal part), as the page will once it runs. */
export function loaderSources(code: string): string[] {
  return [...code.matchAll(LOADED_SOURCE)].map((match) => match[2] ?? '').filter((source) => /^(?:https?:)?\/\//i.test(source));
}

/** Parses `Set-Cookie` lines: one cookie a line, or several joined by commas (an Expires date's comma is never followed by `name=`). */
export function parseSetCookie(setCookie: readonly string[]): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of setCookie) {
    for (const part of line.split(/\n|,(?=\s*[^=;,\s]+=)/)) {
      const pair = part.split(';', 1)[0] ?? '';
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim().toLowerCase();
      if (name !== '' && !cookies.has(name)) cookies.set(name, pair.slice(equals + 1).trim());
    }
  }
  return cookies;
}

const GLOBAL_OBJECT = /^(?:window|self|globalThis|top|parent)$/;
const ASSIGNMENT = /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){0,5})\s*=(?![=>])/g;
const DECLARATION = /\b(?:var|let|const|function)\s+([A-Za-z_$][\w$]*)/g;
// `i['GoogleAnalyticsObject'] = r`: a property set by name, as loader snippets do.
const INDEXED_ASSIGNMENT = /\[\s*['"]([A-Za-z_$][\w$]*)['"]\s*\]\s*=(?![=>])/g;

/** A single name distinctive enough that its assignment anywhere in inline code identifies the snippet that made it. */
function distinctive(name: string): boolean {
  return name.length >= 6 || /[_$\d]|[a-z][A-Z]/.test(name);
}

/**
 * The globals inline code defines, read from its assignments and
 * declarations (`window.drift = …`, `var _hsq = …`, `Shopify.shop = …`,
 * `w.Intercom = i`, `i['GoogleAnalyticsObject'] = r`), never run. A heuristic: a snippet assigns the global the
 * browser-side fingerprint looks for.
 */
export function declaredGlobals(code: string): Set<string> {
  const globals = new Set<string>();
  for (const match of code.matchAll(ASSIGNMENT)) {
    const chain = (match[1] ?? '').split('.');
    const before = code[(match.index ?? 0) - 1] ?? '';
    // `a.b.c = …` read from its first segment only: `x.y.Shopify = …` is not the global `Shopify`.
    if (before === '.') continue;
    if (chain.length > 1 && GLOBAL_OBJECT.test(chain[0] ?? '')) chain.shift();
    if (chain.length > 1) globals.add(chain.join('.'));
    const last = chain[chain.length - 1] ?? '';
    if (chain.length === 1 && (GLOBAL_OBJECT.test((match[1] ?? '').split('.')[0] ?? '') || distinctive(last))) globals.add(last);
    // A minified alias of window (`w.Intercom = i`): the member name alone, when distinctive.
    if (chain.length === 2 && (chain[0] ?? '').length <= 2 && distinctive(last)) globals.add(last);
  }
  for (const match of code.matchAll(INDEXED_ASSIGNMENT)) {
    const name = match[1] ?? '';
    if (distinctive(name)) globals.add(name);
  }
  for (const match of code.matchAll(DECLARATION)) {
    const name = match[1] ?? '';
    if (distinctive(name)) globals.add(name);
  }
  return globals;
}

/** The page as the fingerprints read it. `headers` as received (names in any case; `set-cookie` one cookie a line). */
export function technologyPage(url: string, html: string, headers: Readonly<Record<string, string>>, scanned: ScannedHtml): TechnologyPage {
  const headerMap = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    const key = name.toLowerCase();
    headerMap.set(key, [...(headerMap.get(key) ?? []), ...(key === 'set-cookie' ? value.split('\n') : [value])]);
  }
  const scriptSrc: string[] = [];
  const inline: string[] = [];
  let inlineLength = 0;
  for (const script of scanned.scripts) {
    if (script.src !== undefined && script.src.trim() !== '') scriptSrc.push(script.src.trim().slice(0, MAX_SOURCE));
    else if (EXECUTABLE.test((script.type ?? '').trim()) && inlineLength < MAX_SCRIPTS) {
      const text = script.text.slice(0, MAX_SCRIPT);
      inline.push(text);
      inlineLength += text.length;
    }
  }
  for (const link of scanned.links) {
    if (link.rel.some((rel) => SCRIPT_LINK.has(rel))) scriptSrc.push(link.href.trim().slice(0, MAX_SOURCE));
  }
  const scripts = inline.join('\n');
  scriptSrc.push(...loaderSources(scripts));
  scriptSrc.splice(MAX_SOURCES);
  const globals = new Map<string, 'markup' | 'heuristic'>();
  for (const name of declaredGlobals(scripts)) globals.set(name, 'heuristic');
  // Every element id is a property of window before any script runs (named access): `<script id="__NEXT_DATA__">`.
  for (const id of scanned.ids) globals.set(id, 'markup');
  const cut = html.length > HTML_HEAD + HTML_TAIL ? `${html.slice(0, HTML_HEAD)}\n${html.slice(-HTML_TAIL)}` : html;
  const css = scanned.styles.join('\n').slice(0, MAX_CSS);
  return {
    url,
    html: cut,
    headers: headerMap,
    cookies: parseSetCookie(headerMap.get('set-cookie') ?? []),
    meta: scanned.meta,
    scriptSrc,
    scripts,
    css,
    scanned,
    globals,
    domIndex: indexDocument(scanned.document),
    lower: {
      html: substringIndex(cut.toLowerCase()),
      scripts: substringIndex(scripts.toLowerCase()),
      css: substringIndex(css.toLowerCase()),
      scriptSrc: substringIndex(scriptSrc.join('\n').toLowerCase()),
    },
  };
}
