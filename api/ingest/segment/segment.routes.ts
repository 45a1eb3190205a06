import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiKeyKind } from '../../../schema/entities/control/api-key.entity.js';
import type { KeyResolver } from '../../../tenants/api-keys/key-resolver.js';
import type { TenantDatabases } from '../../../tenants/tenant-db.js';
import type { TrackingSites } from '../../../modules/tracking-settings/tracking-site.js';
import { originAllowed } from '../../../tenants/api-keys/network-allowlist.js';
import { peerAddress, type TrustProxy } from '../../../platform/http/peer-address.js';
import { ACCEPTED_ENCODINGS, readDecodedBody } from '../../http/decoded-body.js';
import { allowedRequestHeaders, basicUser } from '../../http/request-credentials.js';
import { sendJson } from '../../http/respond.js';
import { QueueFullError } from '../../../platform/batching/group-commit.js';
import { isDatabaseUnavailable } from '../../../platform/postgres/database-unavailable.js';
import { isStatementTimeout } from '../../../platform/postgres/statement-timeout.js';
import { problemText } from '../../../platform/outcome.js';
import type { EventStore, IngestTenant } from '../../../modules/leads/ingest/event-store.js';
import type { VisitorLimits } from '../visitor-limits/visitor-limits.js';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES, parseSegmentMessage, type IngestMessage, type MessageType } from '../../../modules/leads/ingest/segment-message.js';

const SINGLE: Readonly<Record<string, MessageType>> = {
  '/v1/track': 'track',
  '/v1/t': 'track',
  '/v1/page': 'page',
  '/v1/p': 'page',
  '/v1/screen': 'screen',
  '/v1/identify': 'identify',
  '/v1/i': 'identify',
  '/v1/group': 'group',
  '/v1/g': 'group',
  '/v1/alias': 'alias',
  '/v1/a': 'alias',
};
const BATCH = new Set(['/v1/batch', '/v1/import']);

export const isSegmentPath = (path: string): boolean => BATCH.has(path) || path in SINGLE;

type Authorised = { readonly tenant: IngestTenant; readonly keyLimit: { readonly key: string; readonly limit: number } };

type Refusal = { status: number; error: string; reason: string; headers?: Record<string, string> };

const refuse = (status: number, error: string, reason: string, headers?: Record<string, string>): Refusal => ({
  status,
  error,
  reason,
  headers,
});

/**
 * Browsers post with sendBeacon, fetch or XHR from the tenant's pages; answer their CORS questions for
 * allowed origins. SDKs add headers of their own (RudderStack's SentAt, Segment's X-Retry-Count), so the
 * headers a preflight asks for are allowed: no credentials are accepted cross-origin, and every request
 * still needs its key.
 */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': allowedRequestHeaders(req, 'authorization, content-type, content-encoding, prefer'),
    'access-control-max-age': '86400',
    vary: 'Origin, Access-Control-Request-Headers',
  };
}

/** What a 2xx says: counted against the log; `processed` only when the caller asked to wait for it (false: still waiting when the wait ended). */
interface Answer {
  readonly accepted: number;
  readonly duplicates: number;
  readonly processed?: boolean;
}

/** How long a `Prefer: processed` request waits for the processor before it is answered with `processed: false`. */
const PROCESSED_WAIT_MS = 10_000;

/** `Prefer: processed` (RFC 7240 syntax, a preference of ours): answer once the messages are processed, not only accepted. */
function prefersProcessed(req: IncomingMessage): boolean {
  const prefer = req.headers.prefer;
  if (prefer === undefined) return false;
  return [prefer]
    .flat()
    .flatMap((value) => value.split(','))
    .some((token) => token.split(';')[0]?.trim().toLowerCase() === 'processed');
}

/** Every message of the request, parsed, or the first refusal naming the event's index. */
function messagesOf(path: string, body: Record<string, unknown>, now: Date): IngestMessage[] | Refusal {
  const implied = SINGLE[path];
  const raws: unknown[] = implied === undefined ? (Array.isArray(body['batch']) ? body['batch'] : []) : [body];
  if (implied === undefined && !Array.isArray(body['batch'])) return refuse(400, 'bad_request', 'batch must be an array of messages');
  if (raws.length === 0) return refuse(400, 'bad_request', 'batch is empty');
  const shared = typeof body['context'] === 'object' && body['context'] !== null ? (body['context'] as Record<string, unknown>) : {};
  const messages: IngestMessage[] = [];
  for (const [index, raw] of raws.entries()) {
    const where = implied === undefined ? `batch[${index}]` : 'message';
    if (Buffer.byteLength(JSON.stringify(raw)) > MAX_EVENT_BYTES) {
      return refuse(413, 'too_large', `${where}: an event may not exceed ${MAX_EVENT_BYTES} bytes`);
    }
    const withContext =
      typeof raw === 'object' && raw !== null && Object.keys(shared).length > 0
        ? { ...raw, context: { ...shared, ...((raw as { context?: object }).context ?? {}) } }
        : raw;
    const parsed = parseSegmentMessage(withContext, { now, impliedType: implied });
    if (!parsed.ok) return refuse(400, 'bad_request', `${where}: ${problemText(parsed.problem)}`);
    messages.push(parsed.value);
  }
  return messages;
}

/**
 * Segment's HTTP Tracking API: the publishable key as Basic user or
 * `writeKey`, all-or-nothing per request, answered only after the events
 * are committed.
 */
