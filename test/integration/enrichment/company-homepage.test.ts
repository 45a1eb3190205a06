import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedHttpClient, type GuardedHttpClientOptions } from '../../../platform/outbound/guarded-http-client.js';
import { dnsServerResolver } from '../../../platform/outbound/outbound-resolver.js';
import type { FieldCandidate, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import { createCompanyHomepageProvider, type CompanyHomepageSettings } from '../../../modules/enrichment/providers/company-homepage.provider.js';
import { startDnsServer } from '../../support/dns-server.js';

const RICH_HOMEPAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Acme | Widgets for teams that ship</title>
  <meta name="description" content="Acme builds widgets &amp; gadgets for product teams.">
  <meta property="og:site_name" content="Acme">
  <meta property="og:description" content="Widgets for teams.">
  <link rel="preload" href="/_next/static/css/4b1f2c3d.css" as="style">
  <script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
  j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
  })(window,document,'script','dataLayer','GTM-ABCD123');</script>
  <script src="https://js.stripe.com/v3/"></script>
</head>
<body>
  <div id="__next">
    <header><a href="/">Acme</a><a href="/pricing">Pricing</a></header>
    <main>
      <h1>Widgets for teams that ship</h1>
      <p>Loved by 4,000 teams. <a href="https://twitter.com/intent/tweet?text=Acme%20widgets">Tweet this</a></p>
    </main>
    <footer>
      <a href="https://www.linkedin.com/company/acme-widgets/" target="_blank" rel="noopener">LinkedIn</a>
      <a href="https://twitter.com/acmewidgets">X</a>
      <a href="https://github.com/acme">GitHub</a>
      <a href="https://www.youtube.com/@acmewidgets">YouTube</a>
      <a href="https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Facme.test">Share</a>
    </footer>
  </div>
  <script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/","buildId":"b1d"}</script>
  <script src="/_next/static/chunks/main-0123456789abcdef.js" defer></script>
  <script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/1234567.js"></script>
  <script>window.intercomSettings = { app_id: "abc123" };
  (function(){var w=window;var ic=w.Intercom;if(typeof ic==="function"){ic('update',w.intercomSettings);}else{var d=document;var i=function(){i.c(arguments);};
  i.q=[];i.c=function(args){i.q.push(args);};w.Intercom=i;}})();</script>
  <script async src="https://widget.intercom.io/widget/abc123"></script>
