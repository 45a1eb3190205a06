import type { ControlMigration } from '../migration.js';

/**
 * A pixel host serves only once its tenant has proved control of it in DNS
 * (or the operator gave it). Several tenants may hold a pending claim on one
 * name, so a squatter cannot block its owner; only one claim can be active.
 *
 * Rows from before carry no record of who added them. They stay active, as
 * `legacy` (and are not re-checked, like the operator's), because they were
 * accepted under the old rules and turning them off would break live sites;
 * the gateway still never serves one that names the platform itself. Those
 * that can never be a DNS name (an IPv4 literal, localhost, one label) go
 * back to pending, where no proof can ever activate them.
 */
export const pixelHostProofMigration: ControlMigration = {
  name: '0007-pixel-host-proof',
  up: () => [
    `alter table control.pixel_hosts
       add column status text not null default 'pending' check (status in ('pending', 'active')),
       add column origin text not null default 'tenant' check (origin in ('tenant', 'operator', 'legacy')),
       add column token text not null default replace(gen_random_uuid()::text, '-', ''),
       add column proven_by text check (proven_by in ('TXT', 'CNAME')),
       add column verified_at timestamptz,
       add column last_checked_at timestamptz,
       add column failed_checks integer not null default 0,
       add column last_check_error text`,
    `update control.pixel_hosts set origin = 'legacy',
       status = case when host ~ '(^|\\.)localhost$' or host !~ '\\.' or host ~ '\\.(\\d+|0x[0-9a-f]*)$' then 'pending' else 'active' end,
       verified_at = case when host ~ '(^|\\.)localhost$' or host !~ '\\.' or host ~ '\\.(\\d+|0x[0-9a-f]*)$' then null else created_at end`,
    `alter table control.pixel_hosts drop constraint pixel_hosts_pkey`,
    `alter table control.pixel_hosts add primary key (host, tenant_id)`,
    `create unique index pixel_hosts_active_host_idx on control.pixel_hosts (host) where status = 'active'`,
    // The re-check walks active hosts that a tenant proved.
    `create index pixel_hosts_recheck_idx on control.pixel_hosts (host) where status = 'active' and origin = 'tenant'`,
  ],
};
