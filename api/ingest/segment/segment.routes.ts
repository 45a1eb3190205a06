import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimiter } from '../../../platform/coordination/coordination.js';
import { ApiKeyKind } from '../../../schema/entities/control/api-key.entity.js';
import type { KeyResolver } from '../../../tenants/api-keys/key-resolver.js';
import type { TrackingSites } from '../../../tenants/tracking-settings/tracking-site.js';
import { originAllowed } from '../../../tenants/api-keys/network-allowlist.js';
import { peerAddress } from '../../http/peer-address.js';
import { readBody } from '../../http/read-body.js';
import { sendJson } from '../../http/respond.js';
import type { EventStore, IngestTenant } from '../store/event-store.js';
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES, parseSegmentMessage, type IngestMessage, type MessageType } from './segment-message.js';

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

type Refusal = { status: number; error: string; reason: string; headers?: Record<string, string> };

const refuse = (status: number, error: string, reason: string, headers?: Record<string, string>): Refusal => ({
  status,
  error,
  reason,
  headers,
});

function basicUser(authorization: string | undefined): string | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const user = decoded.split(':')[0];
  return user === '' ? undefined : user;
}

/** Browsers post with sendBeacon or fetch from the tenant's pages; answer their CORS questions for allowed origins. */
function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'authorization, content-type',
    'access-control-max-age': '86400',
    vary: 'Origin',
  };
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
    if (!parsed.ok) return refuse(400, 'bad_request', `${where}: ${parsed.reason}`);
    messages.push(parsed.message);
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
  store: EventStore;
  rateLimiter: RateLimiter;
  ratePerMinute: number;
  trustProxy: boolean;
  now: () => Date;
}) {
  /** The tenant the request writes into: its publishable key's, or on a registered pixel host, the host's. */
  const authorise = async (req: IncomingMessage, body: Record<string, unknown>): Promise<IngestTenant | Refusal> => {
    const writeKey = basicUser(req.headers.authorization) ?? (typeof body['writeKey'] === 'string' ? body['writeKey'] : undefined);
    let tenant: IngestTenant;
    let limitKey: string;
    if (writeKey === undefined) {
      const site = req.headers.host === undefined ? undefined : await deps.sites.byHost(req.headers.host);
      if (site === undefined) return refuse(401, 'unauthorized', 'send the publishable key as the Basic user name or as writeKey');
      tenant = { tenantId: site.tenantId, schema: site.schema };
      limitKey = `ingest:host:${site.tenantId}`;
    } else {
      const key = writeKey.startsWith('pk_') ? await deps.keys.resolve(writeKey) : undefined;
      if (key === undefined || key.kind !== ApiKeyKind.PUBLISHABLE) return refuse(401, 'unauthorized', 'unknown or revoked publishable key');
      if (!originAllowed(key.allowedOrigins, req.headers.origin)) return refuse(403, 'forbidden', 'this origin may not use this key');
      tenant = { tenantId: key.tenantId, schema: key.schema };
      limitKey = `ingest:${key.id}`;
    }
    const decision = await deps.rateLimiter.hit(limitKey, deps.ratePerMinute, 60_000);
    if (!decision.allowed) {
      const retryAfter = String(decision.retryAfterSeconds);
      return refuse(429, 'rate_limited', `more than ${deps.ratePerMinute} requests a minute`, { 'retry-after': retryAfter });
    }
    return tenant;
  };

  const handle = async (req: IncomingMessage, path: string): Promise<Refusal | { accepted: number; duplicates: number }> => {
    const read = await readBody(req, path in SINGLE ? MAX_EVENT_BYTES : MAX_BATCH_BYTES);
    if (!read.ok) return refuse(413, 'too_large', read.reason);
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch (error) {
      return refuse(400, 'bad_request', `malformed JSON body: ${error instanceof Error ? error.message : 'unparseable'}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(400, 'bad_request', 'the body must be a JSON object');
    const record = body as Record<string, unknown>;
    const tenant = await authorise(req, record);
    if ('status' in tenant) return tenant;
    const messages = messagesOf(path, record, deps.now());
    if ('status' in messages) return messages;
    const written = await deps.store.write(tenant, messages, {
      ip: peerAddress(req, deps.trustProxy),
    });
    // The sender learns nothing of the tenant's privacy rules: a dropped message is answered as a stored one,
    // so an erased person's SDK cannot tell that it is being ignored (and there is nothing for it to resend).
    return { accepted: written.accepted + written.suppressed + written.unconsented, duplicates: written.duplicates };
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
    sendJson(res, 200, { success: true, ...outcome }, cors);
  };
}
