/**
 * Temporal's codec server protocol for the platform operator: `POST
 * /operator/temporal-codec/decode` and `/encode` (also under a namespace segment,
 * `/operator/temporal-codec/<namespace>/decode`, as the CLI's `{namespace}`
 * template makes them), each `{"payloads": [...]}` in proto3 JSON (bytes as
 * base64) in and out. Temporal's UI and CLI send what a history holds and show
 * what comes back. Only the operator's token opens it; a payload under a
 * destroyed data key (an offboarded tenant's) comes back as it went in.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { peerAddress, type TrustProxy } from '../../platform/http/peer-address.js';
import type { Authenticator } from '../graphql/authenticate.js';
import { readDecodedBody } from './decoded-body.js';
import { sendJson, sendRequestError } from './respond.js';

export const CODEC_PATH_PREFIX = '/operator/temporal-codec/';
const ROUTE = /^\/operator\/temporal-codec\/(?:[A-Za-z0-9._-]+\/)?(encode|decode)$/;
/** Encoding needs a tenant (whose key?): the UI and CLI pass it as this header (`--codec-header` in the CLI). */
const TENANT_HEADER = 'x-leadgraph-tenant';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const ALLOWED_HEADERS = 'authorization, content-type, x-namespace, x-leadgraph-tenant';

export interface OperatorCodec {
  encodeFor(tenantId: string, payloads: Payload[]): Promise<Payload[]>;
  decodeWhatCan(payloads: Payload[]): Promise<Payload[]>;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'not base64');
const bodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })),
});
type JsonPayload = z.infer<typeof bodySchema>['payloads'][number];

const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
const fromJson = (payload: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, bytesOf(value)])),
  data: bytesOf(payload.data ?? ''),
});
const toJson = (payload: Payload): { metadata: Record<string, string>; data: string } => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/** The status and code an authentication refusal carries (requestError's shape). */
function refusalOf(error: unknown): { status: number; code: string; message: string } | undefined {
  if (!(error instanceof Error) || !('extensions' in error)) return undefined;
  const extensions = error.extensions as { code?: unknown; http?: { status?: unknown } };
  const status = extensions.http?.status;
  return typeof extensions.code === 'string' && typeof status === 'number' ? { status, code: extensions.code, message: error.message } : undefined;
}

/**
 * Answers the codec paths; false for any other path. `uiOrigins`: the Temporal
 * UI origins allowed to call it from a browser (CORS), none when empty.
 */
export function createCodecRoutes(deps: { codec: OperatorCodec; authenticator: Authenticator; trustProxy: TrustProxy; uiOrigins: readonly string[] }) {
  const cors = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    if (origin === undefined || !deps.uiOrigins.includes(origin)) return;
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('vary', 'origin');
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const action = ROUTE.exec(url.pathname)?.[1];
    if (action === undefined) return false;
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': '600' });
      res.end();
      return true;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      sendRequestError(res, 405, 'BAD_USER_INPUT', 'use POST');
      return true;
    }
    try {
      const principal = await deps.authenticator.authenticate(req.headers.authorization, peerAddress(req, deps.trustProxy));
      if (principal.kind !== 'admin') {
        sendRequestError(res, 403, 'FORBIDDEN', "the codec endpoint is the platform operator's: send Authorization: Bearer <ADMIN_TOKEN>");
        return true;
      }
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      sendRequestError(res, refusal.status, refusal.code, refusal.message);
      return true;
    }
    const read = await readDecodedBody(req, MAX_BODY_BYTES);
    if (!read.ok) {
      sendRequestError(res, read.status, 'BAD_USER_INPUT', read.reason);
      return true;
    }
    let parsed: ReturnType<typeof bodySchema.safeParse>;
    try {
      parsed = bodySchema.safeParse(JSON.parse(read.text));
    } catch {
      sendRequestError(res, 400, 'BAD_USER_INPUT', 'the body is not JSON: send {"payloads": [...]}');
      return true;
    }
    if (!parsed.success) {
      sendRequestError(res, 400, 'BAD_USER_INPUT', `send {"payloads": [{"metadata": {...}, "data": "<base64>"}]}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return true;
    }
    const payloads = parsed.data.payloads.map(fromJson);
    if (action === 'decode') {
      sendJson(res, 200, { payloads: (await deps.codec.decodeWhatCan(payloads)).map(toJson) });
      return true;
    }
    const tenantId = req.headers[TENANT_HEADER];
    if (typeof tenantId !== 'string' || tenantId === '') {
      sendRequestError(res, 400, 'BAD_USER_INPUT', `encoding needs the tenant whose key to use: send the ${TENANT_HEADER} header`);
      return true;
    }
    let encoded: Payload[];
    try {
      encoded = await deps.codec.encodeFor(tenantId, payloads);
    } catch (error) {
      // An unknown tenant, or one whose key is destroyed: nothing to encode with.
      sendRequestError(res, 400, 'BAD_USER_INPUT', `cannot encode for tenant ${tenantId}: ${error instanceof Error ? error.message : String(error)}`);
      return true;
    }
    sendJson(res, 200, { payloads: encoded.map(toJson) });
    return true;
  };
}
