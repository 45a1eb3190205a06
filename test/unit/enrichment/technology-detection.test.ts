import { readFileSync } from 'node:fs';
import { compile, selectAll } from 'css-select';
import { describe, expect, it } from 'vitest';
import { scanHtml } from '../../../intelligence/enrichment/html-scan.js';
import { detectTechnologies, resolveVersion } from '../../../intelligence/enrichment/technology-detection.js';
import { mayMatch } from '../../../intelligence/enrichment/technology-dom-index.js';
import { loadedFingerprints } from '../../../intelligence/enrichment/technology-fingerprint-data.js';
import { compileFingerprints, compilePattern, compileRegex, requiredLiteral } from '../../../intelligence/enrichment/technology-fingerprints.js';
import { declaredGlobals, loaderSources, parseSetCookie, technologyPage } from '../../../intelligence/enrichment/technology-page.js';

const categories = { '1': { name: 'CMS', priority: 1 }, '12': { name: 'JavaScript frameworks', priority: 8 }, '87': { name: 'WordPress plugins', priority: 8 }, '22': { name: 'Web servers', priority: 8 } };

const pageOf = (html: string, headers: Record<string, string> = {}, url = 'https://acme.com/') => technologyPage(url, html, headers, scanHtml(html));

describe('the shipped fingerprint set', () => {
  it('loads the maintained Wappalyzer-format data, every pattern compiling', () => {
    const { set } = loadedFingerprints();
    expect(set.technologies.size).toBeGreaterThan(5_000);
    expect(set.categories.size).toBeGreaterThan(100);
    expect(set.skippedPatterns).toBe(0);
    expect(set.technologies.get('WordPress')?.categories).toContain(1);
    expect(set.categories.get(1)).toEqual({ id: 1, name: 'CMS', priority: 1 });
  });

  it('is loaded once', () => {
    expect(loadedFingerprints()).toBe(loadedFingerprints());
  });

  it('rejects data that is not of the format', () => {
    expect(() => compileFingerprints({ Acme: { cats: 'one' } }, categories)).toThrow();
    expect(() => compileFingerprints({}, { '1': { priority: 1 } })).toThrow();
  });
});

describe('patterns', () => {
  it('reads confidence and version attributes', () => {
    const pattern = compilePattern('^WordPress ?([\\d.]+)?\\;confidence:50\\;version:\\1');
    expect(pattern).toMatchObject({ confidence: 50, version: '\\1' });
    const match = pattern?.regex.exec('wordpress 6.5.2');
    expect(match).not.toBeNull();
    expect(resolveVersion(pattern?.version ?? '', match as RegExpExecArray)).toBe('6.5.2');
  });

  it('fills ternary version templates', () => {
    const pattern = compilePattern("gtag\\([^)]+'(UA-)\\;version:\\1?UA:");
    const match = pattern?.regex.exec("gtag('config', 'UA-123-1')");
    expect(resolveVersion(pattern?.version ?? '', match as RegExpExecArray)).toBe('UA');
  });

  it('bounds unbounded repetition, so a hostile megabyte cannot make a pattern backtrack without end', () => {
    expect(compileRegex('<a[^>]+href=.*\\+x')?.source).toBe('<a[^>]{1,250}href=.{0,250}\\+x');
    expect(compileRegex('[+*]a+')?.source).toBe('[+*]a{1,250}');
    expect(compileRegex('(?i)ltpatoken')?.flags).toBe('i');
    expect(compileRegex('^(?:(?i)ltpatoken)$')?.test('LtpaToken')).toBe(true);
    expect(compileRegex('(unclosed')).toBeUndefined();
  });

  it.each([
    ['googletagmanager\\.com/ns\\.html[^>]+></iframe>', 'googletagmanager.com/ns.html'],
    ['<!-- (?:End )?Google Tag Manager -->', 'google tag manager -->'],
    ['a{2,5}bcd', 'bcd'],
    ['x-?powered', 'powered'],
    ['ab\\.cd+e', 'ab.cd'],
    ['abc|def', undefined],
    ['(?:abc|def)', undefined],
    ['\\d+', undefined],
  ])('requires the text %s → %s', (source, literal) => {
    expect(requiredLiteral(source)).toBe(literal);
  });

  it('never skips a pattern that would match: on every labelled page, each literal is in every text its pattern matches', () => {
    const { set } = loadedFingerprints();
    const directory = new URL('./fixtures/homepages/', import.meta.url);
    for (const file of ['wordpress-marketing.html', 'shopify-store.html', 'nextjs-saas.html', 'drupal-site.html', 'webflow-site.html', 'gatsby-netlify.html']) {
      const page = pageOf(readFileSync(new URL(file, directory), 'utf8'));
      for (const fingerprint of set.technologies.values()) {
        for (const pattern of [...fingerprint.html, ...fingerprint.scripts, ...fingerprint.css]) {
          if (pattern.literal === undefined) continue;
          for (const text of [page.html, page.scripts, page.css]) {
            if (pattern.regex.test(text)) expect(text.toLowerCase()).toContain(pattern.literal);
          }
        }
      }
    }
  });
});

