/**
 * Which technologies a homepage runs on, from fingerprints in its response
 * headers and cookies (the server's own word) and in its markup (tags,
 * asset URLs, inline scripts and styles, the generator meta), never from its
 * visible text: a page that says "React" is not a React page.
 */

/**
 * How a technology was seen, strongest first:
 * - `header`: a response header or cookie the server sent;
 * - `markup`: an attribute, asset URL, inline script or generator only that technology produces;
 * - `heuristic`: a pattern typical of it (Tailwind's utility classes), not proof.
 */
export type TechnologyEvidence = 'header' | 'markup' | 'heuristic';

/** What a page shows of itself, as the signatures read it. */
export interface PageFingerprints {
  /** Lower-cased header names. */
  readonly headers: ReadonlyMap<string, string>;
  readonly cookieNames: readonly string[];
  /** `<meta name="generator">` contents. */
  readonly generators: readonly string[];
  /** `<script src>` and `<link href>` URLs. */
  readonly assets: readonly string[];
  /** Inline script bodies, joined. */
  readonly scripts: string;
  /** Inline style bodies and `style` attributes, joined. */
  readonly styles: string;
  /** Start tags as written, one a line (no text). */
  readonly markup: string;
  /** Distinct tokens of every `class` attribute. */
  readonly classTokens: ReadonlySet<string>;
}

interface Signature {
  readonly name: string;
  /** Header name → test of its value. */
  readonly headers?: Readonly<Record<string, RegExp>>;
  readonly cookies?: RegExp;
  readonly generator?: RegExp;
  readonly assets?: RegExp;
  readonly scripts?: RegExp;
  readonly styles?: RegExp;
  readonly markup?: RegExp;
  readonly implies?: readonly string[];
}

const PRESENT = /./;

