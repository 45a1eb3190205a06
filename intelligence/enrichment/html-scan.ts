/**
 * A homepage parsed once by a real HTML parser (htmlparser2: forgiving, linear,
 * entities decoded as browsers do), and the parts of it homepage enrichment
 * reads: title, language, meta tags, links, scripts and styles. Comments,
 * escaped code and the text of scripts never count as markup.
 */
import { DomHandler, isTag, type Document, type Element, type AnyNode } from 'domhandler';
import { Parser } from 'htmlparser2';

export interface ScannedScript {
  readonly src?: string;
  readonly type?: string;
  readonly id?: string;
  readonly text: string;
}

export interface ScannedLink {
  readonly href: string;
  /** Lower-cased `rel` tokens. */
  readonly rel: readonly string[];
}

export interface ScannedAnchor {
  readonly href: string;
  /** Text content, whitespace collapsed (at most 200 characters). */
  readonly text: string;
}

export interface ScannedHtml {
  readonly document: Document;
  /** The first `<title>` outside an SVG, whitespace collapsed. */
  readonly title?: string;
  /** `<html lang>` as written. */
  readonly lang?: string;
  /** Every `<meta name|property|itemprop>`'s contents, keyed lower-case, in document order. */
  readonly meta: ReadonlyMap<string, readonly string[]>;
  readonly anchors: readonly ScannedAnchor[];
  readonly links: readonly ScannedLink[];
  readonly scripts: readonly ScannedScript[];
  /** `<style>` bodies, in order. */
  readonly styles: readonly string[];
  /** Every element `id`: the page's named globals (`window[id]`) before any script runs. */
  readonly ids: ReadonlySet<string>;
}

/** Whitespace (including no-break spaces) collapsed, trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ').trim();
}

const MAX_ANCHOR_TEXT = 200;
// Past this many elements a page is junk or an attack; what came before is read.
const MAX_ELEMENTS = 200_000;

/** Text content of `node`, at most `limit` characters; iterative, so no nesting depth overflows the stack. */
function textOf(node: AnyNode, limit: number): string {
  let out = '';
  const stack: AnyNode[] = [node];
  while (stack.length > 0 && out.length < limit) {
    const next = stack.pop();
    if (next === undefined) break;
    if (next.type === 'text') out += next.data;
    else if ('children' in next) for (let i = next.children.length - 1; i >= 0; i -= 1) stack.push(next.children[i] as AnyNode);
  }
  return out.slice(0, limit);
}

/** The raw text inside a script, style or title element. */
function rawText(element: Element): string {
  return element.children.map((child) => (child.type === 'text' ? child.data : '')).join('');
}

// Browsers cap the tree's depth too (Chromium at 512): past it, a page is an attack on the
// parser, whose open-element stack makes every deeper tag cost more than the last.
const MAX_DEPTH = 512;
const CHUNK = 16 * 1024;

/** A DOM handler that knows how deep the parser is. */
class DepthHandler extends DomHandler {
  depth = 0;
  override onopentag(name: string, attribs: Record<string, string>): void {
    this.depth += 1;
    super.onopentag(name, attribs);
  }
  override onclosetag(): void {
    this.depth -= 1;
    super.onclosetag();
  }
}

/** The document, parsed as a stream; a page nested deeper than browsers allow is read up to there. */
function parse(html: string): Document {
  const handler = new DepthHandler();
  const parser = new Parser(handler, { lowerCaseTags: true, lowerCaseAttributeNames: true, decodeEntities: true });
  for (let at = 0; at < html.length && handler.depth <= MAX_DEPTH; at += CHUNK) parser.write(html.slice(at, at + CHUNK));
  parser.end();
  return handler.root;
}

export function scanHtml(html: string): ScannedHtml {
  const document = parse(html);
  const meta = new Map<string, string[]>();
  const anchors: ScannedAnchor[] = [];
  const links: ScannedLink[] = [];
  const scripts: ScannedScript[] = [];
  const styles: string[] = [];
  const ids = new Set<string>();
  let title: string | undefined;
  let lang: string | undefined;
  let elements = 0;

  // Iterative, depth-first, in document order: a page nested a hundred thousand deep must not overflow the stack.
  const stack: Array<{ node: AnyNode; inSvg: boolean }> = document.children.map((node) => ({ node, inSvg: false })).reverse();
  while (stack.length > 0 && elements < MAX_ELEMENTS) {
    const { node, inSvg } = stack.pop() ?? { node: document, inSvg: false };
    if (!isTag(node)) continue;
    elements += 1;
    const { name, attribs } = node;
    if (attribs.id) ids.add(attribs.id);
    switch (name) {
      case 'html':
        lang ??= attribs.lang?.trim() || undefined;
        break;
      case 'title':
        // An SVG's <title> labels the drawing, not the document.
        if (title === undefined && !inSvg) title = collapseWhitespace(rawText(node));
        break;
      case 'meta': {
        const key = (attribs.property ?? attribs.name ?? attribs.itemprop ?? '').trim().toLowerCase();
        const content = attribs.content;
        if (key !== '' && content !== undefined) meta.set(key, [...(meta.get(key) ?? []), content]);
        break;
      }
      case 'a':
        if (attribs.href !== undefined) anchors.push({ href: attribs.href, text: collapseWhitespace(textOf(node, MAX_ANCHOR_TEXT * 4)).slice(0, MAX_ANCHOR_TEXT) });
        break;
      case 'link':
        if (attribs.href !== undefined) links.push({ href: attribs.href, rel: (attribs.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean) });
        break;
      case 'script':
        scripts.push({ src: attribs.src, type: attribs.type, id: attribs.id, text: rawText(node) });
        break;
      case 'style':
        styles.push(rawText(node));
        break;
      default:
        break;
    }
    const childInSvg = inSvg || name === 'svg';
    for (let i = node.children.length - 1; i >= 0; i -= 1) {
      const child = node.children[i];
      if (child !== undefined && isTag(child)) stack.push({ node: child, inSvg: childInSvg });
    }
  }
  return { document, title, lang, meta, anchors, links, scripts, styles, ids };
}

/** The first non-empty content of a meta tag, trimmed. */
export function metaContent(scanned: ScannedHtml, key: string): string | undefined {
  for (const content of scanned.meta.get(key) ?? []) {
    const trimmed = content.trim();
    if (trimmed !== '') return trimmed;
  }
  return undefined;
}
