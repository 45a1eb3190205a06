import { createApiKeyService, type ApiKeyService } from '../tenants/api-keys/api-key.service.js';
import { createCreditGrants, type CreditGrants } from '../modules/credits/credit-grants.js';
import { createConsentService, type ConsentService } from '../modules/privacy/consent.service.js';
import { createTrackingSettingsService, type TrackingSettingsService } from '../modules/tracking-settings/tracking-settings.service.js';
import { createNetworkCompanies, type NetworkCompanies } from '../modules/companies/network-company-lookup.js';
import { Client, type Connection } from '@temporalio/client';
import { createSecretBox, type SecretBox } from '../tenants/secrets/secret-box.js';
import { createTenantDataKeys, type TenantDataKeys } from '../tenants/secrets/tenant-data-keys.js';
import { createTenantPayloadCodec, type TenantPayloadCodec } from '../workflows/tenant-payload-codec.js';
import { dataConverterWith } from '../workflows/data-converter.js';
import { loadMasterKey } from '../tenants/secrets/master-key.js';
import { createHashKeys, type HashKeys } from '../tenants/secrets/hash-keys.js';
import type { GuardedHttpClient } from '../platform/outbound/guarded-http-client.js';
import { outboundClientFromConfig } from '../platform/outbound/outbound-config.js';
import type { Config } from '../platform/config/config.js';
import type { Coordination } from '../platform/coordination/coordination.js';
import { createMemoryCoordination } from '../platform/coordination/memory-coordination.js';
import { createRedisCoordination } from '../platform/coordination/redis-coordination.js';
import type { Logger } from '../platform/logging/logger.js';
import { createDatabase, type Database } from '../platform/postgres/database.js';
import { controlMigrations } from '../schema/migrations/control/control-migrations.js';
import { tenantMigrations } from '../schema/migrations/tenant/tenant-migrations.js';
import { migrateAllTenants, migrateControl, migrateTenant } from '../schema/migrator.js';
import { createOrm, type Orm } from '../schema/orm.js';
import { createControlDb, type ControlDb } from '../platform/postgres/control-db.js';
import { createTenantDatabases, type TenantDatabases, type TenantDb } from '../tenants/tenant-db.js';
import { createKeyResolver, type KeyResolver } from '../tenants/api-keys/key-resolver.js';
import { createAuditLog, type AuditLog } from '../tenants/audit/audit-log.js';
import { createCreditLedger, type CreditLedger } from '../modules/credits/credit-ledger.js';
import { warnIfLedgerUnguarded } from '../modules/credits/ledger-guard.js';
import { createTenantProvisioning, type TenantProvisioning } from '../tenants/provisioning/tenant-provisioning.js';
import { tenantChannel } from '../tenants/tenant-channels.js';
import { createTrackingSites, type TrackingSites } from '../modules/tracking-settings/tracking-site.js';
import { createPixelHostClaims, type PixelHostClaims } from '../modules/tracking-settings/pixel-host-claims.js';
import { createProofChecker } from '../modules/tracking-settings/pixel-host-proof.js';
import { platformHostNames } from '../modules/tracking-settings/pixel-host-rules.js';
import { createSuppressionList } from '../modules/privacy/suppression-list.js';
import { suppressionHashRows } from '../modules/privacy/privacy.repository.js';
import { connectTemporalClient, type TemporalEndpoint } from '../workflows/temporal-endpoint.js';
import type { ReadinessCheck } from '../api/http/health.routes.js';
import type { AsnTable } from '../intelligence/ip/asn-table.js';
import { lazyAsnTable } from '../platform/ip-dataset/lazy-asn-table.js';
import { lazyGeoLookup, type GeoLookup } from '../platform/ip-dataset/geo-lookup.js';
import { createEventStore, type EventStore } from '../modules/leads/ingest/event-store.js';
import { createLeadService, type LeadService } from '../modules/leads/lead.service.js';
import { createEnrichmentService, type EnrichmentService } from '../modules/enrichment/enrichment.service.js';
import { createJobCompletion } from '../workflows/enrichment/job-completion.js';
import { createEnrichmentDispatcher } from '../workflows/enrichment/enrichment-dispatch.js';
import { createTenantSchedules, type TenantSchedules } from '../workflows/tenant-schedules.js';
import { createLeadChangePipeline, type LeadChangePipeline } from '../modules/lead-changes/lead-change-pipeline.js';
import { publishToSubscribers } from '../modules/lead-changes/publish-lead-changes.js';
import { deliverToWebhooks, enqueueChangeDeliveries } from '../modules/lead-changes/deliver-to-webhooks.js';
import { createLogProcessor, type LogProcessor } from '../modules/leads/ingest/log-processor.js';
import { createBacklogGate, type BacklogGate } from '../modules/leads/ingest/backlog-gate.js';
import { createIngestStats, type IngestStats } from '../modules/leads/ingest/ingest-stats.js';
import { createProcessedPositions } from '../modules/leads/ingest/processed-positions.js';
import { createPostgresIngestLog } from '../modules/leads/ingest/ingest-log.js';
import type { Lane } from '../modules/leads/ingest/log-entry.js';
import { createWebhookRegistry, type WebhookRegistry } from '../modules/webhooks/webhook-registry.js';
import { createWebhookDispatcher } from '../workflows/webhooks/webhook-dispatch.js';
import type { WebhookDispatcher } from '../modules/webhooks/webhook-dispatcher.js';
import { createScoringService, type ScoringService } from '../modules/scoring/scoring.service.js';
import { createRescoreStarter } from '../workflows/scoring/rescore-dispatch.js';
import { createSegmentService, type SegmentService } from '../modules/segments/segment.service.js';
import { createPrivacyService, type PrivacyService } from '../modules/privacy/privacy.service.js';
import { createRequestSubjects, type RequestSubjects } from '../modules/privacy/request-subjects.js';
import { createPrivacyRequestStarter } from '../workflows/privacy/privacy-request-dispatch.js';
import { createTenantOffboarding, type TenantOffboarding } from '../tenants/offboarding/tenant-offboarding.js';
import { createOffboardingStarter } from '../workflows/offboarding/offboarding-dispatch.js';
import { isTenantActive } from '../tenants/tenant-status.js';

