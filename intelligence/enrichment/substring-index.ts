/**
 * A long text asked whether it contains each of thousands of short needles:
 * a page's markup against the fingerprint set's required literals (401 of
 * them) and its attribute values against the DOM checks' values. Each
 * `includes` scans the whole text, so the two cost 6.5 ms each on a 56 KB
 * page, half of a page's detection. The text's character trigrams go into a
 * bitmap once (well under a millisecond); a needle one of whose trigrams is
 * not there cannot occur, and only the rest are searched for. No library:
 * Aho–Corasick (modern-ahocorasick 3.3) took 4.8 ms for the markup alone,
 * its grapheme segmentation the cost.
 */
export interface SubstringIndex {
  readonly text: string;
  /** Exactly `text.includes(needle)`. */
  includes(needle: string): boolean;
}

// Characters fold to 7 bits (every other code to 127): a needle's trigram present in the text is present folded.
const fold = (code: number): number => (code < 127 ? code : 127);
const trigram = (a: number, b: number, c: number): number => (fold(a) << 14) | (fold(b) << 7) | fold(c);
const BITMAP_WORDS = (1 << 21) / 32;

// Needles are the fingerprint set's: a few thousand strings asked of every page.
const needleTrigrams = new Map<string, Int32Array>();
function trigramsOf(needle: string): Int32Array {
  let codes = needleTrigrams.get(needle);
  if (codes === undefined) {
    codes = new Int32Array(Math.max(0, needle.length - 2));
    for (let i = 0; i + 2 < needle.length; i += 1) codes[i] = trigram(needle.charCodeAt(i), needle.charCodeAt(i + 1), needle.charCodeAt(i + 2));
    needleTrigrams.set(needle, codes);
  }
  return codes;
}

export function substringIndex(text: string): SubstringIndex {
  // Short texts are searched directly: the bitmap would cost more than it saves.
  if (text.length < 4096) return { text, includes: (needle) => text.includes(needle) };
  const bitmap = new Uint32Array(BITMAP_WORDS);
  for (let i = 0; i + 2 < text.length; i += 1) {
    const code = trigram(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2));
    bitmap[code >>> 5] = (bitmap[code >>> 5] ?? 0) | (1 << (code & 31));
  }
  return {
    text,
    includes(needle) {
      for (const code of trigramsOf(needle)) if (((bitmap[code >>> 5] ?? 0) & (1 << (code & 31))) === 0) return false;
      return text.includes(needle);
    },
  };
}