describe('DOM checks', () => {
  it('skips only selectors no element can match (each shipped selector, on every labelled page)', () => {
    const { set } = loadedFingerprints();
    const directory = new URL('./fixtures/homepages/', import.meta.url);
    let skipped = 0;
    for (const file of ['wordpress-marketing.html', 'shopify-store.html', 'nextjs-saas.html', 'webflow-site.html']) {
      const page = pageOf(readFileSync(new URL(file, directory), 'utf8'));
      for (const fingerprint of set.technologies.values()) {
        for (const check of fingerprint.dom) {
          if (mayMatch(check.selector, page.domIndex)) continue;
          skipped += 1;
          let query: ReturnType<typeof compile> | undefined;
          try {
            query = compile(check.selector);
          } catch {
            continue;
          }
          expect(selectAll(query, page.scanned.document), `${check.selector} on ${file}`).toEqual([]);
        }
      }
    }
    // The index spares css-select nearly every selector.
    expect(skipped).toBeGreaterThan(4 * 1_000);
  });

  it('matches existence, attributes and text', () => {
    const set = compileFingerprints(
      {
        Exists: { cats: [12], dom: ['div#app[data-v-app]'] },
        Attribute: { cats: [12], dom: { '[ng-version]': { attributes: { 'ng-version': '^([\\d.]+)\\;version:\\1' } } } },
        Text: { cats: [12], dom: { style: { text: '--bs-gutter' } } },
        Property: { cats: [12], dom: { 'body > div': { properties: { _reactRootContainer: '' } } } },
      },
      categories,
    );
    const detected = detectTechnologies(
      pageOf('<html><head><style>:root{--bs-gutter-x:1rem}</style></head><body><div id="app" data-v-app></div><app-root ng-version="17.3.1"></app-root></body></html>'),
      set,
    );
    expect(detected.map(({ name, version }) => [name, version])).toEqual([
      ['Attribute', '17.3.1'],
      ['Exists', undefined],
      ['Text', undefined],
    ]);
  });
});