export function createSegmentRoutes(deps: {
  keys: KeyResolver;
  sites: TrackingSites;
  tenantDbs: TenantDatabases;
  store: EventStore;
  ratePerMinute: number;
  visitorLimits: VisitorLimits;
  trustProxy: TrustProxy;
  now: () => Date;
}) {
  /**
   * The tenant the request writes into: its publishable key's, or on a
   * registered pixel host, the host's; with the key's rate-limit counter,
   * counted together with the visitor's once the messages are read.
   */
  const authorise = async (req: IncomingMessage, body: Record<string, unknown>): Promise<Authorised | Refusal> => {
    const writeKey = basicUser(req.headers.authorization) ?? (typeof body['writeKey'] === 'string' ? body['writeKey'] : undefined);
    if (writeKey === undefined) {
      const site = req.headers.host === undefined ? undefined : await deps.sites.byHost(req.headers.host);
      if (site === undefined) return refuse(401, 'unauthorized', 'send the publishable key as the Basic user name or as writeKey');
      // `{tenant}` keeps the counter in the slot of the tenant's visitor counters (one script on a Redis cluster).
      return { tenant: deps.tenantDbs.ofResolved({ tenantId: site.tenantId, schema: site.schema }), keyLimit: { key: `ingest:host:${site.tenantId}:{${site.tenantId}}`, limit: deps.ratePerMinute } };
    }
    const key = writeKey.startsWith('pk_') ? await deps.keys.resolve(writeKey) : undefined;
    if (key === undefined || key.kind !== ApiKeyKind.PUBLISHABLE) return refuse(401, 'unauthorized', 'unknown or revoked publishable key');
    if (!originAllowed(key.allowedOrigins, req.headers.origin)) return refuse(403, 'forbidden', 'this origin may not use this key');
    return { tenant: deps.tenantDbs.ofResolved({ tenantId: key.tenantId, schema: key.schema }), keyLimit: { key: `ingest:${key.id}:{${key.tenantId}}`, limit: deps.ratePerMinute } };
  };

  const handle = async (req: IncomingMessage, path: string): Promise<Refusal | Answer> => {
    // Limits hold for the decompressed body: a gzip or deflate body is counted as it inflates.
    const read = await readDecodedBody(req, path in SINGLE ? MAX_EVENT_BYTES : MAX_BATCH_BYTES);
    if (!read.ok) {
      switch (read.status) {
        case 400:
          return refuse(400, 'bad_request', read.reason);
        case 413:
          return refuse(413, 'too_large', read.reason);
        case 415:
          return refuse(415, 'unsupported_encoding', read.reason, { 'accept-encoding': ACCEPTED_ENCODINGS });
      }
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch (error) {
      return refuse(400, 'bad_request', `malformed JSON body: ${error instanceof Error ? error.message : 'unparseable'}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(400, 'bad_request', 'the body must be a JSON object');
    const record = body as Record<string, unknown>;
    const authorised = await authorise(req, record);
    if ('status' in authorised) return authorised;
    const { tenant } = authorised;
    const messages = messagesOf(path, record, deps.now());
    if ('status' in messages) return messages;
    const ip = peerAddress(req, deps.trustProxy);
    // The key's limit and the visitor's (its address, its anonymous ids) in one round trip.
    const visitorIds = messages.flatMap((m) => m.anonymousId ?? m.userId ?? []);
    const limited = await deps.visitorLimits.admit(tenant.tenantId, { address: ip, visitorIds }, [authorised.keyLimit]);
    if (!limited.allowed) {
      return refuse(429, 'rate_limited', `over a rate limit: ${deps.ratePerMinute} requests a minute per key, or this visitor's own`, {
        'retry-after': String(limited.retryAfterSeconds),
      });
    }
    const written = await deps.store.write(tenant, messages, { ip, source: 'public' }).catch((error: unknown) => {
      if (error instanceof QueueFullError) return refuse(503, 'overloaded', 'too many events are waiting to be written; nothing of this request was', { 'retry-after': String(error.retryAfterSeconds) });
      // The write's transaction ran past the database's statement timeout and was rolled back: a slow database, not the request's fault.
      if (isStatementTimeout(error)) return refuse(503, 'overloaded', 'the database took too long to write this request; nothing of it was written', { 'retry-after': '1' });
      // A restart or a failover: nothing was acknowledged, so nothing of it is stored for sure; the SDK sends it again.
      if (isDatabaseUnavailable(error)) return refuse(503, 'unavailable', 'the database cannot be reached now; send this request again', { 'retry-after': '1' });
      throw error;
    });
    if ('status' in written) return written;
    // The sender learns nothing of the tenant's privacy rules or of being taken for a crawler: a dropped message is answered as a stored one,
    // so an erased person's SDK cannot tell that it is being ignored (and there is nothing for it to resend).
    const answer = { accepted: written.accepted + written.suppressed + written.unconsented + written.bots, duplicates: written.duplicates };
    // The answer means durably accepted; read-your-writes is asked for (RFC 7240) and costs the wait for the processor.
    if (!prefersProcessed(req)) return answer;
    const processed = written.position === undefined || (await deps.store.processed(tenant, written.position, PROCESSED_WAIT_MS));
    return { ...answer, processed };
  };

  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method_not_allowed', reason: 'use POST' }, { allow: 'POST', ...cors });
    const outcome = await handle(req, path);
    if ('status' in outcome) {
      return sendJson(res, outcome.status, { error: outcome.error, reason: outcome.reason }, { ...cors, ...outcome.headers });
    }
    sendJson(res, 200, { success: true, ...outcome }, outcome.processed === true ? { ...cors, 'preference-applied': 'processed' } : cors);
  };
}
