import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import ipaddr from 'ipaddr.js';
import { BOOTSTRAP_PREFIXES, REGISTRY_NETWORKS, type RdapNetworkDocument, type Registry } from './rdap-documents.js';

/**
 * IANA's bootstrap service and the five registries' RDAP services on one
 * local HTTP server, speaking RDAP as they do (RFC 7480, 9082, 9083, 9224):
 * `/bootstrap/{ipv4,ipv6,asn}.json` point at `/<registry>/`; `/<registry>/ip/<address>`
 * answers the smallest network that registry holds containing the address, a
 * redirect to the registry that does hold it (as ARIN does for space it
 * transferred), or 404 with an RDAP error body.
 */
export interface RdapRequest {
  readonly path: string;
  readonly accept: string | undefined;
}

export interface RdapServer {
  readonly port: number;
  readonly bootstrapUrl: string;
  /** Every request, in order of arrival. */
  readonly requests: RdapRequest[];
  /** Answers the next `count` registry lookups with 429 and `Retry-After: retryAfter`. */
  rateLimitNext(count: number, retryAfter: string): void;
  /** Answers the next `count` bootstrap requests with 503. */
  failBootstrapNext(count: number): void;
  /** Latency added before every answer. */
  delayMs: number;
  /** Lookups of this registry answer 503 until set back to undefined. */
  unavailable: Registry | undefined;
  /** Lookups of this registry answer 200 with an HTML page (a captive portal, a misconfigured proxy) until set back. */
  answersHtml: Registry | undefined;
  close(): Promise<void>;
}

const REGISTRIES = Object.keys(REGISTRY_NETWORKS) as Registry[];

function bytesOf(address: string): number[] {
  return ipaddr.process(address).toByteArray();
}

function compare(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** The smallest network of the registry that contains the address. */
function smallestContaining(registry: Registry, address: string): RdapNetworkDocument | undefined {
  const asked = bytesOf(address);
  let best: { network: RdapNetworkDocument; start: number[]; end: number[] } | undefined;
  for (const network of REGISTRY_NETWORKS[registry]) {
    const start = bytesOf(network.startAddress);
    const end = bytesOf(network.endAddress);
    if (compare(start, asked) > 0 || compare(end, asked) < 0) continue;
    if (best === undefined || (compare(start, best.start) >= 0 && compare(end, best.end) <= 0)) best = { network, start, end };
  }
  return best?.network;
}

const RDAP_TYPE = 'application/rdap+json';

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': RDAP_TYPE, 'access-control-allow-origin': '*', ...headers });
  res.end(JSON.stringify(body));
}

/** The RDAP error object of RFC 9083 §6. */
const rdapError = (errorCode: number, title: string, description: string) => ({
  rdapConformance: ['rdap_level_0'],
  errorCode,
  title,
  description: [description],
});

export async function startRdapServer(opts: { delayMs?: number } = {}): Promise<RdapServer> {
  const requests: RdapRequest[] = [];
  let rateLimited = 0;
  let bootstrapFailures = 0;
  let retryAfter = '1';
  let base = '';

  const bootstrapFile = (kind: 'ipv4' | 'ipv6' | 'asn') => ({
    description: `RDAP bootstrap file for ${kind === 'asn' ? 'Autonomous System Number' : kind.toUpperCase()} address allocations`,
    publication: '2026-11-30T21:00:01Z',
    version: '1.0',
    services: REGISTRIES.map((registry) => [BOOTSTRAP_PREFIXES[registry][kind], [`${base}/${registry}/`]]),
  });

  function answerLookup(res: ServerResponse, registry: Registry, text: string): void {
    if (!ipaddr.isValid(text)) {
      send(res, 400, rdapError(400, 'Bad Request', `${text} is not an IP address`));
      return;
    }
    if (server.unavailable === registry) {
      send(res, 503, rdapError(503, 'Service Unavailable', 'The service is under maintenance'), { 'retry-after': '120' });
      return;
    }
    if (server.answersHtml === registry) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>Welcome</title><p>It works!</p>');
      return;
    }
    if (rateLimited > 0) {
      rateLimited -= 1;
      send(res, 429, rdapError(429, 'Too Many Requests', 'Query rate exceeded'), { 'retry-after': retryAfter });
      return;
    }
    const network = smallestContaining(registry, text);
    if (network !== undefined) {
      send(res, 200, network);
      return;
    }
    // Not ours: like ARIN, point the client at the registry that holds it.
    const holder = REGISTRIES.find((other) => other !== registry && smallestContaining(other, text) !== undefined);
    if (holder !== undefined) {
      res.writeHead(301, { location: `${base}/${holder}/ip/${text}`, 'content-type': RDAP_TYPE });
      res.end();
      return;
    }
    send(res, 404, rdapError(404, 'Not Found', `No network found for ${text}`));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://rdap').pathname;
    requests.push({ path, accept: req.headers.accept });
    if (server.delayMs > 0) await sleep(server.delayMs);
    const bootstrap = /^\/bootstrap\/(ipv4|ipv6|asn)\.json$/.exec(path);
    if (bootstrap !== null && bootstrapFailures > 0) {
      bootstrapFailures -= 1;
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<html><body>Service Unavailable</body></html>');
      return;
    }
    if (bootstrap !== null) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(bootstrapFile(bootstrap[1] as 'ipv4' | 'ipv6' | 'asn')));
      return;
    }
    const lookup = /^\/(arin|ripe|apnic|lacnic|afrinic)\/ip\/([^/]+)$/.exec(path);
    if (lookup !== null) {
      answerLookup(res, lookup[1] as Registry, decodeURIComponent(lookup[2] ?? ''));
      return;
    }
    send(res, 404, rdapError(404, 'Not Found', 'No such path'));
  }

  const http = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  const server: RdapServer = {
    port,
    bootstrapUrl: `${base}/bootstrap/`,
    requests,
    delayMs: opts.delayMs ?? 0,
    unavailable: undefined,
    answersHtml: undefined,
    failBootstrapNext(count) {
      bootstrapFailures = count;
    },
    rateLimitNext(count, after) {
      rateLimited = count;
      retryAfter = after;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return server;
}
