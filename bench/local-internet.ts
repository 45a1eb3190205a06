/**
 * The outside world the default providers reach, as local servers speaking
 * the real protocols, each answering after the latency it has across the
 * internet: a DNS server (MX, TXT, SPF, DMARC and the A records of the
 * companies' web servers) and an HTTPS web server with every company's
 * homepage. The deployment reaches them through configuration only
 * (`config`, `workerEnv`): the providers run their production code paths,
 * name resolution and TLS included. A new outside party (an RDAP registry,
 * PTR zones) is one more server started and closed here.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsServer, type DnsEntry, type DnsServer } from '../test/support/dns-server.js';
import { selfSignedCertificate } from '../test/support/tls-certificate.js';
import { companyHomepage, type BenchCompany, type ServedPage } from './company-homepage.js';

export interface Latency {
  /** Every DNS answer is held this long (a recursive resolver's miss). */
  readonly dnsMs: number;
  /** A homepage's first byte comes this long after its request, drawn evenly from the range. */
  readonly homepageFirstByteMs: readonly [min: number, max: number];
}

export interface LocalInternet {
  /** What the gateway and worker are configured with to use these servers. */
  readonly config: Readonly<Record<string, string>>;
  /** What the worker process needs in its environment: it trusts the web server's certificate. */
  readonly workerEnv: Readonly<Record<string, string>>;
  readonly dns: DnsServer;
  /** The web server's address and port, and its certificate (a client's CA). */
  readonly web: { readonly address: string; readonly port: number; readonly ca: string };
  readonly latency: Latency;
  /** Homepage requests answered so far. */
  homepageRequests(): number;
  close(): Promise<void>;
}

/** Mail at Google Workspace or Microsoft 365 (one behind a mail filter), SaaS verification records, a DMARC policy. */
function dnsRecords(company: BenchCompany, n: number, webAddress: string): Record<string, DnsEntry> {
  const { domain } = company;
  const variant = n % 3;
  const mx =
    variant === 0
      ? [
          { exchange: 'aspmx.l.google.com', priority: 1 },
          { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
          { exchange: 'alt2.aspmx.l.google.com', priority: 5 },
        ]
      : variant === 1
        ? [{ exchange: `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`, priority: 0 }]
        : [
            { exchange: `mxa-00${n % 9}.gslb.pphosted.com`, priority: 10 },
            { exchange: `mxb-00${n % 9}.gslb.pphosted.com`, priority: 10 },
          ];
  const spf =
    variant === 0
      ? 'v=spf1 include:_spf.google.com include:servers.mcsv.net include:sendgrid.net ~all'
      : variant === 1
        ? 'v=spf1 include:spf.protection.outlook.com include:_spf.salesforce.com include:mail.zendesk.com -all'
        : 'v=spf1 include:spf.protection.outlook.com include:spf-00.pphosted.com include:_spf.hubspotemail.net -all';
  return {
    [domain]: {
      mx,
      a: [webAddress],
      txt: [
        spf,
        `google-site-verification=${'x'.repeat(20)}${n}`,
        `MS=ms${10_000_000 + n}`,
        `atlassian-domain-verification=${'a'.repeat(30)}${n}`,
        `facebook-domain-verification=${'f'.repeat(24)}${n}`,
        `docusign=${'d'.repeat(8)}-${n}`,
        `stripe-verification=${'s'.repeat(40)}${n}`,
      ],
    },
    [`_dmarc.${domain}`]: { txt: [`v=DMARC1; p=${n % 2 === 0 ? 'quarantine' : 'reject'}; rua=mailto:dmarc@${domain}; pct=100`] },
  };
}

/** A loopback address of its own, so port 443 is free whatever else runs on this machine. */
function loopbackAddress(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** The homepages are served on port 443, as `https://<domain>/` is fetched in production; an unprivileged user may not bind it. */
export class PrivilegedPortError extends Error {}

async function listen(server: Server, address: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EACCES'
          ? new PrivilegedPortError(`cannot serve the homepages on ${address}:${port} (${error.code}): run as root, or give node the cap_net_bind_service capability`)
          : error,
      ),
    );
    server.listen(port, address, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
}

/** Starts the servers with every company's records and homepage published. */
export async function startLocalInternet(companies: readonly BenchCompany[], latency: Latency): Promise<LocalInternet> {
  const stops: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const address = loopbackAddress();
    const table: Record<string, DnsEntry> = {};
    const pages = new Map<string, ServedPage>();
    companies.forEach((company, n) => {
      Object.assign(table, dnsRecords(company, n, address));
      pages.set(company.domain, companyHomepage(company));
    });
    const dns = await startDnsServer(table, { delayMs: latency.dnsMs });
    stops.push(() => dns.close());

    // One certificate naming every company's domain, as the homepage provider asks for https://<domain>/.
    const certificate = await selfSignedCertificate({ dns: companies.map((c) => c.domain) });
    const dir = await mkdtemp(join(tmpdir(), 'lg-bench-ca-'));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, certificate.cert);

    let requests = 0;
    const [min, max] = latency.homepageFirstByteMs;
    const web = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      requests += 1;
      const page = pages.get((req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase());
      setTimeout(() => {
        if (page === undefined) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
          return;
        }
        res.writeHead(200, page.headers).end(page.html);
      }, randomInt(min, max + 1));
    });
    await listen(web, address, 443);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          web.closeAllConnections();
          web.close(() => resolve());
        }),
    );

    const dnsServer = `127.0.0.1:${dns.port}`;
    return {
      config: {
        // Email verification and the DNS provider ask it; so does the guarded client, for the homepages' addresses.
        ENRICHMENT_DNS_SERVERS: dnsServer,
        OUTBOUND_DNS_SERVERS: dnsServer,
        ENRICHMENT_DNS_TIMEOUT_MS: '2000',
      },
      workerEnv: { NODE_EXTRA_CA_CERTS: caFile, ENRICHMENT_DNS_SERVERS: dnsServer, ENRICHMENT_DNS_TIMEOUT_MS: '2000' },
      dns,
      web: { address, port: 443, ca: certificate.cert },
      latency,
      homepageRequests: () => requests,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
