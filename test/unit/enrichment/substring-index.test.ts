import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { substringIndex } from '../../../intelligence/enrichment/substring-index.js';

const homepages = new URL('./fixtures/homepages/', import.meta.url);
const pages = readdirSync(homepages)
  .filter((file) => file.endsWith('.html'))
  .map((file) => readFileSync(new URL(file, homepages), 'utf8').toLowerCase());

/** Every substring of `text` from `start` of each length in `lengths`: needles that are there. */
const slices = (text: string, step: number, lengths: readonly number[]) => {
  const needles: string[] = [];
  for (let start = 0; start < text.length; start += step) for (const length of lengths) needles.push(text.slice(start, start + length));
  return needles;
};

describe('substringIndex', () => {
  it('answers exactly as String.prototype.includes on real pages, for needles that are there and needles that are not', () => {
    const long = pages.filter((page) => page.length >= 4096);
    expect(long.length).toBeGreaterThan(0);
    for (const page of long) {
      const index = substringIndex(page);
      const present = slices(page, 97, [1, 2, 3, 4, 9, 25]);
      // Present needles altered: one character changed, reversed, or joined across a cut.
      const absent = present.flatMap((needle) => [`${needle}\u00e9q`, [...needle].reverse().join(''), `zq${needle}`, needle.replace(/./, '~')]);
      for (const needle of [...present, ...absent, '', 'wp-content', '/_next/static/', 'cdn.shopify.com', 'ça']) {
        expect(index.includes(needle), needle).toBe(page.includes(needle));
      }
    }
  });

  it('folds characters beyond ASCII without losing a match', () => {
    const text = `${'lorem ipsum '.repeat(500)}café — naïve 東京 ${'dolor '.repeat(200)}`;
    const index = substringIndex(text);
    for (const needle of ['café', 'naïve', '東京', 'é —', '東京 d', 'cafè', '京東', 'naive']) expect(index.includes(needle), needle).toBe(text.includes(needle));
  });

  it('searches a short text directly', () => {
    const index = substringIndex('<script src="/wp-content/x.js">');
    expect(index.includes('wp-content')).toBe(true);
    expect(index.includes('drupal')).toBe(false);
    expect(index.text).toBe('<script src="/wp-content/x.js">');
  });
});
