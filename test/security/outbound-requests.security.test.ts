import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicUnicast } from '../../platform/outbound/address-policy.js';
import { createGuardedHttpClient, type GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { dnsServerResolver } from '../../platform/outbound/outbound-resolver.js';
import { createCompanyHomepageProvider } from '../../modules/enrichment/providers/company-homepage.provider.js';
import { DNS_TYPE, startDnsServer, type DnsServer } from '../support/dns-server.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { selfSignedCertificate, type TlsCertificate } from '../support/tls-certificate.js';
import { eventually } from '../workflows/privacy-operations.js';

/**
 * Requests the platform makes to URLs a tenant (or a lead's data) chose, tried
 * as an attacker would. No request here may leave the machine: "public" sites
 * are 127.0.0.2, which a client built for the test counts as public (the
 * stand-in), and internal services are on 127.0.0.1.
 */

const CREATE_WEBHOOK = 'mutation ($input: WebhookInput!) { createWebhook(input: $input) { webhook { id url } } }';
const WEBHOOKS = '{ webhooks { id url } }';
const CONFIGURE_VENDOR = 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }';
const DELIVERIES = 'query ($id: ID!) { webhookDeliveries(webhookId: $id) { id status attempts lastError } }';

interface Delivery {
  readonly id: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
}

/** A service on the deployment's own network: counts every connection made to it, whatever the protocol. */
async function startInternalService(host: string, port = 0): Promise<TcpServer & { connections: number }> {
  const server = Object.assign(createTcpServer((socket) => {
    server.connections += 1;
    socket.destroy();
  }), { connections: 0 });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}

