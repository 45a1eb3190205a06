import type { ControlDb } from '../platform/postgres/control-db.js';
import type { TenantDatabases } from '../tenants/tenant-db.js';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Coordination } from '../platform/coordination/coordination.js';
import type { Logger } from '../platform/logging/logger.js';
import type { MigrateTenantSchema } from '../tenants/provisioning/tenant-schema-migration.js';
import type { CreditLedger } from '../modules/credits/credit-ledger.js';
import { createEnrichBatchActivities } from './enrichment/enrich-batch.activities.js';
import { createEnrichLeadActivities } from './enrichment/enrich-lead.activities.js';
import { createEnrichmentDispatcher } from './enrichment/enrichment-dispatch.js';
import type { ProviderCatalog } from '../modules/enrichment/provider-catalog.js';
import type { LeadChangePipeline } from '../modules/lead-changes/lead-change-pipeline.js';
import { createRescoreActivities } from './scoring/rescore-leads.activities.js';
import { createSegmentWindowActivities } from './segments/segment-windows.activities.js';
import { createMigrateTenantsActivities } from './migrate-tenants/migrate-tenants.activities.js';
import type { SecretBox } from '../tenants/secrets/secret-box.js';
import type { TenantDataKeys } from '../tenants/secrets/tenant-data-keys.js';
import type { RequestSubjects } from '../modules/privacy/request-subjects.js';
import type { PayloadCodec } from '@temporalio/common';
import { dataConverterWith } from './data-converter.js';
import type { HashKeys } from '../tenants/secrets/hash-keys.js';
import type { GuardedHttpClient } from '../platform/outbound/guarded-http-client.js';
import type { WebhookRegistry } from '../modules/webhooks/webhook-registry.js';
import { createDeliverWebhookActivities } from './webhooks/deliver-webhook.activities.js';
import { createRetentionActivities } from './retention/retention.activities.js';
import { createDeletePersonActivities } from './privacy/delete-person.activities.js';
import { createExportPersonActivities } from './privacy/export-person.activities.js';
import type { KeyRevocations } from '../tenants/api-keys/key-resolver.js';
import type { TrackingSites } from '../modules/tracking-settings/tracking-site.js';
import type { PixelHostClaims } from '../modules/tracking-settings/pixel-host-claims.js';
import { createRecheckPixelHostsActivities } from './pixel-hosts/recheck-pixel-hosts.activities.js';
import { createSyncPeeringDbActivities } from './peeringdb/sync-peeringdb.activities.js';
import { createReleaseReservationsActivities } from './credits/release-reservations.activities.js';
import { createPeeringDbNetworks } from '../platform/network/peeringdb-networks.js';
import type { PeeringDbSettings } from '../platform/network/peeringdb-client.js';
import { createOffboardTenantActivities } from './offboarding/offboard-tenant.activities.js';
import { createTenantSchedules } from './tenant-schedules.js';
import type { WebhookDispatcher } from '../modules/webhooks/webhook-dispatcher.js';
import { isTenantActive } from '../tenants/tenant-status.js';

export interface WorkerDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly control: ControlDb;
  /** Binds workflow inputs to their tenants' handles, checked against the control schema. */
  readonly tenantDbs: TenantDatabases;
  /** Brings a tenant schema to the newest migration (the data layer's migrator, handed in). */
  readonly migrateTenantSchema: MigrateTenantSchema;
  readonly log: Logger;
  readonly ledger: CreditLedger;
  readonly coordination: Coordination;
  readonly catalog: ProviderCatalog;
  /** For activities that start workflows (a batch handing jobs to leads' workflows). */
  readonly client: Client;
  /** Scores and segments of leads the worker changed (an enrichment, a rescoring), and the messages about them. */
  readonly leadChanges: LeadChangePipeline;
  readonly batchConcurrency: number;
  /** Opens webhook signing secrets. */
  readonly secrets: SecretBox;
  /** Offboarding destroys the tenant's data key. */
  readonly dataKeys: TenantDataKeys;
  /** Who privacy requests are about, read by their activities rather than carried in their inputs. */
  readonly requestSubjects: RequestSubjects;
  /** Encrypts tenants' payloads in the histories this worker writes, and decrypts what it reads. */
  readonly payloadCodec: PayloadCodec;
  /** Suppression hashes and answer-cache names, keyed as the gateway keys them. */
  readonly hashKeys: HashKeys;
  /** Every request to a URL others chose (webhooks, homepages, vendors). */
  readonly outbound: GuardedHttpClient;
  /** For `lead.enriched`: deliveries made by the worker. */
  readonly webhooks: WebhookRegistry;
  readonly webhookDispatcher: WebhookDispatcher;
  /** Offboarding: a tenant's keys stop working on every gateway, its pixel hosts stop serving. */
  readonly revocations: KeyRevocations;
  readonly sites: Pick<TrackingSites, 'changed'>;
  /** Pixel hosts' DNS proofs, re-checked on the platform's schedule. */
  readonly pixelHosts: PixelHostClaims;
  /** PeeringDB's network types, synced on the platform's schedule; undefined where PEERINGDB_URL is not set. */
  readonly peeringDb?: PeeringDbSettings | undefined;
}

export interface RunningWorker {
  /** Settles when the worker stops; rejects if it failed. */
  readonly done: Promise<void>;
  shutdown(): Promise<void>;
}

export function createActivities(deps: WorkerDeps) {
  const now = () => new Date();
  const dispatcher = createEnrichmentDispatcher({ client: deps.client, taskQueue: deps.taskQueue, batchConcurrency: deps.batchConcurrency });
  return {
    ...createMigrateTenantsActivities(deps),
    ...createEnrichLeadActivities({ ...deps, now }),
    ...createEnrichBatchActivities({ tenantDbs: deps.tenantDbs, control: deps.control, dispatcher, catalog: deps.catalog, now }),
    ...createRescoreActivities(deps),
    ...createSegmentWindowActivities({ ...deps, now }),
    ...createDeliverWebhookActivities({ tenantDbs: deps.tenantDbs, secrets: deps.secrets, client: deps.outbound, log: deps.log }),
    ...createRetentionActivities({ tenantDbs: deps.tenantDbs, now }),
    ...createRecheckPixelHostsActivities({ claims: deps.pixelHosts }),
    ...createSyncPeeringDbActivities({ networks: createPeeringDbNetworks(deps.control), http: deps.outbound, settings: deps.peeringDb, now }),
    ...createReleaseReservationsActivities(deps),
    ...createDeletePersonActivities(deps),
    ...createExportPersonActivities(deps),
    ...createOffboardTenantActivities({
      ...deps,
      schedules: createTenantSchedules({ client: deps.client, taskQueue: deps.taskQueue, batchConcurrency: deps.batchConcurrency, tenantIsActive: (tenantId) => isTenantActive(deps.control, tenantId) }),
    }),
  };
}

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const worker = await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    dataConverter: dataConverterWith(deps.payloadCodec),
    activities: createActivities(deps),
  });
  const done = worker.run();
  deps.log.info('temporal worker running', { taskQueue: deps.taskQueue, namespace: deps.namespace });
  return {
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