</body>
</html>`;

const SIMPLE_HOMEPAGE = (title: string) =>
  `<!doctype html><html><head><title>${title}</title><meta name="description" content="${title} makes things."></head><body><p>${title}</p></body></html>`;

const MEGABYTE = 1024 * 1024;
const HUGE_SIZE = 5 * MEGABYTE;

let server: Server;
let port = 0;
const requests = new Map<string, number>();
let hugeClosed: Promise<{ finished: boolean; sent: number }> = Promise.resolve({ finished: true, sent: 0 });

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.once('drain', done).once('close', done);
  });
}

/** Sends `head`, then filler at once up to 1.5 MB and slowly after, then a footer: a reader that does not stop takes seconds. */
function serveHuge(res: ServerResponse): void {
  let sent = 0;
  hugeClosed = new Promise((resolve) => res.once('close', () => resolve({ finished: res.writableFinished, sent })));
  const head = SIMPLE_HOMEPAGE('Bigco').replace('</body></html>', '');
  const filler = Buffer.from('<div class="card"><h3>Widget</h3><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p></div>\n'.repeat(640));
  const footer = '<footer><a href="https://github.com/bigco-footer">GitHub</a></footer></body></html>';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.write(head);
  sent += head.length;
  void (async () => {
    while (sent + filler.length + footer.length < HUGE_SIZE) {
      if (res.destroyed) return;
      if (!res.write(filler)) await drainedOrClosed(res);
      sent += filler.length;
      if (sent > 1.5 * MEGABYTE) await sleep(50);
    }
    res.end(footer);
  })();
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  requests.set(path, (requests.get(path) ?? 0) + 1);
  const html = (status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  };
  switch (path) {
    case '/rich.test': {
      // Compressed as real servers do: the provider reads (and caps) what fetch decompresses.
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-encoding': 'gzip',
        server: 'cloudflare',
        'cf-ray': '8a1b2c3d4e5f6a7b-FRA',
        'x-powered-by': 'Next.js',
        'set-cookie': ['__cf_bm=abc.def; path=/; expires=Sat, 18 May 2030 10:00:00 GMT; domain=.acme.test; HttpOnly; Secure', 'session=1; Path=/'],
      });
      res.end(gzipSync(RICH_HOMEPAGE));
      return;
    }
    case '/moved.test':
      res.writeHead(301, { location: '/moved.test/www' }).end();
      return;
    case '/moved.test/www':
      res.writeHead(302, { location: `http://127.0.0.1:${port}/moved.test/en/` }).end('Found');
      return;
    case '/moved.test/en/':
      res.writeHead(307, { location: 'home?from=redirect' }).end();
      return;
    case '/moved.test/en/home?from=redirect':
      html(200, SIMPLE_HOMEPAGE('Globex'), { server: 'nginx/1.25.3' });
      return;
    case '/loop.test':
      res.writeHead(302, { location: '/loop.test' }).end();
      return;
    case '/ftp.test':
      res.writeHead(301, { location: 'ftp://files.ftp.test/' }).end();
      return;
    case '/internal.test':
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return;
    case '/gone.test':
      html(404, '<!doctype html><title>Not found</title><h1>404</h1>');
      return;
    case '/removed.test':
      html(410, '<!doctype html><title>Gone</title>');
      return;
    case '/busy.test':
      html(429, 'Too many requests', { 'retry-after': '7' });
      return;
    case '/busy-until.test':
      html(429, 'Too many requests', { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
      return;
    case '/down.test':
      html(503, '<!doctype html><title>Service unavailable</title>');
      return;
    case '/forbidden.test':
      html(403, '<!doctype html><title>Just a moment...</title>', { server: 'cloudflare' });
      return;
    case '/silent.test':
      return; // never answers
    case '/reset.test':
      req.socket.destroy();
      return;
    case '/huge.test':
      serveHuge(res);
      return;
    case '/data.test':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'Acme', description: 'not a page' }));
      return;
    case '/untyped.test':
      res.end(SIMPLE_HOMEPAGE('Untyped'));
      return;
    case '/latin1.test':
      res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' }).end(Buffer.from(SIMPLE_HOMEPAGE('Caf\u00e9 Acme'), 'latin1'));
      return;
    default:
      html(404, 'no such fixture');
  }
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const clients: Array<{ close(): Promise<void> }> = [];

/** The production client, local targets allowed as the test deployment allows them (ALLOW_LOCAL_OUTBOUND). */
function outboundClient(options: Partial<GuardedHttpClientOptions> = {}) {
  const client = createGuardedHttpClient({ allowLocal: true, maxBodyBytes: 1024 * 1024, timeoutMs: 15_000, maxRedirects: 5, ...options });
  clients.push(client);
  return client;
}

/** The production provider and client; only the homepage's address points at the local server. */
function provider(settings: CompanyHomepageSettings = {}, client = outboundClient()) {
  return createCompanyHomepageProvider({ homepageUrl: (domain) => `http://127.0.0.1:${port}/${domain}`, ...settings, client });
}

function fieldsOf(answer: ProviderAnswer): Record<string, FieldCandidate> {
  if (answer.kind !== 'match') throw new Error(`expected a match, got ${JSON.stringify(answer)}`);
  return Object.fromEntries(answer.fields.map((field) => [field.field, field]));
}

