import type { ControlMigration } from '../migration.js';

/**
 * Networks as their operators describe them in PeeringDB, synced where the
 * deployment configures it (PEERINGDB_URL): the declared type is evidence of
 * a network's kind that no name heuristic gives. One row per ASN, looked up
 * by it; `peeringdb_id` is the record's own id, so removing a deleted record
 * never removes a newer record of the same ASN.
 *
 * The sync state is kept per source URL: a deployment pointed at another
 * PeeringDB (a mirror) starts with a full sync of it, not an incremental one
 * from a point in someone else's history.
 */
export const peeringDbNetworksMigration: ControlMigration = {
  name: '0009-peeringdb-networks',
  up: () => [
    `create table control.peeringdb_networks (
       asn bigint primary key check (asn between 1 and 4294967295),
       peeringdb_id integer not null,
       name text not null,
       info_type text not null default '',
       info_types text[] not null default '{}',
       website text,
       updated_at timestamptz not null,
       synced_at timestamptz not null default now()
     )`,
    `create table control.peeringdb_sync_state (
       source text primary key,
       -- The next incremental sync asks for records changed since this (PeeringDB's 'since').
       since timestamptz not null,
       full_synced_at timestamptz not null,
       synced_at timestamptz not null default now()
     )`,
  ],
};
