import type { ControlMigration } from '../migration.js';
import { platformMigration } from './0001-platform.migration.js';
import { creditsMigration } from './0002-credits.migration.js';
import { auditMigration } from './0003-audit.migration.js';
import { pixelSecretsMigration } from './0004-pixel-secrets.migration.js';
import { ledgerKindsMigration } from './0005-ledger-kinds.migration.js';
import { tenantDeletionsMigration } from './0006-tenant-deletions.migration.js';
import { pixelHostProofMigration } from './0007-pixel-host-proof.migration.js';
import { rdapNetworksMigration } from './0008-rdap-networks.migration.js';
import { peeringDbNetworksMigration } from './0009-peeringdb-networks.migration.js';
import { ingestPositionsMigration } from './0010-ingest-positions.migration.js';
import { creditReservationsMigration } from './0011-credit-reservations.migration.js';
import { tenantDataKeysMigration } from './0012-tenant-data-keys.migration.js';

/** In order; append only. A released migration is never edited. */
export const controlMigrations: readonly ControlMigration[] = [
  platformMigration,
  creditsMigration,
  auditMigration,
  pixelSecretsMigration,
  ledgerKindsMigration,
  tenantDeletionsMigration,
  pixelHostProofMigration,
  rdapNetworksMigration,
  peeringDbNetworksMigration,
  ingestPositionsMigration,
  creditReservationsMigration,
  tenantDataKeysMigration,
];