export interface Endpoints {
  readonly databaseUrl: string;
  readonly redisUrl: string | undefined;
  readonly temporal: TemporalEndpoint;
}

export interface PlatformServices {
  readonly db: Database;
  /** The control schema's handle. */
  readonly control: ControlDb;
  /** Tenant handles, bound from resolved keys and checked workflow inputs. */
  readonly tenantDbs: TenantDatabases;
  readonly orm: Orm;
  readonly coordination: Coordination;
  readonly temporal: Connection;
  readonly temporalClient: Client;
  readonly secrets: SecretBox;
  /** Tenants' data keys: what their workflow payloads are encrypted with, destroyed on offboarding. */
  readonly dataKeys: TenantDataKeys;
  /** Encrypts tenants' workflow payloads (the client's and the worker's data converter, and the operator's codec endpoint). */
  readonly payloadCodec: TenantPayloadCodec;
  /** The same codec with no key kept between calls: the operator's codec endpoint (Temporal's UI and CLI). */
  readonly operatorCodec: TenantPayloadCodec;
  /** Who running privacy requests are about, sealed apart from their workflows' inputs. */
  readonly requestSubjects: RequestSubjects;
  /** Keys of the hashes that must reveal nothing (suppressions, answer-cache names), derived from the master key. */
  readonly hashKeys: HashKeys;
  /** The one client for requests to URLs others chose: webhooks, homepages, vendors. */
  readonly outbound: GuardedHttpClient;
  readonly keys: KeyResolver;
  readonly ledger: CreditLedger;
  readonly provisioning: TenantProvisioning;
  readonly audit: AuditLog;
  readonly apiKeys: ApiKeyService;
  /** Credits the operator grants a tenant. */
  readonly grants: CreditGrants;
  readonly trackingSettings: TrackingSettingsService;
  readonly consent: ConsentService;
  readonly events: EventStore;
  /** The ingestion log behind `events`: its processor (none where INGEST_PROCESSOR_CONCURRENCY is 0), its backlog bound and what it did. */
  readonly ingestion: Ingestion;
  /** Leads and companies for the API: every call takes the tenant's handle. */
  readonly leads: LeadService;
  readonly sites: TrackingSites;
  /** Tenants' claims of pixel hosts and their DNS proofs. */
  readonly pixelHosts: PixelHostClaims;
  readonly asnTable: () => Promise<AsnTable>;
  /** IP → country, region, city (DB-IP City Lite), loaded on first use. */
  readonly geoLookup: () => Promise<GeoLookup>;
  readonly networkCompanies: NetworkCompanies;
  readonly enrichment: EnrichmentService;
  readonly leadChanges: LeadChangePipeline;
  readonly scoring: ScoringService;
  readonly segments: SegmentService;
  readonly schedules: TenantSchedules;
  readonly webhooks: WebhookRegistry;
  readonly webhookDispatcher: WebhookDispatcher;
  readonly privacy: PrivacyService;
  readonly offboarding: TenantOffboarding;
  readonly readiness: Record<string, ReadinessCheck>;
  close(): Promise<void>;
}

