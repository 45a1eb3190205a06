/**
 * A one-pass, linear scan of an HTML page for what homepage enrichment reads:
 * start tags with their attributes, the title, and the bodies of scripts and
 * styles. No tree, no parser dependency; every search moves forward with
 * `indexOf` or an anchored regex, so a truncated or hostile megabyte of markup
 * costs one pass, never a backtracking blow-up.
 */

export type Attributes = ReadonlyMap<string, string>;

export interface ScannedTag {
  /** Lower-cased element name. */
  readonly name: string;
  /** Lower-cased attribute names, entity-decoded values; the first of a repeated attribute wins. */
  readonly attributes: Attributes;
  /** The raw content of a script, style, title… element, as written. */
  readonly text?: string;
}

export interface ScannedHtml {
  /** Start tags in document order, without the contents of raw-text elements (script, style…). */
  readonly tags: readonly ScannedTag[];
  /** The start tags as written, one a line: what markup signatures are tested against (never text). */
  readonly markup: string;
  /** The first `<title>`'s text, entity-decoded. */
  readonly title?: string;
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', middot: '\u00b7', bull: '\u2022',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201a', ldquo: '\u201c', rdquo: '\u201d', bdquo: '\u201e',
  laquo: '\u00ab', raquo: '\u00bb', lsaquo: '\u2039', rsaquo: '\u203a',
  copy: '\u00a9', reg: '\u00ae', trade: '\u2122', deg: '\u00b0', euro: '\u20ac', pound: '\u00a3', yen: '\u00a5', cent: '\u00a2',
  times: '\u00d7', divide: '\u00f7', para: '\u00b6', sect: '\u00a7', shy: '\u00ad', zwj: '\u200d', zwnj: '\u200c',
  aacute: '\u00e1', agrave: '\u00e0', acirc: '\u00e2', atilde: '\u00e3', auml: '\u00e4', aring: '\u00e5', aelig: '\u00e6',
  ccedil: '\u00e7', eacute: '\u00e9', egrave: '\u00e8', ecirc: '\u00ea', euml: '\u00eb',
  iacute: '\u00ed', igrave: '\u00ec', icirc: '\u00ee', iuml: '\u00ef', ntilde: '\u00f1',
  oacute: '\u00f3', ograve: '\u00f2', ocirc: '\u00f4', otilde: '\u00f5', ouml: '\u00f6', oslash: '\u00f8',
  uacute: '\u00fa', ugrave: '\u00f9', ucirc: '\u00fb', uuml: '\u00fc', yacute: '\u00fd', szlig: '\u00df',
  Aacute: '\u00c1', Agrave: '\u00c0', Auml: '\u00c4', Aring: '\u00c5', Ccedil: '\u00c7', Eacute: '\u00c9',
  Ntilde: '\u00d1', Oacute: '\u00d3', Ouml: '\u00d6', Oslash: '\u00d8', Uacute: '\u00da', Uuml: '\u00dc',
};

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));/g;

function codePoint(value: number): string {
  const valid = value > 0 && value <= 0x10ffff && !(value >= 0xd800 && value <= 0xdfff);
  return valid ? String.fromCodePoint(value) : '\ufffd';
}

/** Decodes numeric references and the common named entities; an unknown name is left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, decimal?: string, hex?: string, name?: string) => {
    if (decimal !== undefined) return codePoint(Number.parseInt(decimal, 10));
    if (hex !== undefined) return codePoint(Number.parseInt(hex, 16));
    return (name !== undefined && Object.hasOwn(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name] : undefined) ?? whole;
  });
}

/** Whitespace (including no-break spaces) collapsed, trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

// Elements whose content is text up to their end tag, never markup.
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes']);
const TAG_NAME = /[a-zA-Z][a-zA-Z0-9:-]*/y;
const ATTRIBUTE = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
const MAX_TAGS = 200_000;

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Index of the `>` closing the tag opened at `from`, skipping quoted attribute values; -1 if the page ends first. */
function tagEnd(html: string, from: number): number {
  let i = from;
  while (i < html.length) {
    const code = html.charCodeAt(i);
    if (code === 62 /* > */) return i;
    if (code === 61 /* = */) {
      i += 1;
      while (i < html.length && /\s/.test(html[i] ?? '')) i += 1;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        if (close < 0) return -1;
        i = close + 1;
        continue;
      }
      continue;
    }
    i += 1;
  }
  return -1;
}

function parseAttributes(source: string): Attributes {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = (match[1] ?? '').toLowerCase();
    if (attributes.has(name)) continue;
    attributes.set(name, decodeEntities(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return attributes;
}

const closers = new Map<string, RegExp>();
/** Start of the end tag of raw-text element `name` at or after `from`, or -1. */
function closingTag(html: string, name: string, from: number): number {
  let closer = closers.get(name);
  if (closer === undefined) {
    closer = new RegExp(`</${name}[\\s/>]`, 'gi');
    closers.set(name, closer);
  }
  closer.lastIndex = from;
  return closer.exec(html)?.index ?? -1;
}

export function scanHtml(html: string): ScannedHtml {
  const tags: ScannedTag[] = [];
  const markup: string[] = [];
  let title: string | undefined;
  let svgDepth = 0;
  let at = 0;
  while (tags.length < MAX_TAGS) {
    const open = html.indexOf('<', at);
    if (open < 0) break;
    if (html.startsWith('<!--', open)) {
      const close = html.indexOf('-->', open + 4);
      if (close < 0) break;
      at = close + 3;
      continue;
    }
    const next = html.charCodeAt(open + 1);
    if (!isLetter(next)) {
      // End tags, doctypes, processing instructions and a stray `<` in text: nothing to read but where an SVG ends.
      if (next === 47 /* / */ && svgDepth > 0 && html.slice(open + 2, open + 5).toLowerCase() === 'svg') svgDepth -= 1;
      at = open + 1;
      continue;
    }
    const end = tagEnd(html, open + 1);
    if (end < 0) break;
    TAG_NAME.lastIndex = open + 1;
    const name = (TAG_NAME.exec(html)?.[0] ?? '').toLowerCase();
    const raw = html.slice(open, end + 1);
    const attributes = parseAttributes(raw.slice(name.length + 1, raw.endsWith('/>') ? -2 : -1));
    markup.push(raw);
    at = end + 1;
    if (name === 'svg' && !raw.endsWith('/>')) svgDepth += 1;
    if (!RAW_TEXT.has(name) || raw.endsWith('/>')) {
      tags.push({ name, attributes });
      continue;
    }
    const close = closingTag(html, name, at);
    const text = html.slice(at, close < 0 ? html.length : close);
    tags.push({ name, attributes, text });
    // An SVG's <title> labels the drawing, not the document.
    if (name === 'title' && title === undefined && svgDepth === 0) title = collapseWhitespace(decodeEntities(text));
    if (close < 0) break;
    at = close + name.length + 2;
  }
  return { tags, markup: markup.join('\n'), title };
}