// Patterns are anchored on literal text and carry no nested quantifiers: each is one linear pass.
const SIGNATURES: readonly Signature[] = [
  // Site builders and CMSs
  {
    name: 'WordPress',
    generator: /^WordPress\b/i,
    assets: /\/wp-(?:content|includes)\//,
    markup: /\/wp-(?:content|includes)\//,
    headers: { link: /api\.w\.org/, 'x-pingback': /xmlrpc\.php/ },
  },
  {
    name: 'Drupal',
    generator: /^Drupal\b/i,
    headers: { 'x-generator': /^Drupal\b/i, 'x-drupal-cache': PRESENT, 'x-drupal-dynamic-cache': PRESENT },
    assets: /\/(?:core\/misc\/drupal|misc\/drupal)\.js|\/sites\/(?:default|all)\/(?:files|themes|modules)\//,
    scripts: /\bdrupalSettings\b|\bDrupal\.settings\b/,
    markup: /\sdata-drupal-[a-z-]+=/,
  },
  {
    name: 'Shopify',
    headers: { 'x-shopid': PRESENT, 'x-shopify-stage': PRESENT, 'powered-by': /Shopify/i },
    cookies: /^_shopify_/,
    assets: /\/\/cdn\.shopify\.com\/|\/cdn\/shop\//,
    scripts: /\bShopify\.shop\s*=/,
  },
  {
    name: 'Squarespace',
    generator: /Squarespace/i,
    headers: { server: /^Squarespace/i },
    assets: /\/\/(?:static1|assets|images)\.squarespace(?:-cdn)?\.com\//,
  },
  {
    name: 'Wix',
    generator: /Wix\.com/i,
    headers: { 'x-wix-request-id': PRESENT },
    assets: /\/\/static\.(?:parastorage|wixstatic)\.com\//,
  },
  {
    name: 'Webflow',
    generator: /^Webflow\b/i,
    markup: /\sdata-wf-(?:page|site)=/,
    assets: /\.website-files\.com\//,
  },
  // Marketing automation
  {
    name: 'HubSpot',
    generator: /HubSpot/i,
    headers: { 'x-hs-hub-id': PRESENT },
    cookies: /^(?:hubspotutk|__hstc|__hssc|__hssrc)$/,
    assets: /\/\/js(?:-[a-z0-9]+)?\.(?:hs-scripts|hsforms|hs-analytics|hs-banner|hscollectedforms|hsadspixel|usemessages)\.(?:com|net)\//,
    markup: /\sid=["']?hs-script-loader["'\s>]/,
  },
  {
    name: 'Marketo',
    cookies: /^_mkto_trk$/,
    assets: /\/\/munchkin\.marketo\.net\/|\/js\/forms2\/js\/forms2(?:\.min)?\.js/,
    scripts: /munchkin\.marketo\.net\/|\bMunchkin\.init\(/,
  },
  {
    name: 'Salesforce Pardot',
    cookies: /^visitor_id\d+(?:-hash)?$|^pi_opt_in\d*$/,
    assets: /\/\/(?:pi|cdn|go)\.pardot\.com\//,
    scripts: /\bpiAId\s*=|\.pardot\.com\/pd\.js/,
  },
  // Analytics and tag management
  {
    name: 'Google Analytics',
    assets: /google-analytics\.com\/(?:analytics|ga|urchin)\.js|googletagmanager\.com\/gtag\/js\?id=(?:G|UA)-/,
    scripts: /\bgtag\(\s*['"]config['"]\s*,\s*['"](?:G|UA)-|google-analytics\.com\/(?:analytics|ga)\.js|\bga\(\s*['"]create['"]/,
  },
  {
    name: 'Google Tag Manager',
    assets: /googletagmanager\.com\/gtm\.js/,
    scripts: /googletagmanager\.com\/gtm\.js/,
    markup: /googletagmanager\.com\/ns\.html/,
  },
  {
    name: 'Segment',
    assets: /\/\/cdn\.segment\.(?:com|io)\/analytics(?:\.js|-next)\//,
    scripts: /cdn\.segment\.(?:com|io)\/analytics(?:\.js|-next)\//,
  },
  // Support and chat
  {
    name: 'Intercom',
    assets: /\/\/(?:widget\.intercom\.io|js\.intercomcdn\.com)\//,
    scripts: /widget\.intercom\.io\/widget\/|\bwindow\.intercomSettings\b|\bIntercom\(\s*['"]boot['"]/,
  },
  { name: 'Drift', assets: /\/\/js\.driftt\.com\//, scripts: /js\.driftt\.com\/|\bdrift\.load\(\s*['"]/ },
  {
    name: 'Zendesk',
    headers: { 'x-zendesk-origin-server': PRESENT },
    assets: /\/\/static\.zdassets\.com\//,
    markup: /\sid=["']?ze-snippet["'\s>]/,
  },
  // Payments
  { name: 'Stripe.js', assets: /\/\/js\.stripe\.com\//, scripts: /\/\/js\.stripe\.com\// },
  // JavaScript frameworks and libraries
  {
    name: 'Next.js',
    headers: { 'x-powered-by': /Next\.js/i, 'x-nextjs-cache': PRESENT },
    markup: /\sid=["']?(?:__next|__NEXT_DATA__)["'\s>]/,
    assets: /\/_next\/static\//,
    scripts: /\bself\.__next_f\b/,
    implies: ['React'],
  },
  {
    name: 'Gatsby',
    generator: /^Gatsby\b/i,
    markup: /\sid=["']?___gatsby["'\s>]/,
    implies: ['React'],
  },
  {
    name: 'React',
    markup: /\sdata-react(?:root|id)(?:[\s=>/]|$)/m,
    assets: /\/react(?:-dom)?(?:\.production|\.development|\.profiling)?(?:\.min)?\.js(?:[?#]|$)|\/react(?:-dom)?@\d/,
  },
  {
    name: 'Nuxt',
    headers: { 'x-powered-by': /Nuxt/i },
    markup: /\sid=["']?(?:__nuxt|__NUXT_DATA__)["'\s>]/,
    assets: /\/_nuxt\//,
    scripts: /\bwindow\.__NUXT__\b/,
    implies: ['Vue'],
  },
  {
    name: 'Vue',
    markup: /\sdata-v-(?:[0-9a-f]{8}|app)(?:[\s=>/]|$)|\sdata-server-rendered=["']?true/m,
    assets: /\/vue(?:\.runtime)?(?:\.global|\.esm-browser|\.common)?(?:\.prod)?(?:\.min)?\.js(?:[?#]|$)|\/vue@\d/,
  },
  { name: 'Angular', markup: /\sng-version=|\s_ng(?:host|content)-[a-z0-9-]+(?:[\s=>/]|$)/m },
  { name: 'AngularJS', markup: /\s(?:data-)?ng-app(?:[\s=>/]|$)/m, assets: /\/angular(?:\.min)?\.js(?:[?#]|$)|\/angular\.js\/1\./ },
  {
    name: 'jQuery',
    assets: /\/jquery(?:[.-]\d+(?:\.\d+)*)?(?:\.slim)?(?:\.min)?\.js(?:[?#]|$)|\/jquery@\d|\/\/code\.jquery\.com\/jquery/,
  },
  { name: 'Bootstrap', assets: /\/bootstrap(?:[.-]\d+(?:\.\d+)*)?(?:\.bundle)?(?:\.min)?\.(?:js|css)(?:[?#]|$)|\/bootstrap@\d/ },
  {
    name: 'Tailwind CSS',
    assets: /\/\/cdn\.tailwindcss\.com|\/tailwind(?:css)?(?:\.min)?\.css(?:[?#]|$)|\/tailwindcss@\d/,
    styles: /--tw-(?:ring|shadow|translate|rotate|skew|scale|border-spacing|space|pan|content|gradient)/,
  },
  // CDNs, hosts and web servers: the response headers say it
  { name: 'Cloudflare', headers: { server: /^cloudflare$/i, 'cf-ray': PRESENT }, cookies: /^(?:__cf_bm|__cflb|cf_clearance)$/ },
  { name: 'Vercel', headers: { 'x-vercel-id': PRESENT, 'x-vercel-cache': PRESENT, server: /^Vercel$/i } },
  { name: 'Netlify', headers: { 'x-nf-request-id': PRESENT, server: /^Netlify$/i } },
  { name: 'Fastly', headers: { 'x-fastly-request-id': PRESENT, 'x-served-by': /^cache-[a-z0-9-]+/i } },
  { name: 'AWS CloudFront', headers: { via: /CloudFront/i, 'x-amz-cf-id': PRESENT, 'x-amz-cf-pop': PRESENT, 'x-cache': /\bcloudfront\b/i } },
  { name: 'nginx', headers: { server: /^nginx\b/i } },
  { name: 'Apache', headers: { server: /^Apache(?:\/|\s|$)/i } },
];

const RANK: Readonly<Record<TechnologyEvidence, number>> = { header: 3, markup: 2, heuristic: 1 };

function headerEvidence(signature: Signature, page: PageFingerprints): boolean {
  for (const [header, test] of Object.entries(signature.headers ?? {})) {
    const value = page.headers.get(header);
    if (value !== undefined && test.test(value)) return true;
  }
  const cookies = signature.cookies;
  return cookies !== undefined && page.cookieNames.some((name) => cookies.test(name));
}

function markupEvidence(signature: Signature, page: PageFingerprints): boolean {
  const { generator, assets, scripts, styles, markup } = signature;
  return (
    (generator !== undefined && page.generators.some((content) => generator.test(content))) ||
    (assets !== undefined && page.assets.some((url) => assets.test(url))) ||
    (scripts !== undefined && scripts.test(page.scripts)) ||
    (styles !== undefined && styles.test(page.styles)) ||
    (markup !== undefined && markup.test(page.markup))
  );
}

const TAILWIND_VARIANT = /^(?:sm|md|lg|xl|2xl|hover|focus|focus-visible|active|disabled|dark|group-hover|peer-focus|motion-safe):(.+)$/;
const TAILWIND_COLOR =
  /^-?(?:text|bg|border|ring|from|via|to|divide|fill|stroke|outline|decoration|shadow|accent|placeholder)-(?:slate|gray|zinc|neutral|stone|red|orange|amber|yellow|lime|green|emerald|teal|cyan|sky|blue|indigo|violet|purple|fuchsia|pink|rose)-(?:50|[1-9]00|950)(?:\/\d{1,3})?$/;

/**
 * Tailwind from class names alone, only when unmistakable: at least three
 * distinct palette classes (`text-gray-700`, `bg-indigo-600/50`) and at least
 * three distinct variant-prefixed ones (`md:flex`, `hover:bg-blue-500`). Bootstrap's
 * `text-primary`, `col-md-6` or a lone `px-4` never qualify.
 */
export function looksLikeTailwind(classTokens: ReadonlySet<string>): boolean {
  let colors = 0;
  let variants = 0;
  for (const token of classTokens) {
    const variant = TAILWIND_VARIANT.exec(token);
    if (variant) variants += 1;
    if (TAILWIND_COLOR.test(variant?.[1] ?? token)) colors += 1;
    if (colors >= 3 && variants >= 3) return true;
  }
  return false;
}

/** Detected technologies in the table's order, each with its strongest evidence; implied ones (Next.js → React) inherit it. */
export function detectTechnologies(page: PageFingerprints): ReadonlyMap<string, TechnologyEvidence> {
  const found = new Map<string, TechnologyEvidence>();
  const note = (name: string, evidence: TechnologyEvidence) => {
    const known = found.get(name);
    if (known === undefined || RANK[evidence] > RANK[known]) found.set(name, evidence);
  };
  for (const signature of SIGNATURES) {
    const evidence = headerEvidence(signature, page) ? 'header' : markupEvidence(signature, page) ? 'markup' : undefined;
    if (evidence === undefined) continue;
    note(signature.name, evidence);
    for (const implied of signature.implies ?? []) note(implied, evidence);
  }
  if (!found.has('Tailwind CSS') && looksLikeTailwind(page.classTokens)) note('Tailwind CSS', 'heuristic');
  const order = SIGNATURES.map((signature) => signature.name);
  return new Map([...found].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
}
