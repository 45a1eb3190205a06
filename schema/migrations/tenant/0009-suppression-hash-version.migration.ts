import type { TenantMigration } from '../migration.js';

/**
 * Suppression hashes become keyed by a secret derived from the master key
 * (version 2). Rows already there were keyed by the tenant id (version 1):
 * they keep it, since only the hash was kept and an erasure must keep holding,
 * and go on matching through the old hash; rows inserted from now on are
 * version 2 by default, whatever code inserts them.
 */
export const suppressionHashVersionMigration: TenantMigration = {
  name: '0009-suppression-hash-version',
  up: (s) => [
    `alter table ${s}.suppressions add column hash_version smallint not null default 1 check (hash_version in (1, 2))`,
    `alter table ${s}.suppressions alter column hash_version set default 2`,
  ],
};