const portOf = (server: { address(): AddressInfo | string | null }): number => (server.address() as AddressInfo).port;
const close = (server: { close(callback: () => void): unknown }) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('outbound requests in development mode, local targets not allowed (two tenants, from the outside)', () => {
  let dns: DnsServer;
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let inside: Awaited<ReturnType<typeof startInternalService>>;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    inside = await startInternalService('127.0.0.1');
    dns = await startDnsServer({ 'inside.hooks.test': { a: ['127.0.0.1'] } });
    gateway = await startTestGateway({
      config: testConfig({
        NODE_ENV: 'development',
        ALLOW_LOCAL_OUTBOUND: 'false',
        OUTBOUND_DNS_SERVERS: `127.0.0.1:${dns.port}`,
        TEMPORAL_TASK_QUEUE: `outbound-${randomBytes(4).toString('hex')}`,
      }),
    });
    worker = await startTestWorker(gateway);
    a = await createTenant(gateway);
    b = await createTenant(gateway);
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await dns?.close();
    if (inside) await close(inside);
  }, 60_000);

  it.each([
    ['the metadata address through NAT64', 'https://[64:ff9b::a9fe:a9fe]/latest/meta-data/'],
    ['the metadata address through 6to4', 'https://[2002:a9fe:a9fe::]/latest/meta-data/'],
    ['loopback as an IPv4-mapped IPv6 address', 'https://[::ffff:127.0.0.1]/hook'],
    ['loopback as an IPv4-compatible IPv6 address', 'https://[::7f00:1]/hook'],
    ['the benchmarking range', 'https://198.18.0.1/hook'],
    ['the IETF protocol range', 'https://192.0.0.8/hook'],
  ])('refuses a webhook to %s at registration, for either tenant', async (_what, url) => {
    for (const tenant of [a, b]) {
      const created = await gateway.gql(tenant.secretKey, CREATE_WEBHOOK, { input: { url, events: ['LEAD_SCORED'] } });
      expect(codeOf(created)).toBe('BAD_USER_INPUT');
      expect(created.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'url']);
    }
  });

  it('refuses a webhook to a name that resolves to 127.0.0.1, and one over plain http, in development mode; nothing is stored', async () => {
    const byName = await gateway.gql(a.secretKey, CREATE_WEBHOOK, { input: { url: `https://inside.hooks.test:${portOf(inside)}/hook`, events: ['LEAD_SCORED'] } });
    expect(codeOf(byName)).toBe('BAD_USER_INPUT');
    expect(byName.errors?.[0]?.message).toMatch(/127\.0\.0\.1/);
    const plain = await gateway.gql(b.secretKey, CREATE_WEBHOOK, { input: { url: 'http://hooks.example.com/leadgraph', events: ['LEAD_SCORED'] } });
    expect(codeOf(plain)).toBe('BAD_USER_INPUT');
    expect(plain.errors?.[0]?.message).toBe('input.url: must use https');
    for (const tenant of [a, b]) expect((await gateway.gql<{ webhooks: unknown[] }>(tenant.secretKey, WEBHOOKS)).data?.webhooks).toEqual([]);
    expect(inside.connections).toBe(0);
  });

  it('refuses a vendor endpoint on, or resolving to, an internal address before the tenant key is stored', async () => {
    const vendor = (endpoint: string) => ({
      id: 'inside-vendor',
      name: 'Inside vendor',
      endpoint,
      method: 'GET',
      auth: { kind: 'bearer' },
      request: { query: { domain: '{{domain}}' } },
      accepts: ['domain'],
      mode: 'sync',
      mapping: [{ field: 'company.name', path: 'name', confidence: 0.9, verified: true, type: 'string' }],
      priceCredits: 3,
      rateLimitPerMinute: 60,
      concurrency: 1,
    });
    for (const endpoint of ['https://[64:ff9b::a9fe:a9fe]/find', `https://inside.hooks.test:${portOf(inside)}/find`, 'http://vendor.example.com/find']) {
      const configured = await gateway.gql(a.secretKey, CONFIGURE_VENDOR, { input: { config: vendor(endpoint), apiKey: 'sk_vendor_key' } });
      expect(codeOf(configured), endpoint).toBe('BAD_USER_INPUT');
      expect(configured.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'config', 'endpoint']);
    }
    expect((await gateway.gql<{ enrichmentVendors: unknown[] }>(a.secretKey, '{ enrichmentVendors { id } }')).data?.enrichmentVendors).toEqual([]);
    expect(inside.connections).toBe(0);
  });

  it('does not deliver to a name that came to point inside after registration; the internal service sees no connection', async () => {
    // Registered while the name did not resolve (the record is published later), then pointed at the internal service.
    const name = `later-${randomBytes(3).toString('hex')}.hooks.test`;
    const created = await gateway.gql<{ createWebhook: { webhook: { id: string } } }>(a.secretKey, CREATE_WEBHOOK, {
      input: { url: `https://${name}:${portOf(inside)}/hook`, events: ['LEAD_SCORED'] },
    });
    const webhookId = created.data?.createWebhook.webhook.id ?? '';
    expect(webhookId).not.toBe('');
    dns.set(name, { a: ['127.0.0.1'] });

    const tenant = gateway.services.tenantDbs.ofResolved({ tenantId: a.id, schema: `t_${a.id}` });
    const ids = await gateway.services.webhooks.enqueue(tenant, 'lead.scored', { leadId: 'ld_outbound' });
    await gateway.services.webhookDispatcher.dispatch(tenant, ids);
    const read = async () => (await gateway.gql<{ webhookDeliveries: Delivery[] }>(a.secretKey, DELIVERIES, { id: webhookId })).data?.webhookDeliveries ?? [];
    const [delivery] = await eventually(read, (found) => found.length === 1 && found[0]?.status !== 'PENDING', 60_000, 'the delivery settled');
    expect(delivery).toMatchObject({ status: 'FAILED', attempts: 1 });
    // Refused in the lookup the connection itself made: the address checked is the one that would have been dialled.
    expect(delivery?.lastError).toMatch(/^not sent: the URL is refused \(.*resolves to 127\.0\.0\.1/);
    expect(inside.connections).toBe(0);
    // The other tenant cannot read it either.
    expect(codeOf(await gateway.gql(b.secretKey, DELIVERIES, { id: webhookId }))).toBe('NOT_FOUND');
  });
});

