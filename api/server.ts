import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import type { Config } from '../platform/config/config.js';
import type { PlatformServices } from '../composition/services.js';
import type { Logger } from '../platform/logging/logger.js';
import { PrivacyResolver } from './graphql/privacy/privacy.resolver.js';
import { EnrichmentResolver } from './graphql/enrichment/enrichment.resolver.js';
import { ScoringResolver } from './graphql/scoring/scoring.resolver.js';
import { WebhookResolver } from './graphql/webhooks/webhook.resolver.js';
import { ConsentResolver } from './graphql/privacy/consent.resolver.js';
import { SegmentResolver } from './graphql/segments/segment.resolver.js';
import { ApiKeyResolver } from './graphql/api-keys/api-key.resolver.js';
import { AuditResolver } from './graphql/audit/audit.resolver.js';
import { IpLookupResolver } from './graphql/ip/ip-lookup.resolver.js';
import { TrackingSettingsResolver } from './graphql/tracking/tracking-settings.resolver.js';
import { CompanyResolver } from './graphql/leads/company.resolver.js';
import { LeadResolver } from './graphql/leads/lead.resolver.js';
import { SessionResolver } from './graphql/leads/session.resolver.js';
import { createAuthenticator } from './graphql/authenticate.js';
import { buildGatewaySchema, type ResolverInstance } from './graphql/build-schema.js';
import { createErrorFormatter } from './graphql/errors.js';
import type { GatewayContext } from './graphql/gateway-context.js';
import { createGraphqlRoute } from './graphql/graphql.route.js';
import { queryLimitsPlugin } from './graphql/limits/query-limits.plugin.js';
import { observabilityPlugin } from './graphql/observability.plugin.js';
import { PlatformResolver } from './graphql/platform/platform.resolver.js';
import { TenantResolver } from './graphql/tenant/tenant.resolver.js';
import { createGatewayMetrics } from './http/gateway-metrics.js';
import { createBrowserRoutes } from './ingest/browser/browser.routes.js';
import { createSegmentRoutes, isSegmentPath } from './ingest/segment/segment.routes.js';
import { createVisitorLimits } from './ingest/visitor-limits/visitor-limits.js';
import { createSdkSettingsRoutes } from './ingest/sdk-settings/sdk-settings.routes.js';
import { sendHealth, sendReadiness } from './http/health.routes.js';
import { CODEC_PATH_PREFIX, createCodecRoutes } from './http/codec.routes.js';
import { sendRequestError } from './http/respond.js';
import { compileTrustProxy } from '../platform/http/peer-address.js';
import { attachSubscriptions } from './subscriptions/ws-server.js';
import { droppedEventsBetween } from '../tenants/usage/dropped-events.js';

/** What the gateway runs on: the process's services, less what only workers use, and its own settings. */
export type GatewayDeps = Pick<
  PlatformServices,
  | 'db'
  | 'control'
  | 'apiKeys'
  | 'grants'
  | 'trackingSettings'
  | 'consent'
  | 'tenantDbs'
  | 'orm'
  | 'coordination'
  | 'keys'
  | 'ledger'
  | 'provisioning'
  | 'offboarding'
  | 'audit'
  | 'events'
  | 'ingestion'
  | 'leads'
  | 'sites'
  | 'pixelHosts'
  | 'asnTable'
  | 'geoLookup'
  | 'networkCompanies'
  | 'enrichment'
  | 'scoring'
  | 'segments'
  | 'webhooks'
  | 'webhookDispatcher'
  | 'privacy'
  | 'hashKeys'
  | 'operatorCodec'
  | 'readiness'
> & {
  readonly config: Config;
  readonly adminToken: string;
  readonly log: Logger;
};

export interface Gateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Every resolver, built around the services it needs. */
export function createGatewayResolvers(
  deps: Omit<GatewayDeps, 'config' | 'adminToken' | 'log' | 'readiness'>,
  publicUrl: string,
): ResolverInstance[] {
  const { leads } = deps;
  return [
    new PlatformResolver({
      provisioning: deps.provisioning,
      grants: deps.grants,
      orm: deps.orm,
      offboarding: deps.offboarding,
    }),
    new TenantResolver(deps.ledger, (tenant, range) => droppedEventsBetween(tenant, 'bot', range)),
    new ApiKeyResolver(deps.apiKeys),
    new AuditResolver(deps.audit),
    new LeadResolver(leads, deps.segments),
    new SessionResolver(leads, { asnTable: deps.asnTable, geo: deps.geoLookup }),
    new CompanyResolver(leads),
    new TrackingSettingsResolver({
      settings: deps.trackingSettings,
      sites: deps.sites,
      publicUrl,
      now: Date.now,
    }),
    new IpLookupResolver(deps.asnTable, leads, deps.geoLookup),
    new EnrichmentResolver(deps.enrichment),
    new ScoringResolver(deps.scoring),
    new SegmentResolver(deps.segments, leads, deps.coordination.pubsub),
    new WebhookResolver({ registry: deps.webhooks, dispatcher: deps.webhookDispatcher }),
    new PrivacyResolver(deps.privacy),
    new ConsentResolver(deps.consent),
  ];
}

