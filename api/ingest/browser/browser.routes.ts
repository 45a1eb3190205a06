import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../../platform/logging/logger.js';
import { ApiKeyKind } from '../../../schema/entities/control/api-key.entity.js';
import type { KeyResolver } from '../../../tenants/api-keys/key-resolver.js';
import type { TenantDatabases } from '../../../tenants/tenant-db.js';
import type { TrackingSite, TrackingSites } from '../../../modules/tracking-settings/tracking-site.js';
import { peerAddress, type TrustProxy } from '../../../platform/http/peer-address.js';
import { claimedEmailPixelTenant, verifyEmailPixelToken } from '../pixels/email-pixel-token.js';
import { pageEventFromPixelQuery } from '../pixels/pixel-event.js';
import { TRANSPARENT_GIF, TRANSPARENT_GIF_HEADERS } from '../pixels/transparent-gif.js';
import { parseSegmentMessage } from '../../../modules/leads/ingest/segment-message.js';
import { isDatabaseUnavailable } from '../../../platform/postgres/database-unavailable.js';
import { isStatementTimeout } from '../../../platform/postgres/statement-timeout.js';
import { QueueFullError } from '../../../platform/batching/group-commit.js';
import type { EventStore } from '../../../modules/leads/ingest/event-store.js';
import type { VisitorLimits } from '../visitor-limits/visitor-limits.js';
import { renderTrackingScript } from '../tracking-script/render-tracking-script.js';
import { cookieValue, requestOrigin } from './request-origin.js';

const EMAIL_PIXEL = /^\/o\/([A-Za-z0-9_\-.]{10,4096})\.gif$/;
const YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * What browsers and mail clients load: the tracking script, the page pixel
 * and the email-open pixel. On a tenant's pixel host the Host header names
 * the tenant, and nothing answered carries the platform's name.
 */