describe('the guarded client and the homepage provider against a rebinding name and hostile redirects', () => {
  const STAND_IN = '127.0.0.2';
  let cert: TlsCertificate;
  let dns: DnsServer;
  /** The "public" site, https on 127.0.0.2. */
  let site: HttpsServer;
  /** An internal https service on 127.0.0.1, on the same port as the site. */
  let internal: HttpsServer;
  let internalRequests = 0;
  let internalConnections = 0;
  /** Plain http: one internal (127.0.0.1), one on the "public" address. */
  let plainInside: HttpServer;
  let plainOutside: HttpServer;
  const plainRequests = { inside: 0, outside: 0 };
  let hugeSent = 0;
  let hugeFinished = false;
  const clients: GuardedHttpClient[] = [];
  const HUGE = 8 * 1024 * 1024;

  /** The production client, as a deployment without ALLOW_LOCAL_OUTBOUND builds it, with 127.0.0.2 standing in for a public address. */
  const client = (maxBodyBytes = 1024 * 1024) => {
    const made = createGuardedHttpClient({
      allowLocal: false,
      maxBodyBytes,
      timeoutMs: 15_000,
      maxRedirects: 5,
      resolve: dnsServerResolver([`127.0.0.1:${dns.port}`], 2_000),
      isPublicAddress: (address) => address === STAND_IN || isPublicUnicast(address),
      ca: cert.cert,
    });
    clients.push(made);
    return made;
  };
  const port = () => portOf(site);

  beforeAll(async () => {
    const names = ['rebind.test', 'once.test', 'inside.test', 'ok.test', 'to-loopback.test', 'to-plain.test', 'to-inside-name.test', 'to-loopback-https.test', 'huge.test'];
    cert = await selfSignedCertificate({ dns: names, ip: ['127.0.0.1', STAND_IN] });
    internal = createHttpsServer(cert, (_req, res) => {
      internalRequests += 1;
      res.end('internal secret');
    });
    internal.on('connection', () => (internalConnections += 1));
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    site = createHttpsServer(cert, (req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      const served = `<!doctype html><html><head><title>Served by ${req.socket.localAddress}</title></head><body></body></html>`;
      res.setHeader('connection', 'close');
      switch (host) {
        case 'to-loopback.test':
          res.writeHead(302, { location: `http://127.0.0.1:${portOf(plainInside)}/latest/meta-data/` }).end();
          return;
        case 'to-plain.test':
          res.writeHead(301, { location: `http://ok.test:${portOf(plainOutside)}/` }).end();
          return;
        case 'to-inside-name.test':
          res.writeHead(307, { location: `https://inside.test:${port()}/admin` }).end();
          return;
        case 'to-loopback-https.test':
          res.writeHead(302, { location: `https://127.0.0.1:${port()}/admin` }).end();
          return;
        case 'huge.test': {
          res.writeHead(200, { 'content-type': 'text/html' });
          const head = `<!doctype html><html><head><title>Huge</title><meta property="og:site_name" content="Hugeco"></head><body>`;
          res.write(head);
          hugeSent = head.length;
          const chunk = Buffer.alloc(64 * 1024, 'a');
          const pump = () => {
            while (hugeSent < HUGE) {
              hugeSent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end('<a href="https://github.com/hugeco">GitHub</a></body></html>', () => (hugeFinished = true));
          };
          res.on('error', () => undefined);
          pump();
          return;
        }
        default:
          res.writeHead(200, { 'content-type': 'text/html' }).end(served);
      }
    });
    await new Promise<void>((resolve) => site.listen(portOf(internal), STAND_IN, resolve));
    plainInside = createHttpServer((_req, res) => {
      plainRequests.inside += 1;
      res.end('metadata');
    });
    await new Promise<void>((resolve) => plainInside.listen(0, '127.0.0.1', resolve));
    plainOutside = createHttpServer((_req, res) => {
      plainRequests.outside += 1;
      res.end('<!doctype html><title>Plain</title>');
    });
    await new Promise<void>((resolve) => plainOutside.listen(0, STAND_IN, resolve));
    const outside = { a: [STAND_IN] };
    dns = await startDnsServer({
      // Public when asked first, internal from the second question on.
      'rebind.test': { sequence: [outside, { a: ['127.0.0.1'] }] },
      'once.test': { sequence: [outside, { a: ['127.0.0.1'] }] },
      'inside.test': { a: ['127.0.0.1'] },
      'ok.test': outside,
      'to-loopback.test': outside,
      'to-plain.test': outside,
      'to-inside-name.test': outside,
      'to-loopback-https.test': outside,
      'huge.test': outside,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    for (const server of [site, internal, plainInside, plainOutside]) {
      if (server === undefined) continue;
      server.closeAllConnections();
      await close(server);
    }
    await dns?.close();
  });

  const aQuestions = (name: string) => dns.queries.filter((q) => q.name === name && q.type === DNS_TYPE.A).length;

  it('resolves a name once per connection and dials exactly the address it checked', async () => {
    const result = await client().request(`https://once.test:${port()}/`);
    if (!result.ok) throw new Error(result.message);
    expect(result.response.status).toBe(200);
    expect(new TextDecoder().decode((await result.response.read()).bytes)).toContain(`Served by ${STAND_IN}`);
    // Asked once: a second question would have been answered 127.0.0.1.
    expect(aQuestions('once.test')).toBe(1);
    expect(internalConnections).toBe(0);
  });

  it('refuses, where it connects, a name that passed the registration check and then rebound to 127.0.0.1', async () => {
    const guarded = client();
    const url = `https://rebind.test:${port()}/hook`;
    expect(await guarded.check(url)).toMatchObject({ ok: true });
    const sent = await guarded.request(url, { method: 'POST', body: '{}' });
    expect(sent).toMatchObject({ ok: false, refusal: 'internal-address' });
    expect(sent.ok ? '' : sent.message).toContain('127.0.0.1');
    expect(aQuestions('rebind.test')).toBe(2);
    expect(internalConnections).toBe(0);
    expect(internalRequests).toBe(0);
  });

  it('does not follow a homepage redirect to http://127.0.0.1, to plain http, or to an internal name or address over https', async () => {
    const homepage = createCompanyHomepageProvider({ client: client(), homepageUrl: (domain) => `https://${domain}:${port()}/` });
    // The control: the stand-in site is reachable, so each refusal below is the redirect's.
    const ok = await homepage.enrich({ domain: 'ok.test' }, {});
    expect(ok.kind === 'match' ? ok.fields.find((f) => f.field === 'company.name')?.value : ok).toBe(`Served by ${STAND_IN}`);
    for (const domain of ['to-loopback.test', 'to-plain.test', 'to-inside-name.test', 'to-loopback-https.test']) {
      expect(await homepage.enrich({ domain }, {}), domain).toEqual({ kind: 'no-match' });
    }
    expect(plainRequests).toEqual({ inside: 0, outside: 0 });
    expect(internalConnections).toBe(0);
    const downgrade = await client().request(`https://to-plain.test:${port()}/`, { redirect: 'follow' });
    expect(downgrade).toMatchObject({ ok: false, refusal: 'scheme-downgrade' });
  });

  it('cuts an oversized body at the client cap and hangs up, whatever a caller asks for', async () => {
    const capped = client(64 * 1024);
    const result = await capped.request(`https://huge.test:${port()}/`);
    if (!result.ok) throw new Error(result.message);
    const { bytes, truncated } = await result.response.read(10 * 1024 * 1024);
    expect(bytes.byteLength).toBe(64 * 1024);
    expect(truncated).toBe(true);
    // Through the homepage provider, which would read a megabyte: the cap wins, the page's head still parses.
    const homepage = createCompanyHomepageProvider({ client: capped, homepageUrl: (domain) => `https://${domain}:${port()}/` });
    const answer = await homepage.enrich({ domain: 'huge.test' }, {});
    expect(answer.kind === 'match' ? answer.fields.map((f) => f.field) : answer).not.toContain('company.socialLinks.github');
    expect(answer.kind === 'match' ? answer.fields.find((f) => f.field === 'company.name')?.value : answer).toBe('Hugeco');
    expect(hugeFinished).toBe(false);
    expect(hugeSent).toBeLessThan(HUGE);
  });
});
