/**
 * A company's homepage as the benchmark's local web serves it: the size and
 * shape of a real marketing site's first page (about 40 KB of HTML), so the
 * homepage provider's parser and technology detection have real work. Each
 * page names its company in schema.org JSON-LD and OpenGraph, and loads the
 * scripts a typical B2B site loads (tag manager, analytics, chat, CRM forms,
 * payments, a React framework).
 */

export interface BenchCompany {
  readonly domain: string;
  readonly name: string;
  /** Inside the default scoring model's 50–5000 range, so the rescoring after enrichment is visible. */
  readonly employees: number;
  readonly country: string;
  readonly foundedYear: number;
}

export interface ServedPage {
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly html: string;
}

const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'NL', 'SE', 'CA', 'AU'] as const;
const WORDS = ['Acme', 'Northwind', 'Globex', 'Initech', 'Umbrella', 'Vandelay', 'Hooli', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent'] as const;
const PRODUCTS = ['analytics', 'payments', 'logistics', 'security', 'observability', 'billing', 'hiring', 'support'] as const;

/** The company behind the n-th domain; deterministic, so two runs serve the same pages. */
export function benchCompany(domain: string, n: number): BenchCompany {
  const word = WORDS[n % WORDS.length] ?? 'Acme';
  return {
    domain,
    name: `${word} ${PRODUCTS[n % PRODUCTS.length] ?? 'cloud'} ${n}`.replace(/\b\w/g, (c) => c.toUpperCase()),
    employees: 60 + ((n * 37) % 4000),
    country: COUNTRIES[n % COUNTRIES.length] ?? 'US',
    foundedYear: 1995 + (n % 28),
  };
}

function paragraph(company: BenchCompany, i: number): string {
  const product = PRODUCTS[i % PRODUCTS.length] ?? 'cloud';
  return `<p class="text-lg leading-relaxed text-slate-600">Teams at thousands of companies use ${company.name} to run ${product} at scale.
    Connect your existing tools in minutes, automate the busywork, and give every team the same real-time view of the business.
    Enterprise-grade security, SOC 2 Type II and ISO 27001 certified, with data residency in the EU and the US.</p>`;
}

function section(company: BenchCompany, i: number): string {
  const cards = Array.from(
    { length: 6 },
    (_, j) => `<div class="card rounded-xl border border-slate-200 p-6 shadow-sm" data-feature="${i}-${j}">
        <svg class="h-6 w-6 text-indigo-600" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M4 12l5 5L20 6"/></svg>
        <h3 class="mt-4 text-base font-semibold">Feature ${i}.${j}</h3>${paragraph(company, i + j)}
        <a class="mt-3 inline-flex text-sm font-medium text-indigo-600 hover:underline" href="/product/feature-${i}-${j}">Learn more →</a>
      </div>`,
  ).join('\n      ');
  return `<section id="section-${i}" class="mx-auto max-w-7xl px-6 py-24">
      <h2 class="text-3xl font-bold tracking-tight">Everything you need for ${PRODUCTS[i % PRODUCTS.length] ?? 'growth'}</h2>
      <div class="mt-12 grid grid-cols-1 gap-8 md:grid-cols-3">
      ${cards}
      </div>
    </section>`;
}

/** The page and the headers a CDN-fronted Next.js site answers with. */
export function companyHomepage(company: BenchCompany): ServedPage {
  const { domain, name } = company;
  const slug = domain.replace(/\..*$/, '');
  const organization = {
    '@context': 'https://schema.org',
    '@type': 'Organization',
    name,
    legalName: `${name}, Inc.`,
    url: `https://${domain}/`,
    logo: `https://${domain}/static/logo.png`,
    foundingDate: String(company.foundedYear),
    numberOfEmployees: { '@type': 'QuantitativeValue', value: company.employees },
    address: { '@type': 'PostalAddress', streetAddress: '100 Market Street', addressLocality: 'Springfield', addressCountry: company.country },
    contactPoint: { '@type': 'ContactPoint', contactType: 'sales', email: `sales@${domain}`, telephone: '+1-415-555-0100' },
    sameAs: [`https://www.linkedin.com/company/${slug}`, `https://twitter.com/${slug}`, `https://github.com/${slug}`],
  };
  // A framework's inline state is a good part of a real page's weight.
  const nextData = {
    props: { pageProps: { sections: Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, title: `Section ${i}`, body: paragraph(company, i).replace(/<[^>]+>/g, '') })) } },
    page: '/',
    query: {},
    buildId: 'b7d1c0ffee',
  };
  const css = Array.from({ length: 120 }, (_, i) => `.u-${i}{margin:${i % 8}px;padding:${i % 5}px;color:#${(i * 2654435761).toString(16).slice(-6).padStart(6, '0')}}`).join('');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${name} | The ${PRODUCTS[company.employees % PRODUCTS.length] ?? 'cloud'} platform for modern teams</title>
  <meta name="description" content="${name} helps modern teams run their business on one platform.">
  <meta name="generator" content="Next.js">
  <meta property="og:site_name" content="${name}">
  <meta property="og:title" content="${name}">
  <meta property="og:type" content="website">
  <meta property="og:url" content="https://${domain}/">
  <meta property="og:image" content="https://${domain}/static/og.png">
  <meta name="twitter:card" content="summary_large_image">
  <meta name="twitter:site" content="@${slug}">
  <link rel="canonical" href="https://${domain}/">
  <link rel="icon" href="/favicon.ico">
  <link rel="preconnect" href="https://fonts.googleapis.com">
  <link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter:wght@400;600;700&display=swap">
  <link rel="stylesheet" href="/_next/static/css/6f1d2c3b4a5e.css">
  <style>${css}</style>
  <script type="application/ld+json">${JSON.stringify(organization)}</script>
  <script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-ABC1234');</script>
  <script async src="https://www.googletagmanager.com/gtag/js?id=G-XYZ9876543"></script>
  <script src="https://js.stripe.com/v3/"></script>
  <script src="https://cdn.segment.com/analytics.js/v1/wk3y/analytics.min.js" async></script>
  <script src="https://static.hotjar.com/c/hotjar-3141592.js?sv=6" async></script>