describe('company-homepage provider', () => {
  it('accepts subjects with a domain only', () => {
    const homepage = provider();
    expect(homepage.id).toBe('company-homepage');
    expect(homepage.accepts({ domain: 'acme.com' })).toBe(true);
    expect(homepage.accepts({ domain: 'WWW.Acme.com' })).toBe(true);
    expect(homepage.accepts({ email: 'jane@acme.com' })).toBe(false);
    expect(homepage.accepts({ domain: 'localhost' })).toBe(false);
    expect(homepage.accepts({ domain: '10.0.0.1' })).toBe(false);
  });

  it('reads a rich homepage: name, description, social profiles, technologies from markup and headers, final URL', async () => {
    const fields = fieldsOf(await provider().enrich({ domain: 'rich.test' }, {}));
    expect(fields).toEqual({
      'company.website': { field: 'company.website', value: `http://127.0.0.1:${port}/rich.test`, confidence: 0.95, verified: true },
      'company.name': { field: 'company.name', value: 'Acme', confidence: 0.85, verified: false },
      'company.description': {
        field: 'company.description',
        value: 'Acme builds widgets & gadgets for product teams.',
        confidence: 0.8,
        verified: false,
      },
      'company.socialLinks.linkedin': { field: 'company.socialLinks.linkedin', value: 'https://www.linkedin.com/company/acme-widgets', confidence: 0.8, verified: false },
      'company.socialLinks.twitter': { field: 'company.socialLinks.twitter', value: 'https://x.com/acmewidgets', confidence: 0.8, verified: false },
      'company.socialLinks.github': { field: 'company.socialLinks.github', value: 'https://github.com/acme', confidence: 0.8, verified: false },
      'company.socialLinks.youtube': { field: 'company.socialLinks.youtube', value: 'https://www.youtube.com/@acmewidgets', confidence: 0.8, verified: false },
      'company.language': { field: 'company.language', value: 'en', confidence: 0.9, verified: false },
      'company.techStack': {
        field: 'company.techStack',
        // Wappalyzer-format names, most telling category first.
        value: ['Next.js', 'Intercom', 'React', 'Stripe', 'Cloudflare', 'Cloudflare Bot Management', 'Google Tag Manager', 'HubSpot', 'Open Graph', 'Webpack'],
        // Mixed evidence: as sure as the least certain entry (Intercom, from the global its snippet assigns), and not verified by the server's headers alone.
        confidence: 0.75,
        verified: false,
      },
      'company.techCategories': {
        field: 'company.techCategories',
        value: [
          'CDN', 'CRM', 'JavaScript frameworks', 'Live chat', 'Marketing automation', 'Miscellaneous', 'Payment processors', 'Security',
          'Static site generator', 'Tag managers', 'Web frameworks', 'Web servers',
        ],
        confidence: 0.75,
        verified: false,
      },
    });
  });

  it('follows a redirect chain (absolute and relative, 301/302/307) and reports the final URL', async () => {
    const fields = fieldsOf(await provider().enrich({ domain: 'moved.test' }, {}));
    expect(fields['company.website']?.value).toBe(`http://127.0.0.1:${port}/moved.test/en/home?from=redirect`);
    expect(fields['company.name']).toEqual({ field: 'company.name', value: 'Globex', confidence: 0.6, verified: false });
    // The server named itself in a header: established, not inferred.
    expect(fields['company.techStack']).toEqual({ field: 'company.techStack', value: ['Nginx'], confidence: 0.95, verified: true });
  });

  it('gives up on a redirect loop after 5 redirects, and on redirects to another scheme', async () => {
    const before = requests.get('/loop.test') ?? 0;
    expect(await provider().enrich({ domain: 'loop.test' }, {})).toEqual({ kind: 'no-match' });
    expect((requests.get('/loop.test') ?? 0) - before).toBe(6);
    expect(await provider().enrich({ domain: 'ftp.test' }, {})).toEqual({ kind: 'no-match' });
    // Redirects to internal addresses and to plain http, with local targets not allowed: test/security/outbound-requests.
  });

  it('does not connect to a public name whose DNS points inside (asked of a DNS server speaking the wire protocol)', async () => {
    const dns = await startDnsServer({ 'inside.example': { a: ['10.0.0.5'] } });
    try {
      const guarded = provider({ homepageUrl: undefined }, outboundClient({ allowLocal: false, resolve: dnsServerResolver([`127.0.0.1:${dns.port}`], 1_000) }));
      // Refused in the lookup the connection makes: 10.0.0.5 is never dialled.
      expect(await guarded.enrich({ domain: 'inside.example' }, {})).toEqual({ kind: 'no-match' });
      expect(dns.queries.filter((q) => q.name === 'inside.example' && q.type === 1)).toHaveLength(1);
    } finally {
      await dns.close();
    }
  });

  it.each([
    ['404', 'gone.test'],
    ['410', 'removed.test'],
  ])('answers no-match for a %s', async (_status, domain) => {
    expect(await provider().enrich({ domain }, {})).toEqual({ kind: 'no-match' });
  });

  it('answers no-match when the name does not resolve', async () => {
    // A local DNS server answers NXDOMAIN: the machine's own resolver stays out of the suite.
    const dns = await startDnsServer({});
    try {
      const client = outboundClient({ resolve: dnsServerResolver([`127.0.0.1:${dns.port}`], 1_000) });
      expect(await provider({ homepageUrl: undefined }, client).enrich({ domain: 'nowhere.test' }, {})).toEqual({ kind: 'no-match' });
      expect(dns.queries.map((q) => q.name)).toContain('nowhere.test');
    } finally {
      await dns.close();
    }
  });

  it('fails retryably on a 429, honouring Retry-After in seconds or as a date', async () => {
    expect(await provider().enrich({ domain: 'busy.test' }, {})).toEqual({
      kind: 'failure',
      reason: 'rate limited (429)',
      retryable: true,
      retryAfterMs: 7_000,
    });
    const until = await provider().enrich({ domain: 'busy-until.test' }, {});
    expect(until).toMatchObject({ kind: 'failure', retryable: true });
    expect(until.kind === 'failure' ? until.retryAfterMs : undefined).toBeGreaterThan(28_000);
    expect(until.kind === 'failure' ? until.retryAfterMs : undefined).toBeLessThanOrEqual(30_000);
  });

  it('fails retryably on a 503 and finally on a 403 bot wall', async () => {
    expect(await provider().enrich({ domain: 'down.test' }, {})).toEqual({ kind: 'failure', reason: 'homepage answered 503', retryable: true });
    expect(await provider().enrich({ domain: 'forbidden.test' }, {})).toEqual({ kind: 'failure', reason: 'homepage answered 403', retryable: false });
  });

  it('fails retryably when the server never answers, after timeoutMs', async () => {
    const answer = await provider({ timeoutMs: 300 }).enrich({ domain: 'silent.test' }, {});
    expect(answer).toEqual({ kind: 'failure', reason: 'timed out after 300 ms', retryable: true });
  });

  it("rejects with the caller's reason when the caller aborts", async () => {
    const reason = new Error('workflow cancelled');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(provider({ timeoutMs: 5_000 }).enrich({ domain: 'silent.test' }, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('fails retryably when the connection is reset', async () => {
    const answer = await provider().enrich({ domain: 'reset.test' }, {});
    expect(answer).toMatchObject({ kind: 'failure', retryable: true });
    expect(answer.kind === 'failure' ? answer.reason : '').toMatch(/^network error: /);
  });

  it('reads only maxBytes of a 5 MB page, stops the download, and still parses what it read', async () => {
    const fields = fieldsOf(await provider().enrich({ domain: 'huge.test' }, {}));
    expect(fields['company.name']?.value).toBe('Bigco');
    expect(fields['company.description']?.value).toBe('Bigco makes things.');
    // The footer lies past the first megabyte.
    expect(fields['company.socialLinks.github']).toBeUndefined();
    // The server paces everything after 1.5 MB over seconds: it saw the provider hang up long before the end.
    const outcome = await hugeClosed;
    expect(outcome.finished).toBe(false);
    expect(outcome.sent).toBeLessThan(HUGE_SIZE / 2);
  });

  it('honours a smaller maxBytes', async () => {
    const fields = fieldsOf(await provider({ maxBytes: 64 * 1024 }).enrich({ domain: 'huge.test' }, {}));
    expect(fields['company.name']?.value).toBe('Bigco');
    expect((await hugeClosed).finished).toBe(false);
  });

  it('answers no-match for a non-HTML answer, and sniffs a page served without a content type', async () => {
    expect(await provider().enrich({ domain: 'data.test' }, {})).toEqual({ kind: 'no-match' });
    expect(fieldsOf(await provider().enrich({ domain: 'untyped.test' }, {}))['company.name']?.value).toBe('Untyped');
  });

  it('decodes the charset the server declares', async () => {
    expect(fieldsOf(await provider().enrich({ domain: 'latin1.test' }, {}))['company.name']?.value).toBe('Caf\u00e9 Acme');
  });
});
