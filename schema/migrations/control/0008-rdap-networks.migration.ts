import type { ControlMigration } from '../migration.js';

/**
 * Registries' RDAP answers for visitors' addresses, public data shared by
 * every tenant. A row answers for `start_address`..`end_address`: the
 * network clipped to the asked address's /24 (IPv4) or /48 (IPv6), see
 * intelligence/network/rdap-cache-span.ts; `handle` and `network` null when
 * no registry holds the block (kept for less time than a network).
 *
 * Why a btree on (block, start, end) and not a GiST: with every row inside
 * one block, "the smallest fresh row containing the address" is an index
 * range scan of one block's few rows. Measured on 1.8 M rows (1 M /24s, a
 * tenth of them holding eight /27s), 20 000 random lookups: 65-72 µs each
 * here, 1.9-2.6 ms with a `cidr` column and a GiST `inet_ops` index, 6.9-8.5 ms
 * with a range type over `inet` and a GiST index.
 */
export const rdapNetworksMigration: ControlMigration = {
  name: '0008-rdap-networks',
  up: () => [
    `create table control.rdap_networks (
       block cidr not null,
       start_address inet not null,
       end_address inet not null,
       handle text,
       network jsonb,
       fetched_at timestamptz not null,
       expires_at timestamptz not null,
       primary key (block, start_address, end_address),
       check (start_address <= end_address and block >>= start_address and block >>= end_address),
       check ((handle is null) = (network is null))
     )`,
    // The sweep of expired rows that no lookup of their block will remove (rdap-cache.ts).
    `create index rdap_networks_expires_at on control.rdap_networks (expires_at)`,
  ],
};