</head>
<body class="antialiased">
  <noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-ABC1234" height="0" width="0" style="display:none;visibility:hidden"></iframe></noscript>
  <div id="__next">
    <header class="sticky top-0 z-40 border-b bg-white/80 backdrop-blur">
      <nav class="mx-auto flex max-w-7xl items-center justify-between px-6 py-4">
        <a href="/" class="flex items-center gap-2"><img src="/static/logo.svg" alt="${name}" width="120" height="32"></a>
        <ul class="hidden gap-8 md:flex">${['Product', 'Solutions', 'Customers', 'Pricing', 'Docs', 'Company'].map((item) => `<li><a href="/${item.toLowerCase()}">${item}</a></li>`).join('')}</ul>
        <div class="flex gap-3"><a href="/login">Sign in</a><a class="rounded-md bg-indigo-600 px-4 py-2 text-white" href="/signup">Start free trial</a></div>
      </nav>
    </header>
    <main>
      <section class="mx-auto max-w-7xl px-6 py-32 text-center">
        <h1 class="text-5xl font-extrabold tracking-tight">${name}</h1>
        ${paragraph(company, 0)}
        <a class="mt-8 inline-block rounded-md bg-indigo-600 px-6 py-3 text-white" href="/demo">Book a demo</a>
      </section>
      ${Array.from({ length: 6 }, (_, i) => section(company, i)).join('\n      ')}
    </main>
    <footer class="border-t bg-slate-50">
      <div class="mx-auto grid max-w-7xl grid-cols-2 gap-8 px-6 py-16 md:grid-cols-5">
        ${['Product', 'Company', 'Resources', 'Legal'].map((col) => `<div><h4>${col}</h4><ul>${Array.from({ length: 6 }, (_, i) => `<li><a href="/${col.toLowerCase()}/${i}">${col} link ${i}</a></li>`).join('')}</ul></div>`).join('')}
        <div><a href="https://www.linkedin.com/company/${slug}">LinkedIn</a> <a href="https://twitter.com/${slug}">Twitter</a> <a href="mailto:hello@${domain}">hello@${domain}</a> <a href="/contact">Contact us</a></div>
      </div>
      <p class="text-center text-sm">© ${new Date().getUTCFullYear()} ${name}, Inc. All rights reserved.</p>
    </footer>
  </div>
  <script id="__NEXT_DATA__" type="application/json">${JSON.stringify(nextData)}</script>
  <script src="/_next/static/chunks/webpack-59c5c889f52620d6.js" defer></script>
  <script src="/_next/static/chunks/framework-2c79e2a64abdb08b.js" defer></script>
  <script src="/_next/static/chunks/main-0123456789abcdef.js" defer></script>
  <script src="/_next/static/chunks/pages/_app-8f9e7d6c5b4a3928.js" defer></script>
  <script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/7654321.js"></script>
  <script>window.intercomSettings={app_id:"abc123de"};</script>
  <script async src="https://widget.intercom.io/widget/abc123de"></script>
</body>
</html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      server: 'cloudflare',
      'cf-ray': '8c1f2e3d4a5b6c7d-SJC',
      'x-powered-by': 'Next.js',
      'cache-control': 'private, no-cache, no-store, max-age=0, must-revalidate',
      'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
      'set-cookie': ['__cf_bm=abc; path=/; secure; HttpOnly; SameSite=None', `_${slug}_session=s1; path=/; secure; HttpOnly`],
    },
  };
}
