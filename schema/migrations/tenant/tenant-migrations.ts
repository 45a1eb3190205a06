import type { TenantMigration } from '../migration.js';
import { tenantSettingsMigration } from './0001-tenant-settings.migration.js';
import { trackingMigration } from './0002-tracking.migration.js';
import { companiesAndSessionsMigration } from './0003-companies-and-sessions.migration.js';
import { enrichmentMigration } from './0004-enrichment.migration.js';
import { scoringSegmentsWebhooksMigration } from './0005-scoring-segments-webhooks.migration.js';
import { privacyMigration } from './0006-privacy.migration.js';
import { webhookRedispatchMigration } from './0007-webhook-redispatch.migration.js';
import { automaticEnrichmentPolicyMigration } from './0008-automatic-enrichment-policy.migration.js';
import { suppressionHashVersionMigration } from './0009-suppression-hash-version.migration.js';
import { companyResolutionMigration } from './0010-company-resolution.migration.js';
import { enrichmentControlMigration } from './0011-enrichment-control.migration.js';
import { botEventsMigration } from './0012-bot-events.migration.js';
import { ipNetworkProviderMigration } from './0013-ip-network-provider.migration.js';
import { ingestLogMigration } from './0014-ingest-log.migration.js';
import { personalDataRetentionMigration } from './0015-personal-data-retention.migration.js';
import { deletionReceiptMigration } from './0016-deletion-receipt.migration.js';

/** In order; append only. Each reaches every tenant through the fan-out. */
export const tenantMigrations: readonly TenantMigration[] = [
  tenantSettingsMigration,
  trackingMigration,
  companiesAndSessionsMigration,
  enrichmentMigration,
  scoringSegmentsWebhooksMigration,
  privacyMigration,
  webhookRedispatchMigration,
  automaticEnrichmentPolicyMigration,
  suppressionHashVersionMigration,
  companyResolutionMigration,
  enrichmentControlMigration,
  botEventsMigration,
  ipNetworkProviderMigration,
  ingestLogMigration,
  personalDataRetentionMigration,
  deletionReceiptMigration,
];