export function createBrowserRoutes(deps: {
  keys: KeyResolver;
  sites: TrackingSites;
  tenantDbs: TenantDatabases;
  store: EventStore;
  trustProxy: TrustProxy;
  visitorLimits: VisitorLimits;
  now: () => Date;
  log: Logger;
}) {
  const siteOfKey = async (key: string | null): Promise<TrackingSite | undefined> => {
    if (key === null || !key.startsWith('pk_')) return undefined;
    const resolved = await deps.keys.resolve(key);
    return resolved?.kind === ApiKeyKind.PUBLISHABLE ? deps.sites.byTenant(resolved.tenantId) : undefined;
  };

  const sendGif = (res: ServerResponse, status = 200, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...TRANSPARENT_GIF_HEADERS, ...extra });
    res.end(TRANSPARENT_GIF);
  };

  const sendScript = (req: IncomingMessage, res: ServerResponse, site: TrackingSite, writeKey?: string) => {
    const body = renderTrackingScript({
      globalName: site.globalName,
      cookieName: site.cookieName,
      requireConsent: site.requireConsent,
      endpoint: `${requestOrigin(req, deps.trustProxy)}/v1/batch`,
      writeKey,
    });
    res.writeHead(200, {
      'content-type': 'application/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
      'access-control-allow-origin': '*',
    });
    res.end(body);
  };

  /** Whether the visitor may record another event now; over its limit, a pixel still gets its GIF and records nothing. */
  const visitorMayRecord = async (address: string, tenantId: string, visitorId: string): Promise<boolean> =>
    (await deps.visitorLimits.admit(tenantId, { address, visitorIds: [visitorId] })).allowed;

  /** Writes, unless the tenant's write queue is full or the database too slow or away: then nothing is recorded and the pixel is answered all the same. */
  const record = async (...args: Parameters<EventStore['write']>): Promise<void> => {
    await deps.store.write(...args).catch((error: unknown) => {
      if (!(error instanceof QueueFullError) && !isStatementTimeout(error) && !isDatabaseUnavailable(error)) throw error;
    });
  };

  const pagePixel = async (req: IncomingMessage, res: ServerResponse, url: URL, hostSite: TrackingSite | undefined) => {
    // A key in the request names its tenant wherever it is sent: the Host only speaks for requests without one,
    // so a host that serves one tenant can never take in another's traffic.
    const key = url.searchParams.get('k');
    const site = key === null || key === '' ? hostSite : await siteOfKey(key);
    if (site === undefined) return sendGif(res, 401);
    const query = new URLSearchParams(url.searchParams);
    if (!query.get('url') && typeof req.headers.referer === 'string') query.set('url', req.headers.referer);
    const page = pageEventFromPixelQuery(query, deps.now(), { keyFromHost: hostSite !== undefined });
    if ('code' in page) return sendGif(res, 400);
    let anonymousId = page.anonymousId ?? cookieValue(req, site.cookieName);
    const headers: Record<string, string> = {};
    if (anonymousId === undefined) {
      // Without consent required, a first visit gets the first-party id cookie t.js would have set.
      if (site.requireConsent) return sendGif(res, 200);
      anonymousId = randomUUID();
      headers['set-cookie'] = `${site.cookieName}=${anonymousId}; Max-Age=${YEAR_SECONDS}; Path=/; SameSite=Lax`;
    }
    // The browser's own user agent, as t.js sends it: the session's device, and a crawler told apart.
    const userAgent = req.headers['user-agent'];
    const context = userAgent === undefined ? page.context : { ...page.context, userAgent };
    const parsed = parseSegmentMessage({ ...page, context, anonymousId }, { now: deps.now() });
    if (!parsed.ok) return sendGif(res, 400);
    const ip = peerAddress(req, deps.trustProxy);
    if (!(await visitorMayRecord(ip, site.tenantId, anonymousId))) return sendGif(res, 200, headers);
    await record(deps.tenantDbs.ofResolved({ tenantId: site.tenantId, schema: site.schema }), [parsed.value], { ip });
    sendGif(res, 200, headers);
  };

  /** A tampered or foreign token still gets its GIF: a mail client shows nothing either way. */
  const emailPixel = async (req: IncomingMessage, res: ServerResponse, token: string) => {
    const tenantId = claimedEmailPixelTenant(token);
    const site = tenantId === undefined ? undefined : await deps.sites.byTenant(tenantId);
    const payload = site === undefined ? undefined : verifyEmailPixelToken(token, site.pixelSecret);
    // The token stands for the recipient in the limit (the limits key counters by a keyed hash, so no address shows).
    if (
      site !== undefined &&
      payload !== undefined &&
      payload.tenantId === site.tenantId &&
      (await visitorMayRecord(peerAddress(req, deps.trustProxy), site.tenantId, `o:${token}`))
    ) {
      const userAgent = req.headers['user-agent'];
      await record(deps.tenantDbs.ofResolved({ tenantId: site.tenantId, schema: site.schema }), [
        {
          messageId: randomUUID(),
          type: 'track',
          name: 'email_open',
          email: payload.email.toLowerCase(),
          traits: {},
          properties: payload.campaign === undefined ? {} : { campaign: payload.campaign },
          context: userAgent === undefined ? {} : { userAgent },
          at: deps.now(),
        },
      ]);
    }
    sendGif(res, 200);
  };

  /** Answers the request if it is one of these routes; false when it is not. */
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const hostSite = req.headers.host === undefined ? undefined : await deps.sites.byHost(req.headers.host);
    if (url.pathname === '/t.js' && url.searchParams.has('k')) {
      const site = await siteOfKey(url.searchParams.get('k'));
      if (site === undefined) {
        res.writeHead(401, { 'content-type': 'application/javascript; charset=utf-8' });
        res.end('/* unknown key */');
        return true;
      }
      sendScript(req, res, site, url.searchParams.get('k') ?? undefined);
      return true;
    }
    if (hostSite !== undefined && url.pathname === hostSite.scriptPath) {
      sendScript(req, res, hostSite);
      return true;
    }
    if (url.pathname === '/p.gif') {
      await pagePixel(req, res, url, hostSite);
      return true;
    }
    const token = EMAIL_PIXEL.exec(url.pathname)?.[1];
    if (token !== undefined) {
      await emailPixel(req, res, token);
      return true;
    }
    return false;
  };
}
