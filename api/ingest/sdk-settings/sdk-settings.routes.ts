import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiKeyKind } from '../../../schema/entities/control/api-key.entity.js';
import type { KeyResolver } from '../../../tenants/api-keys/key-resolver.js';
import { originAllowed } from '../../../tenants/api-keys/network-allowlist.js';
import type { TrackingSites } from '../../../modules/tracking-settings/tracking-site.js';
import type { TrustProxy } from '../../../platform/http/peer-address.js';
import { sendJson } from '../../http/respond.js';
import { requestOrigin } from '../browser/request-origin.js';
import { rudderstackSourceConfig } from './rudderstack-source-config.js';
import { segmentSettings } from './segment-settings.js';
import { allowedRequestHeaders, basicUser } from '../../http/request-credentials.js';

const SEGMENT_SETTINGS = /^\/v1\/projects\/([A-Za-z0-9_\-.~%]{1,256})\/settings\/?$/;
const RUDDERSTACK_SOURCE_CONFIG = /^\/sourceConfig\/?$/;

type Settings = { status: 200; body: Record<string, unknown> } | { status: 403 | 404; error: string; reason: string };

function decodedKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * The settings that Segment's and RudderStack's browser SDKs fetch from their
 * vendor before sending anything, answered by the collector on the tenant's
 * pixel host (or the gateway), pointing each SDK back at the host it asked.
 * So a page needs one setting per SDK (Segment's `cdnURL`; RudderStack's data
 * plane and config URL, the same host) and nothing goes to a vendor.
 */
export function createSdkSettingsRoutes(deps: { keys: KeyResolver; sites: TrackingSites; trustProxy: TrustProxy }) {
  /** The publishable key's tenant; on a pixel host only the host's own tenant's keys are known. */
  const tenantOf = async (req: IncomingMessage, writeKey: string | undefined): Promise<{ tenantId: string; writeKey: string } | Settings> => {
    const key = writeKey?.startsWith('pk_') === true ? await deps.keys.resolve(writeKey) : undefined;
    const hostSite = req.headers.host === undefined ? undefined : await deps.sites.byHost(req.headers.host);
    if (writeKey === undefined || key === undefined || key.kind !== ApiKeyKind.PUBLISHABLE || (hostSite !== undefined && hostSite.tenantId !== key.tenantId)) {
      return { status: 404, error: 'not_found', reason: 'unknown or revoked publishable key' };
    }
    if (!originAllowed(key.allowedOrigins, req.headers.origin)) return { status: 403, error: 'forbidden', reason: 'this origin may not use this key' };
    return { tenantId: key.tenantId, writeKey };
  };

  const segment = async (req: IncomingMessage, rawKey: string): Promise<Settings> => {
    const tenant = await tenantOf(req, decodedKey(rawKey));
    if ('status' in tenant) return tenant;
    const origin = new URL(requestOrigin(req, deps.trustProxy));
    return {
      status: 200,
      body: segmentSettings({ writeKey: tenant.writeKey, apiHost: `${origin.host}/v1`, protocol: origin.protocol === 'https:' ? 'https' : 'http' }),
    };
  };

  const rudderstack = async (req: IncomingMessage, url: URL): Promise<Settings> => {
    const tenant = await tenantOf(req, url.searchParams.get('writeKey') ?? basicUser(req.headers.authorization));
    if ('status' in tenant) return tenant;
    return { status: 200, body: rudderstackSourceConfig(tenant) };
  };

  /** Answers the request if it is one of these routes; false when it is not. */
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const segmentKey = SEGMENT_SETTINGS.exec(url.pathname)?.[1];
    if (segmentKey === undefined && !RUDDERSTACK_SOURCE_CONFIG.test(url.pathname)) return false;
    // Public documents, fetched cross-origin by the tenant's pages; RudderStack's carries the key as Basic auth.
    const cors: Record<string, string> = { 'access-control-allow-origin': '*' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, OPTIONS',
        'access-control-allow-headers': allowedRequestHeaders(req, 'authorization, content-type'),
        'access-control-max-age': '86400',
      });
      res.end();
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed', reason: 'use GET' }, { allow: 'GET', ...cors });
      return true;
    }
    const settings = segmentKey === undefined ? await rudderstack(req, url) : await segment(req, segmentKey);
    if (settings.status !== 200) {
      sendJson(res, settings.status, { error: settings.error, reason: settings.reason }, { ...cors, 'cache-control': 'no-store' });
      return true;
    }
    // Short-lived in caches: a revoked key stops being served within minutes.
    sendJson(res, 200, settings.body, { ...cors, 'cache-control': 'public, max-age=300', vary: 'Authorization' });
    return true;
  };
}
