import { describe, expect, it } from 'vitest';
import { scanHtml } from '../../../intelligence/enrichment/html-scan.js';
import { homepageFacts, nameFromTitle, type HomepageFacts } from '../../../intelligence/enrichment/homepage-facts.js';
import { socialProfile } from '../../../intelligence/enrichment/social-links.js';

const page = (html: string, headers: Record<string, string> = {}, url = 'https://www.acme.com/'): HomepageFacts =>
  homepageFacts({ url, status: 200, headers, html });

const document = (head: string, body = '') => `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n${head}\n</head>\n<body>\n${body}\n</body>\n</html>`;

describe('the company name', () => {
  it.each([
    {
      case: 'og:site_name wins over the title',
      head: '<title>Widgets for modern teams | Acme</title><meta property="og:site_name" content="Acme Inc.">',
      name: 'Acme Inc.',
      source: 'og:site_name',
    },
    {
      case: 'application-name when there is no og:site_name',
      head: '<title>Dashboard - Acme</title><meta name="application-name" content="Acme Cloud">',
      name: 'Acme Cloud',
      source: 'application-name',
    },
    { case: 'a title without tagline is the name', head: '<title>\n  Acme Corporation\n</title>', name: 'Acme Corporation', source: 'title' },
    { case: 'the shortest part of a title with a tagline', head: '<title>Acme | Widgets for modern teams</title>', name: 'Acme', source: 'title-part' },
    { case: 'generic parts are dropped', head: '<title>Home - Acme Corp</title>', name: 'Acme Corp', source: 'title-part' },
    { case: 'em dashes and middle dots separate', head: '<title>Ship faster · Acme — The widget platform</title>', name: 'Acme', source: 'title-part' },
    { case: 'hyphens inside a name do not', head: '<title>Coca-Cola Widgets</title>', name: 'Coca-Cola Widgets', source: 'title' },
    { case: '"Welcome to" is not part of the name', head: '<title>Welcome to Acme</title>', name: 'Acme', source: 'title' },
    {
      case: 'entities are decoded in the title and an encoded dash still separates',
      head: '<title>Ben &amp; Jerry&#39;s &#8212; Ice Cream</title>',
      url: 'https://www.benjerry.com/',
      name: "Ben & Jerry's",
      source: 'title-part',
    },
    { case: 'entities are decoded once, not twice', head: '<meta property="og:site_name" content="A &amp;lt; B">', name: 'A &lt; B', source: 'og:site_name' },
    { case: 'no title and no meta: no name', head: '<meta name="viewport" content="width=device-width">', name: undefined, source: undefined },
  ])('$case', ({ head, url, name, source }) => {
    const facts = page(document(head, '<svg><title>Logo icon</title></svg>'), {}, url);
    expect(facts.name).toBe(name);
    expect(facts.nameSource).toBe(source);
  });

  it.each([
    { title: 'AI | Acme Corporation', url: 'https://acme.com/', name: 'Acme Corporation' },
    { title: 'The CRM platform for scaling companies | HubSpot', url: 'https://www.hubspot.com/', name: 'HubSpot' },
    { title: 'Pricing - Stripe', url: 'https://stripe.com/', name: 'Stripe' },
    { title: 'Initech UK | Business software', url: 'https://www.initech.co.uk/', name: 'Initech UK' },
    { title: 'Home | Welcome', url: 'https://acme.com/', name: undefined },
  ])('prefers the part that matches the domain: "$title" at $url', ({ title, url, name }) => {
    expect(nameFromTitle(title, url)?.name).toBe(name);
  });
});

