/**
 * A quick "can this selector match here at all?" for the fingerprint set's
 * DOM checks: thousands of selectors per page, nearly all of which name a
 * tag, id, class or attribute value the page does not have. Each selector is
 * reduced once to what any match needs (css-what parses it); each page is
 * indexed once; only selectors that pass run through css-select.
 */
import { parse, type Selector } from 'css-what';
import { isTag, type AnyNode, type Document } from 'domhandler';
import { substringIndex, type SubstringIndex } from './substring-index.js';

export interface DomIndex {
  readonly tags: ReadonlySet<string>;
  readonly ids: ReadonlySet<string>;
  readonly classes: ReadonlySet<string>;
  readonly attributes: ReadonlySet<string>;
  /** Every attribute value, one a line, lower-cased: substring tests of `[href*='/wp-content/']`. */
  readonly values: SubstringIndex;
  /**
   * False for a document too deep or too large for selectors to run on it in
   * reasonable time (a descendant selector walks every ancestor): real pages
   * stay far below the limits, hostile ones are read by their other evidence.
   */
  readonly selectable: boolean;
}

/** What one alternative of a selector list needs: all of it, somewhere in the document. */
interface Needs {
  readonly tags: readonly string[];
  readonly ids: readonly string[];
  readonly classes: readonly string[];
  readonly attributes: readonly string[];
  readonly values: readonly string[];
}

const MAX_VALUES = 2 * 1024 * 1024;
const MAX_DEPTH = 256;
const MAX_ELEMENTS = 50_000;

export function indexDocument(document: Document): DomIndex {
  const tags = new Set<string>();
  const ids = new Set<string>();
  const classes = new Set<string>();
  const attributes = new Set<string>();
  const values: string[] = [];
  let length = 0;
  let elements = 0;
  let deepest = 0;
  const stack: Array<[AnyNode, number]> = document.children.map((child) => [child, 1]);
  while (stack.length > 0) {
    const [node, depth] = stack.pop() ?? [document, 0];
    if (!isTag(node)) continue;
    elements += 1;
    deepest = Math.max(deepest, depth);
    tags.add(node.name);
    for (const [name, value] of Object.entries(node.attribs)) {
      attributes.add(name);
      if (name === 'id') ids.add(value);
      if (name === 'class') for (const token of value.split(/\s+/)) if (token !== '') classes.add(token);
      if (length < MAX_VALUES) {
        values.push(value.toLowerCase());
        length += value.length + 1;
      }
    }
    for (const child of node.children) stack.push([child, depth + 1]);
  }
  return { tags, ids, classes, attributes, values: substringIndex(values.join('\n')), selectable: deepest <= MAX_DEPTH && elements <= MAX_ELEMENTS };
}

function needsOf(tokens: readonly Selector[]): Needs {
  const needs = { tags: [] as string[], ids: [] as string[], classes: [] as string[], attributes: [] as string[], values: [] as string[] };
  for (const token of tokens) {
    if (token.type === 'tag') needs.tags.push(token.name.toLowerCase());
    if (token.type !== 'attribute' || token.namespace !== null) continue;
    const name = token.name.toLowerCase();
    if (name === 'id' && token.action === 'equals') needs.ids.push(token.value);
    else if (name === 'class' && token.action === 'element') needs.classes.push(token.value);
    else if (token.action !== 'not') {
      needs.attributes.push(name);
      // The value (or a part of it) appears in some attribute value; a case-sensitive match is a stricter one.
      if (['equals', 'start', 'end', 'any', 'element', 'hyphen'].includes(token.action) && token.value !== '') needs.values.push(token.value.toLowerCase());
    }
    // Pseudo-classes (:not, :has…) add nothing here: their arguments need not be present.
  }
  return needs;
}

const requirements = new Map<string, readonly Needs[] | null>();

/** The needs of each alternative of a selector list; null when it does not parse (it is then tried as is). */
function requirementsOf(selector: string): readonly Needs[] | null {
  let needs = requirements.get(selector);
  if (needs === undefined) {
    try {
      needs = parse(selector).map(needsOf);
    } catch {
      needs = null;
    }
    requirements.set(selector, needs);
  }
  return needs;
}

/** False when no element of the page can match `selector`, or the page is not `selectable`. */
export function mayMatch(selector: string, index: DomIndex): boolean {
  if (!index.selectable) return false;
  const alternatives = requirementsOf(selector);
  if (alternatives === null) return true;
  return alternatives.some(
    (needs) =>
      needs.tags.every((tag) => index.tags.has(tag)) &&
      needs.ids.every((id) => index.ids.has(id)) &&
      needs.classes.every((name) => index.classes.has(name)) &&
      needs.attributes.every((name) => index.attributes.has(name)) &&
      needs.values.every((value) => index.values.includes(value)),
  );
}