export interface Ingestion {
  readonly processor: LogProcessor | undefined;
  readonly backlog: BacklogGate;
  readonly stats: IngestStats;
}

/** How long a process keeps an opened data key: another process's offboarding is seen within it. */
const DATA_KEY_CACHE_MS = 60_000;

/** Pub/sub channels between processes: a lane was appended to (for processors elsewhere), a lane's cursor moved (for read-your-writes waiters). */
const INGEST_APPENDED_CHANNEL = 'ingest:appended';
const INGEST_PROCESSED_CHANNEL = 'ingest:processed';
interface LaneMessage {
  readonly tenantId: string;
  readonly schema: string;
  readonly lane: Lane;
  readonly position?: number;
}

export function temporalEndpoint(config: Config, address: string): TemporalEndpoint {
  return {
    address,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    tls: config.TEMPORAL_TLS,
    tlsCertPath: config.TEMPORAL_TLS_CERT,
    tlsKeyPath: config.TEMPORAL_TLS_KEY,
    apiKey: config.TEMPORAL_API_KEY,
  };
}

/** The one place that builds every shared service; everything downstream receives them. */
export async function connectServices(opts: {
  config: Config;
  endpoints: Endpoints;
  log: Logger;
  applicationName: string;
}): Promise<PlatformServices> {
  const { config, endpoints, log } = opts;
  const db = createDatabase({
    url: endpoints.databaseUrl,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: opts.applicationName,
    statementTimeoutMs: config.TENANT_STATEMENT_TIMEOUT_MS,
  });
  const orm = await createOrm({ url: endpoints.databaseUrl, kysely: db.kysely });
  const control = createControlDb(db);
  const tenantDbs = createTenantDatabases({ db, control });
  const coordination =
    endpoints.redisUrl === undefined
      ? createMemoryCoordination({ onError: (error, context) => log.error('coordination', { error, context }) })
      : await createRedisCoordination({
          url: endpoints.redisUrl,
          keyPrefix: config.REDIS_KEY_PREFIX,
          onError: (error, context) => log.error('redis', { error, context }),
        });
  const masterKey = await loadMasterKey(config);
  const secrets = createSecretBox(masterKey);
  const hashKeys = createHashKeys(masterKey);
  const dataKeys = createTenantDataKeys({ control, secrets, cacheMs: DATA_KEY_CACHE_MS, now: Date.now });
  const payloadCodec = createTenantPayloadCodec(dataKeys);
  // The operator's endpoint reads each key anew: an offboarding done by a worker shows at once.
  const operatorCodec = createTenantPayloadCodec(createTenantDataKeys({ control, secrets, cacheMs: 0, now: Date.now }));
  const requestSubjects = createRequestSubjects({ control, dataKeys });
  const temporal = await connectTemporalClient(endpoints.temporal);
  const temporalClient = new Client({ connection: temporal, namespace: endpoints.temporal.namespace, dataConverter: dataConverterWith(payloadCodec) });
  const outbound = outboundClientFromConfig(config);
  if (outbound.allowLocal && config.NODE_ENV === 'production') {
    log.warn('ALLOW_LOCAL_OUTBOUND is on: webhooks, vendors and homepages may reach internal addresses, and plain http to them');
  }
  const keys = createKeyResolver({ control, pubsub: coordination.pubsub, ttlMs: config.KEY_CACHE_TTL_SECONDS * 1000, now: Date.now });
  const ledger = createCreditLedger({
    control,
    ...(config.CREDIT_RESERVATION_HOLD_SECONDS === undefined ? {} : { reservationHoldMs: config.CREDIT_RESERVATION_HOLD_SECONDS * 1000 }),
    onBalanceChanged: (tenantId, balance) => {
      coordination.pubsub
        .publish(tenantChannel(tenantId, 'credits'), JSON.stringify({ balance }))
        .catch((error: unknown) => log.warn('credit balance not published', { error, tenantId }));
    },
  });
  // Temporal calls nobody waits for (a schedule, an automatic enrichment) end with the services:
  // a call still retrying against an unreachable server must not outlive the connection it uses.
  const background = new AbortController();
  const inBackground = <T>(call: () => Promise<T>): Promise<T> => temporalClient.withAbortSignal(background.signal, call);
  const taskQueue = endpoints.temporal.taskQueue;
  const batchConcurrency = config.ENRICHMENT_BATCH_CONCURRENCY;
  const schedules = createTenantSchedules({ client: temporalClient, taskQueue, batchConcurrency, tenantIsActive: (tenantId) => isTenantActive(control, tenantId) });
  const platformNames = platformHostNames({ platformHosts: config.PLATFORM_HOSTS, publicUrl: config.PUBLIC_URL, cnameTarget: config.PIXEL_CNAME_TARGET });
  const provisioning = createTenantProvisioning({
    control,
    platformNames,
    ledger,
    migrateSchema: async (schema) => (await migrateTenant(db, schema, tenantMigrations)).applied,
    // Not awaited: a tenant is made whether or not Temporal answers now; a worker's start makes a missing schedule.
    afterCreate: async (tenant) => {
      void inBackground(() => schedules.ensure(tenant)).catch((error: unknown) => log.warn('tenant schedules not made', { error, tenantId: tenant.tenantId }));
    },
    onError: (error, context) => log.warn(context, { error }),
  });
  const enrichment = createEnrichmentService({
    dispatcher: createEnrichmentDispatcher({ client: temporalClient, taskQueue, batchConcurrency }),
    secrets,
    vendorOptions: { allowInsecureHttp: outbound.allowLocal },
    outbound,
    completion: createJobCompletion({ client: temporalClient }),
    // Called only once services are built: the pipeline below is made after this service, whose changes it is told of.
    evaluate: (tenant, leadIds) => leadChanges.evaluate(tenant, leadIds),
    onError: (error, context) => log.error(context, { error }),
  });
  const sites = createTrackingSites({ control, tenantDbs, pubsub: coordination.pubsub, now: Date.now, platformNames });
  const pixelHosts = createPixelHostClaims({
    control,
    check: createProofChecker({ servers: config.PIXEL_HOST_DNS_SERVERS, cnameTarget: config.PIXEL_CNAME_TARGET }),
    cnameTarget: config.PIXEL_CNAME_TARGET,
    changed: (tenantId) => sites.changed(tenantId),
    platformNames,
  });
  const asnTable = lazyAsnTable();
  const networkCompanies = createNetworkCompanies(asnTable);
  const webhooks = createWebhookRegistry({ secrets, outbound, onError: (error, context) => log.error(context, { error }) });
  const webhookDispatcher = createWebhookDispatcher({ client: temporalClient, taskQueue });
  const leadChanges = createLeadChangePipeline({
    listeners: [
      publishToSubscribers(coordination.pubsub),
      (tenant, changes) => inBackground(() => deliverToWebhooks(webhooks, webhookDispatcher)(tenant, changes)),
      // A lead that now reaches the tenant's automatic enrichment rule (a score, a segment) is enriched.
      // Not awaited: the lane goes on to its next chunk (afterEvaluation never rejects).
      async (tenant, changes) => {
        void inBackground(() => enrichment.afterEvaluation(tenant, changes));
      },
    ],
    log,
    now: () => new Date(),
  });
  const segments = createSegmentService({
    now: () => new Date(),
    onWindowedSegment: async (tenant) => {
      await schedules.ensureSegmentWindows(tenant).catch((error: unknown) => log.warn('segment windows schedule not made', { error, tenantId: tenant.tenantId }));
    },
  });
  const suppressions = createSuppressionList({ loadRows: (tenant) => suppressionHashRows(tenantDbs.ofResolved(tenant)), pubsub: coordination.pubsub, hashKeys, now: Date.now, onError: (error, context) => log.warn(context, { error }) });
  const ingestion = await startIngestion({ config, log, control, tenantDbs, hashKeys, coordination, sites, networkCompanies, leadChanges, webhooks, webhookDispatcher, enrichment, inBackground });
  const events = createEventStore({
    log: ingestion.log,
    requireConsentOf: async (tenantId) => (await sites.byTenant(tenantId))?.requireConsent ?? false,
    suppressions,
    backlog: ingestion.backlog,
    positions: ingestion.positions,
    maxPendingEventsPerTenant: config.INGEST_QUEUE_MAX_EVENTS_PER_TENANT,
    maxPendingEventsTotal: config.INGEST_QUEUE_MAX_EVENTS,
    onAppended: ingestion.appended,
  });

  return {
    db,
    control,
    tenantDbs,
    orm,
    coordination,
    temporal,
    temporalClient,
    secrets,
    dataKeys,
    payloadCodec,
    operatorCodec,
    requestSubjects,
    hashKeys,
    outbound,
    keys,
    ledger,
    provisioning,
    audit: createAuditLog({ control }),
    apiKeys: createApiKeyService({ control, revocations: keys }),
    grants: createCreditGrants({ control, ledger }),
    trackingSettings: createTrackingSettingsService({ sites, claims: pixelHosts }),
    consent: createConsentService({ hashKeys, now: () => new Date() }),
    events,
    ingestion,
    leads: createLeadService({ events, networkCompanies, now: () => new Date() }),
    sites,
    pixelHosts,
    asnTable,
    geoLookup: lazyGeoLookup(),
    networkCompanies,
    enrichment,
    leadChanges,
    scoring: createScoringService({ rescoring: createRescoreStarter({ client: temporalClient, taskQueue }) }),
    segments,
    schedules,
    webhooks,
    webhookDispatcher,
    privacy: createPrivacyService({ requests: createPrivacyRequestStarter({ client: temporalClient, taskQueue }), subjects: requestSubjects }),
    offboarding: createTenantOffboarding({ control, start: createOffboardingStarter({ client: temporalClient, taskQueue }) }),
    readiness: {
      postgres: () => db.ping(),
      redis: () => coordination.ping(),
      temporal: async () => {
        await temporal.workflowService.getSystemInfo({});
      },
    },
    async close() {
      // Writes already handed to the store finish before the pool they need goes away; the processor finishes its chunk.
      await events.drain();
      await ingestion.stop();
      await leadChanges.drain();
      background.abort();
      await keys.stop();
      await suppressions.stop();
      await outbound.close();
      await temporal.close();
      await coordination.close();
      await orm.close();
      await db.close();
    },
  };
}