describe('the description', () => {
  it.each([
    {
      case: 'meta description first',
      head: '<meta name="description" content="Acme builds widgets &amp; gadgets for teams.">\n<meta property="og:description" content="Widgets!">',
      description: 'Acme builds widgets & gadgets for teams.',
      source: 'description',
    },
    { case: 'og:description as a fallback', head: '<meta property="og:description" content="  Widgets,\n  for teams. ">', description: 'Widgets, for teams.', source: 'og:description' },
    { case: 'an empty description counts as none', head: '<meta name="description" content=" ">', description: undefined, source: undefined },
    { case: 'unquoted and upper-case attributes', head: '<META NAME=Description CONTENT=Widgets>', description: 'Widgets', source: 'description' },
  ])('$case', ({ head, description, source }) => {
    const facts = page(document(head));
    expect(facts.description).toBe(description);
    expect(facts.descriptionSource).toBe(source);
  });
});

describe('social links', () => {
  it.each([
    { href: 'https://www.linkedin.com/company/acme-corp/', profile: ['linkedin', 'https://www.linkedin.com/company/acme-corp'] },
    { href: 'https://uk.linkedin.com/company/Acme-Corp/about', profile: ['linkedin', 'https://www.linkedin.com/company/acme-corp'] },
    { href: 'https://www.linkedin.com/in/jane-doe', profile: undefined },
    { href: 'https://www.linkedin.com/shareArticle?mini=true&url=https://acme.com', profile: undefined },
    { href: 'https://twitter.com/AcmeHQ', profile: ['twitter', 'https://x.com/acmehq'] },
    { href: '//x.com/acmehq?lang=en', profile: ['twitter', 'https://x.com/acmehq'] },
    { href: 'https://twitter.com/intent/tweet?text=hi', profile: undefined },
    { href: 'https://twitter.com/share?url=https://acme.com', profile: undefined },
    { href: 'https://twitter.com/acmehq/status/1790000000000000000', profile: undefined },
    { href: 'https://github.com/acme', profile: ['github', 'https://github.com/acme'] },
    { href: 'https://github.com/orgs/acme', profile: ['github', 'https://github.com/acme'] },
    { href: 'https://github.com/acme/widgets', profile: undefined },
    { href: 'https://github.com/features', profile: undefined },
    { href: 'https://www.facebook.com/AcmeCorp', profile: ['facebook', 'https://www.facebook.com/AcmeCorp'] },
    { href: 'https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Facme.com', profile: undefined },
    { href: 'https://www.facebook.com/profile.php?id=100', profile: undefined },
    { href: 'https://www.youtube.com/@acme', profile: ['youtube', 'https://www.youtube.com/@acme'] },
    { href: 'https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv', profile: ['youtube', 'https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv'] },
    { href: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', profile: undefined },
    { href: 'https://www.instagram.com/acme.hq/', profile: ['instagram', 'https://www.instagram.com/acme.hq'] },
    { href: 'https://www.instagram.com/p/C1a2b3c4d5e/', profile: undefined },
    { href: 'mailto:hello@acme.com', profile: undefined },
    { href: 'javascript:void(0)', profile: undefined },
  ])('$href', ({ href, profile }) => {
    expect(socialProfile(href, 'https://acme.com/')).toEqual(profile);
  });

  it("takes the profile a page links most often, so a partner's link in the body loses to the company's own", () => {
    const html = document(
      '<title>Acme</title>',
      `<header><a href="https://twitter.com/acmehq" aria-label="X">X</a></header>
       <main>
         <p>Read the <a href="https://twitter.com/intent/tweet?text=Acme&amp;url=https%3A%2F%2Facme.com">tweet</a> from
         our partner <a href="https://twitter.com/globex">@globex</a>, or
         <a href="https://www.linkedin.com/shareArticle?mini=true&amp;url=https://acme.com">share on LinkedIn</a>.</p>
       </main>
       <footer>
         <a href="https://www.linkedin.com/company/acme/" target="_blank" rel="noopener">LinkedIn</a>
         <a href='https://x.com/AcmeHQ'>X</a>
         <a href=https://github.com/acme>GitHub</a>
         <a href="https://github.com/acme/widgets">widgets on GitHub</a>
         <a href="https://www.facebook.com/acmecorp">Facebook</a>
         <a href="https://www.youtube.com/@acme">YouTube</a>
         <a href="https://www.instagram.com/acme/">Instagram</a>
       </footer>`,
    );
    expect(page(html).socialLinks).toEqual({
      twitter: 'https://x.com/acmehq',
      linkedin: 'https://www.linkedin.com/company/acme',
      github: 'https://github.com/acme',
      facebook: 'https://www.facebook.com/acmecorp',
      youtube: 'https://www.youtube.com/@acme',
      instagram: 'https://www.instagram.com/acme',
    });
  });

  it('ignores links in comments, scripts and escaped code', () => {
    const html = document(
      '<title>Acme</title>',
      `<!-- <a href="https://twitter.com/oldacme">old</a> -->
       <script>document.write('<a href="https://twitter.com/fromscript">x</a>')</script>
       <pre>&lt;a href="https://twitter.com/escaped"&gt;</pre>`,
    );
    expect(page(html).socialLinks).toEqual({});
  });
});

interface TechnologyCase {
  readonly case: string;
  readonly html?: string;
  readonly headers?: Record<string, string>;
  readonly detects: Record<string, 'header' | 'markup' | 'heuristic'>;
  /** Technologies that must not be reported. */
  readonly not?: readonly string[];
}

const technologyCases: TechnologyCase[] = [
  {
    case: 'a WordPress site with its bundled jQuery',
    html: document(
      `<meta name="generator" content="WordPress 6.5.2" />
       <link rel='stylesheet' id='acme-style-css' href='https://acme.com/wp-content/themes/acme/style.css?ver=6.5.2' media='all' />
       <script src="https://acme.com/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>`,
    ),
    headers: { link: '<https://acme.com/wp-json/>; rel="https://api.w.org/"' },
    detects: { WordPress: 'header', jQuery: 'markup' },
  },
  {
    case: 'Drupal by its header and settings',
    html: document(`<script type="application/json" data-drupal-selector="drupal-settings-json">{"path":{"baseUrl":"\\/"}}</script>`),
    headers: { 'x-generator': 'Drupal 10 (https://www.drupal.org)' },
    detects: { Drupal: 'header' },
  },
  {
    case: 'a Shopify storefront',
    html: document(
      '<link rel="preload" as="script" href="//cdn.shopify.com/s/files/1/0000/0001/t/1/assets/theme.js?v=1" />',
      `<script>var Shopify = Shopify || {};\nShopify.shop = "acme.myshopify.com";</script>`,
    ),
    headers: { 'x-shopid': '12345678', 'set-cookie': '_shopify_y=abc; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Path=/\nlocalization=US; Path=/' },
    detects: { Shopify: 'header' },
  },
  {
    case: 'Squarespace',
    html: document(
      '<!-- This is Squarespace. --><meta name="generator" content="Squarespace" />',
      '<script src="https://static1.squarespace.com/static/vta/5c5a519771c10ba3470d8101/scripts/site-bundle.js"></script>',
    ),
    // The fingerprint set knows Squarespace by its server header (and live globals), not by these assets.
    headers: { server: 'Squarespace', 'x-contextid': 'AbCdEfGh/IjKlMnOp' },
    detects: { Squarespace: 'header' },
  },
  {
    case: 'Wix',
    html: document('<meta name="generator" content="Wix.com Website Builder"/>'),
    headers: { 'x-wix-request-id': '1715000000.123456789' },
    detects: { Wix: 'header' },
  },
  {
    case: 'Webflow',
    html: `<!DOCTYPE html><html data-wf-page="64a1b2c3d4e5f6a7b8c9d0e1" data-wf-site="64a1b2c3d4e5f6a7b8c9d0e0"><head><title>Acme</title></head>
      <body><script src="https://assets.website-files.com/64a1b2c3d4e5f6a7b8c9d0e0/js/webflow.abc123.js" type="text/javascript"></script></body></html>`,
    detects: { Webflow: 'markup' },
  },
  {
    case: 'HubSpot, Marketo and Pardot',
    html: document(
      '',
      `<script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/1234567.js"></script>
       <script src="//munchkin.marketo.net/munchkin.js"></script><script>Munchkin.init('123-ABC-456');</script>
       <script type="text/javascript">piAId = '123456'; piCId = '1234'; piHostname = 'pi.pardot.com';
       (function() { var s = document.createElement('script');
         s.src = ('https:' == document.location.protocol ? 'https://pi' : 'http://cdn') + '.pardot.com/pd.js';
         document.getElementsByTagName('head')[0].appendChild(s); })();</script>`,
    ),
    // Pardot is now Salesforce's Marketing Cloud Account Engagement; its globals (`piAId`) are assigned by the snippet.
    detects: { HubSpot: 'markup', Marketo: 'markup', 'Salesforce Marketing Cloud Account Engagement': 'heuristic' },
  },
  {
    // gtag.js is served by Tag Manager's host and is the Google tag: the fingerprint set reports both.
    case: 'Google Analytics through gtag.js',
    html: document(`<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123XYZ"></script>
      <script>window.dataLayer = window.dataLayer || [];
        function gtag(){dataLayer.push(arguments);}
        gtag('js', new Date());
        gtag('config', 'G-ABC123XYZ');</script>`),
    detects: { 'Google Analytics': 'markup', 'Google Tag Manager': 'markup' },
  },
  {
    case: 'Universal Analytics through analytics.js',
    html: document(`<script>(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){
      (i[r].q=i[r].q||[]).push(arguments)},i[r].l=1*new Date();a=s.createElement(o),
      m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
      })(window,document,'script','https://www.google-analytics.com/analytics.js','ga');
      ga('create', 'UA-12345-1', 'auto'); ga('send', 'pageview');</script>`),
    // The loader sets `GoogleAnalyticsObject`, the global the fingerprint looks for.
    detects: { 'Google Analytics': 'heuristic' },
  },
  {
    case: 'Google Tag Manager and Segment snippets',
    html: document(
      `<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
      j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
      })(window,document,'script','dataLayer','GTM-ABCD123');</script>
      <script>!function(){var analytics=window.analytics=window.analytics||[];analytics.load=function(key,e){var t=document.createElement("script");
      t.type="text/javascript";t.async=!0;t.src="https://cdn.segment.com/analytics.js/v1/" + key + "/analytics.min.js";
      var n=document.getElementsByTagName("script")[0];n.parentNode.insertBefore(t,n)};analytics.SNIPPET_VERSION="4.15.3";
      analytics.load("abc123");analytics.page();}();</script>`,
      '<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABCD123" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>',
    ),
    // The loader snippets insert gtm.js and analytics.js: the script sources the page loads once it runs.
    detects: { 'Google Tag Manager': 'markup', Segment: 'markup' },
    not: ['Google Analytics'],
  },
  {
    case: 'Intercom, Drift, Zendesk and Stripe.js',
    html: document(
      '<script src="https://js.stripe.com/v3/"></script>',
      `<script>window.intercomSettings = { api_base: "https://api-iam.intercom.io", app_id: "abc123" };
       (function(){var w=window;var ic=w.Intercom;if(typeof ic==="function"){ic('update',w.intercomSettings);}else{var d=document;var i=function(){i.c(arguments);};
       i.q=[];i.c=function(args){i.q.push(args);};w.Intercom=i;var l=function(){var s=d.createElement('script');s.type='text/javascript';s.async=true;
       s.src='https://widget.intercom.io/widget/abc123';var x=d.getElementsByTagName('script')[0];x.parentNode.insertBefore(s,x);};l();}})();</script>
       <script>"use strict";!function(){var t=window.driftt=window.drift=window.driftt||[];t.load=function(e){var o=3e5,i=Math.ceil(new Date()/o)*o,r=document.createElement("script");
       r.src="https://js.driftt.com/include/"+i+"/"+e+".js";}; }();drift.SNIPPET_VERSION='0.3.1';drift.load('xyz789');</script>
       <script id="ze-snippet" src="https://static.zdassets.com/ekr/snippet.js?key=00000000-0000-0000-0000-000000000000"></script>`,
    ),
    detects: { Intercom: 'heuristic', Drift: 'heuristic', Zendesk: 'markup', Stripe: 'markup' },
  },
  {
    case: 'a Next.js pages-router site behind Vercel',
    html: document(
      '<link rel="preload" href="/_next/static/css/a1b2c3.css" as="style"/>',
      `<div id="__next"><main class="hero">Acme</main></div>
       <script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/","buildId":"abc"}</script>
       <script src="/_next/static/chunks/main-0123456789abcdef.js" defer=""></script>`,
    ),
    headers: { 'x-powered-by': 'Next.js', 'x-vercel-id': 'fra1::iad1::abcde-1715000000000-0123456789ab', server: 'Vercel' },
    detects: { 'Next.js': 'header', React: 'header', Vercel: 'header' },
  },
  {
    // `<script id="__NEXT_DATA__">` is the global `__NEXT_DATA__` before any script runs (named access).
    case: 'a Next.js pages-router site without headers',
    html: document(
      '<script src="/_next/static/chunks/webpack-0123456789abcdef.js" defer=""></script>',
      '<div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/","buildId":"abc"}</script>',
    ),
    detects: { 'Next.js': 'markup', React: 'markup' },
  },
  {
    case: 'Gatsby implies React',
    html: document('<meta name="generator" content="Gatsby 5.13.3"/>', '<div id="___gatsby"><div style="outline:none" tabindex="-1" id="gatsby-focus-wrapper"></div></div>'),
    detects: { Gatsby: 'markup', React: 'markup' },
  },
  {
    case: 'React from server-rendered markup',
    html: document('', '<div id="root"><div data-reactroot=""><h1>Acme</h1></div></div>'),
    detects: { React: 'markup' },
  },
  {
    case: 'Nuxt implies Vue',
    html: document('<link rel="modulepreload" as="script" crossorigin href="/_nuxt/entry.a1b2c3d4.js">', '<div id="__nuxt"><div data-v-7ba5bd90 class="hero"></div></div><script>window.__NUXT__={config:{}}</script>'),
    detects: { 'Nuxt.js': 'markup', 'Vue.js': 'markup' },
  },
  {
    case: 'Vue from scoped-style attributes',
    html: document('', '<div id="app" data-v-app=""><section data-v-1f2e3d4c="" class="pricing"></section></div>'),
    detects: { 'Vue.js': 'markup' },
  },
  {
    // The two exclude each other in the fingerprint set; the first found (Angular) stays.
    case: 'Angular, not AngularJS, when both markers show',
    html: `<!doctype html><html ng-app="legacyApp"><head><title>Acme</title></head>
      <body><app-root _nghost-ng-c2127458474="" ng-version="17.3.1"><div _ngcontent-ng-c2127458474="">Acme</div></app-root></body></html>`,
    detects: { Angular: 'markup', TypeScript: 'markup' },
    not: ['AngularJS'],
  },
  {
    case: 'jQuery and Bootstrap from a CDN',
    html: document(
      '<link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/css/bootstrap.min.css" rel="stylesheet" integrity="sha384-x" crossorigin="anonymous">',
      '<div class="container"><div class="row"><div class="col-md-6 text-primary d-md-flex px-4">Acme</div></div></div><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>',
    ),
    detects: { jQuery: 'markup', Bootstrap: 'markup' },
    not: ['Tailwind CSS'],
  },
  {
    case: 'Tailwind from its CSS variables',
    html: document('<style>*,::before,::after{--tw-border-spacing-x:0;--tw-translate-x:0;--tw-ring-offset-width:0px}</style>'),
    detects: { 'Tailwind CSS': 'markup' },
  },
  {
    case: 'Cloudflare in front of nginx',
    headers: { server: 'cloudflare', 'cf-ray': '8a1b2c3d4e5f6a7b-FRA', 'content-type': 'text/html; charset=UTF-8' },
    detects: { Cloudflare: 'header' },
    not: ['Nginx'],
  },
  { case: 'Netlify', headers: { server: 'Netlify', 'x-nf-request-id': '01HXABCDEF0123456789ABCDEF' }, detects: { Netlify: 'header' } },
  {
    case: 'Fastly',
    headers: { 'x-served-by': 'cache-fra-etou8220101-FRA', 'x-cache': 'HIT', via: '1.1 varnish', 'x-fastly-request-id': '2b4c6d8e0f1a3b5c7d9e' },
    detects: { Fastly: 'header', Varnish: 'header' },
  },
  {
    case: 'CloudFront',
    headers: { via: '1.1 0123456789abcdef.cloudfront.net (CloudFront)', 'x-amz-cf-id': 'abcDEF==', 'x-cache': 'Miss from cloudfront' },
    detects: { 'Amazon CloudFront': 'header' },
  },
  { case: 'nginx', headers: { Server: 'nginx/1.25.3' }, detects: { Nginx: 'header' } },
  { case: 'Apache', headers: { server: 'Apache/2.4.58 (Ubuntu)' }, detects: { 'Apache HTTP Server': 'header' } },
  { case: 'Tomcat is not Apache httpd', headers: { server: 'Apache-Coyote/1.1' }, detects: {}, not: ['Apache HTTP Server'] },
  {
    case: 'a page that talks about technologies runs none of them',
    html: document(
      '<title>We build with React</title><meta name="description" content="React, Vue, Angular and Next.js experts. We migrate WordPress, Shopify and Squarespace sites.">',
      `<h1>React &amp; Next.js development</h1>
       <p>We love react, Vue and Angular; ask us about Tailwind, Bootstrap and jQuery. Our Stripe.js and Segment integrations
       load from cdn.shopify.com, js.stripe.com and cdn.segment.com/analytics.js/v1 - see data-reactroot, id="__next" and ng-version.</p>
       <pre><code>&lt;div id="__next"&gt;&lt;/div&gt;
&lt;script src="https://unpkg.com/react@18/umd/react.production.min.js"&gt;&lt;/script&gt;</code></pre>
       <script type="application/ld+json">{"@type":"Organization","description":"gtag('config', 'G-ABC') and https://cdn.segment.com/analytics.js/v1/ experts"}</script>
       <link rel="preconnect" href="https://js.stripe.com">
       <script src="/js/react-slick.min.js"></script><script src="/js/jquery-ui.min.js"></script>
       <script async src="https://www.googletagmanager.com/gtag/js?id=AW-123456789"></script>`,
    ),
    headers: { 'content-type': 'text/html' },
    // jQuery UI needs jQuery: loading it is running jQuery, as the fingerprint set says.
    detects: { jQuery: 'markup' },
    not: ['React', 'Next.js', 'Vue.js', 'Angular', 'WordPress', 'Shopify', 'Squarespace', 'Stripe', 'Segment', 'Tailwind CSS'],
  },
];

describe('technologies', () => {
  it.each(technologyCases)('$case', ({ html, headers, detects, not }) => {
    const facts = page(html ?? document('<title>Acme</title>'), headers);
    expect(facts.technologyEvidence).toMatchObject(detects);
    expect(facts.technologies).toEqual(expect.arrayContaining(Object.keys(detects)));
    for (const absent of not ?? []) expect(facts.technologies).not.toContain(absent);
  });

  it('lists every technology once, most telling category first, then by name', () => {
    const facts = page(
      document('<meta name="generator" content="WordPress 6.5"><script src="/wp-includes/js/jquery/jquery.min.js"></script>'),
      { server: 'cloudflare', 'cf-ray': '1-FRA', 'set-cookie': '__cf_bm=abc; path=/; expires=Sat, 18 May 2024 10:00:00 GMT, wordpress_test_cookie=1; path=/' },
    );
    // CMS (WordPress) first; what it implies (MySQL, PHP) next; libraries, CDNs and security last.
    expect(facts.technologies).toEqual(['WordPress', 'MySQL', 'PHP', 'Cloudflare', 'Cloudflare Bot Management', 'jQuery']);
  });
});

describe('HTML scanning', () => {
  // As a browser decodes them (the HTML standard's table, through the parser): strictly more than the old hand list.
  it.each([
    ['Fish &amp; Chips', 'Fish & Chips'],
    ['&lt;b&gt; &quot;q&quot; &#39;a&#39; &apos;b&apos;', `<b> "q" 'a' 'b'`],
    ['caf&eacute; &#233; &#xE9; &#XE9;', 'café é é é'],
    ['a&nbsp;b &mdash; c &ndash; d &hellip; &copy; &reg; &trade;', 'a b \u2014 c \u2013 d \u2026 \u00a9 \u00ae \u2122'],
    ['&rsquo;&lsquo;&rdquo;&ldquo; &middot; &laquo;&raquo;', '\u2019\u2018\u201d\u201c \u00b7 \u00ab\u00bb'],
    ['&unknown; &#0; &#x110000; &#55296;', '&unknown; \ufffd \ufffd \ufffd'],
    ['&amp &lt', '& <'],
    ['&Ccaron;esk&aacute; &bigstar;', 'Česká \u2605'],
  ])('decodes %s', (encoded, decoded) => {
    expect(scanHtml(`<title>${encoded}</title>`).title).toBe(decoded);
  });

  it('reads quoted attributes holding ">" and raw-text elements holding tags', () => {
    const scanned = scanHtml(
      `<TITLE>Acme</TITLE><a title="a > b" href='/x'>x</a><script>if (a < b && c > d) { document.write("<a href='/y'>") }</script><a href=/z>`,
    );
    expect(scanned.title).toBe('Acme');
    expect(scanned.anchors.map((anchor) => anchor.href)).toEqual(['/x', '/z']);
    expect(scanned.scripts.map((script) => script.text)).toEqual([`if (a < b && c > d) { document.write("<a href='/y'>") }`]);
  });

  it('reads the language, the meta tags in order, and every id', () => {
    const scanned = scanHtml(
      '<html LANG="de-CH"><head><meta property="og:image" content="/a.png"><meta property="og:image" content="/b.png"><META NAME="Generator" CONTENT="Drupal 10"></head><body><div id="app"></div></body></html>',
    );
    expect(scanned.lang).toBe('de-CH');
    expect(scanned.meta.get('og:image')).toEqual(['/a.png', '/b.png']);
    expect(scanned.meta.get('generator')).toEqual(['Drupal 10']);
    expect([...scanned.ids]).toEqual(['app']);
  });

  it('stays linear on hostile and truncated pages of a megabyte', () => {
    const megabyte = 1024 * 1024;
    const hostile = [
      '<script>'.repeat(megabyte / 8),
      '<a href="'.repeat(megabyte / 9),
      '<div class='.repeat(megabyte / 11),
      '<!--'.repeat(megabyte / 4),
      `<title>${'a | '.repeat(megabyte / 4)}`,
      `<meta name="description" content="${'&amp;'.repeat(megabyte / 5)}`,
      `<html>${'<p class="text-gray-700 md:flex">react '.repeat(megabyte / 40)}`,
      // Deeper than any browser nests: the parser's stack would make each tag dearer than the last.
      '<div>'.repeat(megabyte / 5),
      '<script src="https://cdn.example/jquery-ui/1.2.3/x.js"></script>'.repeat(megabyte / 60),
      `<script>${"window.a=1;j.src='https://www.googletagmanager.com/gtm.js?id=';".repeat(megabyte / 66)}</script>`,
      `<script type="application/ld+json">${'['.repeat(megabyte / 2)}</script>`,
      '<'.repeat(megabyte),
    ];
    // A super-linear step makes one of these run for minutes: the test's own timeout catches that; speed itself is the bench's.
    for (const html of hostile) {
      expect(homepageFacts({ url: 'https://acme.com/', status: 200, headers: {}, html })).toBeTypeOf('object');
    }
  }, 30_000);
});