/** Composes the gateway: GraphQL over HTTP and WebSocket on one port, plus health and metrics. */
export async function startGateway(deps: GatewayDeps, listen: { host: string; port: number }): Promise<Gateway> {
  const { config } = deps;
  const metrics = createGatewayMetrics({ backlog: () => deps.ingestion.backlog.reading(), stats: deps.ingestion.stats });
  const schema = await buildGatewaySchema(createGatewayResolvers(deps, config.PUBLIC_URL ?? `http://localhost:${config.PORT}`), deps.coordination.pubsub);
  const authenticator = createAuthenticator({
    adminToken: deps.adminToken,
    keys: deps.keys,
    orm: deps.orm,
    tenantDbs: deps.tenantDbs,
    rateLimiter: deps.coordination.rateLimiter,
    ratePerMinute: config.RATE_LIMIT_PER_MINUTE,
  });
  const formatError = createErrorFormatter((message, error) => deps.log.error(message, { error }));
  // One set of limits for both transports: the HTTP plugin and the socket's subscribe guard.
  const queryLimits = {
    maxDepth: config.MAX_QUERY_DEPTH,
    maxCost: config.MAX_QUERY_COST,
    maxFirst: config.MAX_PAGE_SIZE,
    defaultListSize: config.MAX_PAGE_SIZE,
  };
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    introspection: config.NODE_ENV !== 'production',
    allowBatchedHttpRequests: false,
    // Credentials travel in the Authorization header, never in cookies, so there is no CSRF to prevent.
    csrfPrevention: false,
    includeStacktraceInErrorResponses: false,
    formatError,
    plugins: [
      queryLimitsPlugin(queryLimits),
      observabilityPlugin({ audit: deps.audit, metrics, log: deps.log }),
    ],
  });
  await apollo.start();
  await deps.keys.start();
  const trustProxy = compileTrustProxy(config.TRUST_PROXY);
  const graphqlRoute = createGraphqlRoute({ apollo, authenticator, trustProxy });
  await deps.sites.start();
  const visitorLimits = createVisitorLimits({
    rateLimiter: deps.coordination.rateLimiter,
    hashKeys: deps.hashKeys,
    settings: { perAddressPerMinute: config.INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE, perVisitorPerMinute: config.INGEST_VISITOR_RATE_LIMIT_PER_MINUTE },
  });
  const browserRoutes = createBrowserRoutes({
    keys: deps.keys,
    sites: deps.sites,
    tenantDbs: deps.tenantDbs,
    store: deps.events,
    trustProxy,
    visitorLimits,
    now: () => new Date(),
    log: deps.log,
  });
  const segmentRoutes = createSegmentRoutes({
    keys: deps.keys,
    sites: deps.sites,
    tenantDbs: deps.tenantDbs,
    store: deps.events,
    ratePerMinute: config.INGEST_RATE_LIMIT_PER_MINUTE,
    visitorLimits,
    trustProxy,
    now: () => new Date(),
  });
  const sdkSettingsRoutes = createSdkSettingsRoutes({ keys: deps.keys, sites: deps.sites, trustProxy });
  const codecRoutes = createCodecRoutes({ codec: deps.operatorCodec, authenticator, trustProxy, uiOrigins: config.TEMPORAL_UI_ORIGINS });

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<string> => {
    // A tenant's active pixel host (a proven name on its own domain) serves collection only: no API, health or
    // metrics under its name, nothing that names the platform. A pending claim, an address, localhost or one of
    // the platform's own names is never a pixel host (byHost), so the platform's routes there are untouched.
    const onPixelHost = req.headers.host !== undefined && (await deps.sites.byHost(req.headers.host)) !== undefined;
    if (onPixelHost) {
      if (isSegmentPath(url.pathname)) {
        await segmentRoutes(req, res, url.pathname);
        return '/v1';
      }
      if (await sdkSettingsRoutes(req, res, url)) return 'sdk-settings';
      if (await browserRoutes(req, res, url)) return 'browser';
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found');
      return 'unmatched';
    }
    switch (url.pathname) {
      case '/graphql':
        await graphqlRoute(req, res, url);
        return '/graphql';
      case '/healthz':
        sendHealth(res);
        return '/healthz';
      case '/readyz':
        await sendReadiness(res, deps.readiness);
        return '/readyz';
      case '/metrics':
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return '/metrics';
      default:
        if (url.pathname.startsWith(CODEC_PATH_PREFIX) && (await codecRoutes(req, res, url))) return 'codec';
        if (isSegmentPath(url.pathname)) {
          await segmentRoutes(req, res, url.pathname);
          return '/v1';
        }
        if (await sdkSettingsRoutes(req, res, url)) return 'sdk-settings';
        if (await browserRoutes(req, res, url)) return 'browser';
        sendRequestError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
        return 'unmatched';
    }
  };

  const server = createServer((req, res) => {
    const stopTimer = metrics.httpDuration.startTimer();
    const url = new URL(req.url ?? '/', 'http://gateway');
    route(req, res, url)
      .then((name) => {
        stopTimer({ route: name });
        metrics.httpRequests.inc({ route: name, status: String(res.statusCode) });
      })
      .catch((error: unknown) => {
        deps.log.error('request failed', { error, path: url.pathname });
        if (!res.headersSent) sendRequestError(res, 500, 'INTERNAL', 'Internal error');
        else res.destroy();
      });
  });
  server.keepAliveTimeout = 65_000;
  const subscriptions = attachSubscriptions({
    server,
    schema,
    authenticator,
    keys: deps.keys,
    trustProxy,
    settings: {
      maxPayloadBytes: config.WS_MAX_PAYLOAD_BYTES,
      initWaitMs: config.WS_INIT_TIMEOUT_MS,
      maxConnectionsPerKey: config.WS_MAX_CONNECTIONS_PER_KEY,
      maxSubscriptionsPerConnection: config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      limits: queryLimits,
    },
    formatError,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host;

  return {
    url: `http://${shownHost}:${port}`,
    port,
    async close() {
      await subscriptions.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      await deps.keys.stop();
      await deps.sites.stop();
    },
  };
}
