import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local PeeringDB speaking its REST API for networks (`GET /api/net`), as
 * peeringdb_server's list view answers it: the `{ data, meta }` envelope;
 * `limit` and `skip` paging (limit 0: everything); `depth`; `fields`
 * projection; exact filters such as `status`; live records only, in id
 * order, unless `since` (epoch seconds) asks for everything changed since,
 * deleted records included, oldest change first. An API key, when the server
 * is given one, must come as `Authorization: Api-Key <key>`.
 */

export interface PeeringDbNetRecord {
  readonly id: number;
  readonly asn: number;
  readonly name: string;
  readonly info_type: string;
  readonly info_types: readonly string[];
  readonly website: string;
  /** ISO 8601, seconds precision, as PeeringDB writes it (`2024-05-01T12:00:00Z`). */
  readonly updated: string;
  readonly status: 'ok' | 'pending' | 'deleted';
  readonly [field: string]: unknown;
}

export interface PeeringDbRequestLog {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
  readonly status: number;
}

export interface PeeringDbServer {
  readonly url: string;
  readonly requests: readonly PeeringDbRequestLog[];
  /** Adds a record or replaces the one with its id: an operator's edit, or a deletion (`status: 'deleted'`). */
  put(record: PeeringDbNetRecord): void;
  /** The next `count` requests are answered 429, with `Retry-After: retryAfterSeconds`. */
  throttle(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** A record as PeeringDB lists it, with the fields a sync does not ask for (they must not be needed). */
export function peeringDbNet(fields: Pick<PeeringDbNetRecord, 'id' | 'asn' | 'name' | 'updated'> & Partial<PeeringDbNetRecord>): PeeringDbNetRecord {
  return {
    org_id: 10_000 + fields.id,
    aka: '',
    name_long: '',
    website: '',
    looking_glass: '',
    route_server: '',
    irr_as_set: `AS-${fields.asn}`,
    info_type: '',
    info_types: [],
    info_prefixes4: 10,
    info_prefixes6: 2,
    info_traffic: '',
    info_ratio: 'Balanced',
    info_scope: 'Regional',
    info_unicast: true,
    info_multicast: false,
    info_ipv6: true,
    info_never_via_route_servers: false,
    notes: 'Peering requests to noc@example.net',
    policy_url: '',
    policy_general: 'Open',
    policy_locations: 'Not Required',
    policy_ratio: false,
    policy_contracts: 'Not Required',
    allow_ixp_update: false,
    created: '2010-01-01T00:00:00Z',
    status: 'ok',
    ...fields,
  };
}

const INTEGER = /^-?\d+$/;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startPeeringDbServer(opts: { records: readonly PeeringDbNetRecord[]; apiKey?: string }): Promise<PeeringDbServer> {
  const records = new Map(opts.records.map((r) => [r.id, r]));
  const requests: PeeringDbRequestLog[] = [];
  let throttled = 0;
  let retryAfter = 1;

  const answer = (req: IncomingMessage, res: ServerResponse): number => {
    const url = new URL(req.url ?? '/', 'http://peeringdb.local');
    if (req.method !== 'GET') {
      send(res, 405, { meta: { error: 'Method not allowed' } });
      return 405;
    }
    if (throttled > 0) {
      throttled -= 1;
      send(res, 429, { message: 'Request was throttled. Expected available in 1 second.' }, { 'retry-after': String(retryAfter) });
      return 429;
    }
    if (opts.apiKey !== undefined && req.headers.authorization !== `Api-Key ${opts.apiKey}`) {
      send(res, 401, { meta: { error: 'Invalid API key' } });
      return 401;
    }
    if (url.pathname.replace(/\/$/, '') !== '/api/net') {
      send(res, 404, { meta: { error: 'Entity not found' } });
      return 404;
    }
    const params = Object.fromEntries(url.searchParams);
    for (const name of ['since', 'skip', 'limit', 'depth'] as const) {
      const value = params[name];
      if (value !== undefined && !INTEGER.test(value)) {
        send(res, 400, { meta: { error: `'${name}' needs to be a number` } });
        return 400;
      }
    }
    const since = Number(params['since'] ?? 0);
    const skip = Number(params['skip'] ?? 0);
    const limit = Number(params['limit'] ?? 0);
    let rows = [...records.values()];
    // Exact filters on fields (case-insensitive, as the real `iexact`).
    for (const [name, value] of Object.entries(params)) {
      if (['since', 'skip', 'limit', 'depth', 'fields'].includes(name)) continue;
      rows = rows.filter((r) => String(r[name] ?? '').toLowerCase() === value.toLowerCase());
    }
    if (since > 0) {
      rows = rows
        .filter((r) => (r.status === 'ok' || r.status === 'deleted') && Date.parse(r.updated) >= since * 1000)
        .sort((a, b) => Date.parse(a.updated) - Date.parse(b.updated) || a.id - b.id);
    } else {
      rows = rows.filter((r) => r.status === 'ok').sort((a, b) => a.id - b.id);
    }
    rows = limit > 0 ? rows.slice(skip, skip + limit) : rows.slice(skip);
    const fields = params['fields']?.split(',').map((f) => f.trim()).filter((f) => f !== '');
    const data = fields === undefined ? rows : rows.map((r) => Object.fromEntries(fields.filter((f) => f in r).map((f) => [f, r[f]])));
    send(res, 200, { data, meta: {} });
    return 200;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://peeringdb.local');
    const status = answer(req, res);
    requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, status });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    put: (record) => records.set(record.id, record),
    throttle: (count, seconds) => {
      throttled = count;
      retryAfter = seconds;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