/**
 * The ingestion log's moving parts: the backlog bound, read-your-writes
 * waiters, and (unless this process only appends) the processor, woken by
 * this process's appends and by other processes' over pub/sub. What a chunk
 * tells after its commit: subscribers, the webhook deliveries it recorded,
 * automatic enrichment.
 */
async function startIngestion(deps: {
  config: Config;
  log: Logger;
  hashKeys: HashKeys;
  control: ControlDb;
  tenantDbs: TenantDatabases;
  coordination: Coordination;
  sites: TrackingSites;
  networkCompanies: NetworkCompanies;
  leadChanges: LeadChangePipeline;
  webhooks: WebhookRegistry;
  webhookDispatcher: WebhookDispatcher;
  enrichment: EnrichmentService;
  inBackground: <T>(call: () => Promise<T>) => Promise<T>;
}) {
  const { config, log, coordination, inBackground } = deps;
  const pubsub = coordination.pubsub;
  const ingestLog = createPostgresIngestLog(deps.control);
  const positions = createProcessedPositions({ read: ingestLog.processed });
  const backlog = createBacklogGate({
    read: ingestLog.backlog,
    bounds: { perTenant: config.INGEST_MAX_BACKLOG_PER_TENANT, total: config.INGEST_MAX_BACKLOG, urgentPerTenant: config.INGEST_MAX_URGENT_BACKLOG_PER_TENANT },
    refreshMs: 250,
    onError: (error) => log.warn('ingestion backlog not read', { error }),
  });
  const stats = createIngestStats();
  const publishToTenant = publishToSubscribers(pubsub);
  const processor =
    config.INGEST_PROCESSOR_CONCURRENCY === 0
      ? undefined
      : createLogProcessor({
          log: ingestLog,
          control: deps.control,
          tenantDbs: deps.tenantDbs,
          networkCompanies: deps.networkCompanies,
          ipStorageOf: async (tenantId) => (await deps.sites.byTenant(tenantId))?.ipStorage ?? 'full',
          hashKeys: deps.hashKeys,
          evaluate: (tx, leadIds) => deps.leadChanges.changesOf(tx, leadIds),
          enqueueDeliveries: enqueueChangeDeliveries(deps.webhooks),
          async tell(tenant, effects) {
            await publishToTenant(tenant, effects.changes);
            if (effects.deliveryIds.length > 0) await inBackground(() => deps.webhookDispatcher.dispatch(tenant, effects.deliveryIds));
            for (const source of ['tenant', 'public'] as const) {
              const leads = effects.identified[source];
              if (leads.length > 0) await inBackground(() => deps.enrichment.enrichIdentified(tenant, leads, { source }));
            }
            // A lead that now reaches the tenant's automatic enrichment rule (a score, a segment) is enriched.
            if (effects.changes.length > 0) await inBackground(() => deps.enrichment.afterEvaluation(tenant, effects.changes));
          },
          ...(config.INGEST_FAULT === 'kill-after-tell' ? { afterTell: () => process.kill(process.pid, 'SIGKILL') } : {}),
          onProcessed(tenant, lane, position, chunk) {
            stats.record(lane, chunk, Date.now());
            positions.advanced(tenant.tenantId, lane, position);
            const message: LaneMessage = { tenantId: tenant.tenantId, schema: tenant.schema, lane, position };
            pubsub.publish(INGEST_PROCESSED_CHANNEL, JSON.stringify(message)).catch((error: unknown) => log.warn('ingestion progress not published', { error }));
          },
          logger: log,
          chunk: { urgent: 100, bulk: config.INGEST_CHUNK_EVENTS, bulkWhileUrgent: Math.min(250, config.INGEST_CHUNK_EVENTS), evaluationLeads: 2_000 },
          concurrency: config.INGEST_PROCESSOR_CONCURRENCY,
          sweepMs: config.INGEST_RECOVER_AFTER_SECONDS === 0 ? 5_000 : Math.min(5_000, config.INGEST_RECOVER_AFTER_SECONDS * 1000),
          recoverAfterMs: config.INGEST_RECOVER_AFTER_SECONDS === 0 ? undefined : config.INGEST_RECOVER_AFTER_SECONDS * 1000,
          retainDays: config.INGEST_LOG_RETENTION_DAYS,
          // A closing process then aborts what its tells still wait for (see close); the outbox keeps them.
          tellGraceMs: 5_000,
          now: () => new Date(),
        });
  const laneMessage = (text: string): LaneMessage | undefined => {
    try {
      return JSON.parse(text) as LaneMessage;
    } catch {
      return undefined;
    }
  };
  const unsubscribe = await Promise.all([
    pubsub.subscribe(INGEST_PROCESSED_CHANNEL, (text) => {
      const message = laneMessage(text);
      if (message?.position !== undefined) positions.advanced(message.tenantId, message.lane, message.position);
    }),
    ...(processor === undefined
      ? []
      : [
          pubsub.subscribe(INGEST_APPENDED_CHANNEL, (text) => {
            const message = laneMessage(text);
            if (message !== undefined) processor.wake({ tenantId: message.tenantId, schema: message.schema }, message.lane);
          }),
        ]),
  ]);
  return {
    log: ingestLog,
    processor,
    backlog,
    stats,
    positions,
    /** This process's processor takes its own appends; a process without one asks the others. */
    appended(tenant: TenantDb, lane: Lane) {
      if (processor !== undefined) processor.wake(tenant, lane);
      else {
        const message: LaneMessage = { tenantId: tenant.tenantId, schema: tenant.schema, lane };
        pubsub.publish(INGEST_APPENDED_CHANNEL, JSON.stringify(message)).catch((error: unknown) => log.warn('ingestion append not announced', { error }));
      }
    },
    async stop() {
      backlog.stop();
      await Promise.all(unsubscribe.map((off) => off()));
      await processor?.stop();
    },
  };
}

/**
 * Control schema first (through MIGRATION_DATABASE_URL when set: the role
 * that owns it, not the application's), then every tenant as the application
 * (which owns the tenant schemas it makes); a tenant that fails is named and stops the start.
 */
export async function migrateEverything(services: PlatformServices, config: Config, log: Logger): Promise<void> {
  const owner =
    config.MIGRATION_DATABASE_URL === undefined ? undefined : createDatabase({ url: config.MIGRATION_DATABASE_URL, poolSize: 1, applicationName: 'leadgraph-migrations' });
  const control = await migrateControl(owner ?? services.db, controlMigrations).finally(() => owner?.close());
  if (control.applied.length > 0) log.info('control schema migrated', { applied: control.applied });
  await warnIfLedgerUnguarded(services.control, log);
  const fanOut = await migrateAllTenants(services.db, tenantMigrations, config.TENANT_MIGRATION_CONCURRENCY);
  if (fanOut.failed.length > 0) {
    throw new Error(`tenant migrations failed: ${fanOut.failed.map((f) => `${f.schema}: ${f.error}`).join('; ')}`);
  }
  if (fanOut.migrated > 0) log.info('tenant schemas migrated', { tenants: fanOut.tenants, migrated: fanOut.migrated });
}
