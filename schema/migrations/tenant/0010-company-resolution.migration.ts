import type { TenantMigration } from '../migration.js';

/** The default provider order before this migration: a tenant still on it never chose one. */
const OLD_DEFAULT_WATERFALL = '{tenant-dataset,ip-organization,email-verification,company-homepage}';
const NEW_DEFAULT_WATERFALL = '{tenant-dataset,ip-organization,email-verification,company-homepage,dns-records}';

/**
 * Company resolution and company facts:
 * - `companies.mail_provider`, `saas`, `dmarc_policy`: what the company's DNS
 *   says, as columns so scoring and segment rules read them like the others.
 * - `companies.facts`: every fact a source gave about the company, by field
 *   (`company.name`, `company.logo`, ...), each `{ value, source, confidence,
 *   fetchedAt }`: the provenance of the columns and of the facts that have none.
 * - `leads.company_link`: why the lead belongs to its company (`{ domain,
 *   source, confidence, reason, alternatives }`); null on a link made before
 *   this or by ingestion, whose source the next enrichment infers.
 * - The free `dns-records` provider joins the default waterfall, and the
 *   waterfall of every tenant still on the old default (one that chose its
 *   own order keeps it).
 */
export const companyResolutionMigration: TenantMigration = {
  name: '0010-company-resolution',
  up: (s) => [
    `alter table ${s}.companies
       add column mail_provider text,
       add column saas text[] not null default '{}',
       add column dmarc_policy text,
       add column facts jsonb not null default '{}'`,
    `alter table ${s}.leads add column company_link jsonb`,
    `alter table ${s}.enrichment_settings alter column waterfall set default '${NEW_DEFAULT_WATERFALL}'`,
    `update ${s}.enrichment_settings set waterfall = '${NEW_DEFAULT_WATERFALL}', updated_at = now() where waterfall = '${OLD_DEFAULT_WATERFALL}'`,
  ],
};
