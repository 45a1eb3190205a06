import type { TenantMigration } from '../migration.js';

/** The default provider order before this migration: a tenant still on it never chose one. */
const OLD_DEFAULT_WATERFALL = '{tenant-dataset,ip-organization,email-verification,company-homepage,dns-records}';
const NEW_DEFAULT_WATERFALL = '{tenant-dataset,ip-organization,ip-network,email-verification,company-homepage,dns-records}';

/**
 * The free `ip-network` provider (the visitor's location, reverse DNS name,
 * registry record and network kind, and the company of an organisation's own
 * network) joins the default waterfall after the local ASN lookup, and the
 * waterfall of every tenant still on the old default (one that chose its own
 * order keeps it).
 */
export const ipNetworkProviderMigration: TenantMigration = {
  name: '0013-ip-network-provider',
  up: (s) => [
    `alter table ${s}.enrichment_settings alter column waterfall set default '${NEW_DEFAULT_WATERFALL}'`,
    `update ${s}.enrichment_settings set waterfall = '${NEW_DEFAULT_WATERFALL}', updated_at = now() where waterfall = '${OLD_DEFAULT_WATERFALL}'`,
  ],
};