describe('relations between technologies', () => {
  const set = compileFingerprints(
    {
      CMS: { cats: [1], meta: { generator: '^CMS' }, implies: ['Language\\;confidence:50'] },
      Language: { cats: [22] },
      Plugin: { cats: [87], scriptSrc: ['/plugin\\.js'], requires: ['CMS'] },
      Widget: { cats: [12], scriptSrc: ['/widget\\.js'], requiresCategory: [1] },
      New: { cats: [12], html: ['<app-new'], excludes: ['Old'] },
      Old: { cats: [12], html: ['<app-'], excludes: ['New'] },
      Weak: { cats: [12], headers: { 'x-weak': '\\;confidence:40' }, cookies: { weak: '\\;confidence:40' } },
    },
    categories,
  );

  it('implies, with the weaker confidence', () => {
    const detected = detectTechnologies(pageOf('<meta name="generator" content="CMS 2">'), set);
    expect(detected).toEqual([
      { name: 'CMS', categories: ['CMS'], confidence: 100, evidence: 'markup' },
      { name: 'Language', categories: ['Web servers'], confidence: 50, evidence: 'heuristic' },
    ]);
  });

  it('reports what requires another only with it', () => {
    const scripts = '<script src="/plugin.js"></script><script src="/widget.js"></script>';
    expect(detectTechnologies(pageOf(scripts), set).map(({ name }) => name)).toEqual([]);
    expect(detectTechnologies(pageOf(`<meta name="generator" content="CMS">${scripts}`), set).map(({ name }) => name)).toEqual([
      'CMS',
      'Language',
      'Plugin',
      'Widget',
    ]);
  });

  it('keeps the first of two that exclude each other', () => {
    expect(detectTechnologies(pageOf('<app-new></app-new>'), set).map(({ name }) => name)).toEqual(['New']);
  });

  it('adds confidence up, capped at 100, and calls what stays below certainty a heuristic', () => {
    expect(detectTechnologies(pageOf('', { 'X-Weak': '1' }), set)).toEqual([{ name: 'Weak', categories: ['JavaScript frameworks'], confidence: 40, evidence: 'heuristic' }]);
    expect(detectTechnologies(pageOf('', { 'x-weak': '1', 'set-cookie': 'weak=1; Path=/' }), set)[0]).toMatchObject({ confidence: 80, evidence: 'heuristic' });
  });
});

describe('what a page shows without running', () => {
  it('reads cookies from Set-Cookie lines, and from a comma-joined header', () => {
    expect(
      parseSetCookie(['__cf_bm=abc.def; path=/; expires=Sat, 18 May 2030 10:00:00 GMT, wordpress_test_cookie=WP%20Cookie; path=/', '_Shopify_Y=1; Path=/']),
    ).toEqual(
      new Map([
        ['__cf_bm', 'abc.def'],
        ['wordpress_test_cookie', 'WP%20Cookie'],
        ['_shopify_y', '1'],
      ]),
    );
  });

  it('reads the globals a snippet assigns', () => {
    const globals = declaredGlobals(`var _hsq = window._hsq = window._hsq || [];
      !function(){var t=window.driftt=window.drift=window.driftt||[];}();
      (function(){var w=window;var i=function(){};w.Intercom=i;})();
      (function(i,s,o,g,r){i['GoogleAnalyticsObject']=r;})(window,document,'script','//www.google-analytics.com/analytics.js','ga');
      Shopify.shop = "acme.myshopify.com"; if (a == b) { x.core = 1; } const ok = a >= b;`);
    for (const name of ['_hsq', 'driftt', 'drift', 'Intercom', 'GoogleAnalyticsObject', 'Shopify.shop']) expect(globals).toContain(name);
    // Short, generic names assigned as members are not taken for globals.
    for (const name of ['core', 'a', 'b', 'x.core.1']) expect(globals).not.toContain(name);
  });

  it('never reads data blocks, templates or visible text as code', () => {
    const page = pageOf(
      '<script type="application/ld+json">{"a": "window.drift = 1"}</script><script type="text/template">Shopify.shop = 1</script><p>w.Intercom = i</p><script>var ok = 1;</script>',
    );
    expect(page.scripts).toBe('var ok = 1;');
    expect([...page.globals.keys()]).toEqual([]);
  });

  it('reads the script sources loader snippets insert', () => {
    expect(
      loaderSources(`j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl; t.src="https://cdn.segment.com/analytics.js/v1/" + key; img.src = "/pixel.gif"; s.src=\`//js.driftt.com/include/\``),
    ).toEqual(['https://www.googletagmanager.com/gtm.js?id=', 'https://cdn.segment.com/analytics.js/v1/', '//js.driftt.com/include/']);
  });

  it('treats element ids as globals, as browsers do (named access)', () => {
    expect(pageOf('<script id="__NEXT_DATA__" type="application/json">{}</script>').globals.get('__NEXT_DATA__')).toBe('markup');
  });
});
