/**
 * The platform's network data in the control schema, public registry data
 * every tenant shares: `rdap_networks` (the RDAP answers' cache) and
 * `peeringdb_networks` with its `peeringdb_sync_state`.
 */
import { sql } from 'kysely';
import type { ControlDb } from '../postgres/control-db.js';

// ---- rdap_networks ----

/** The smallest unexpired cached network of `block` containing `address`. */
export async function freshRdapRow(control: ControlDb, lookup: { block: string; address: string; now: Date }) {
  return control.kysely
    .selectFrom('rdap_networks')
    .select(['network', 'fetched_at'])
    .where('block', '=', sql<string>`${lookup.block}::cidr`)
    .where('start_address', '<=', sql<string>`${lookup.address}::inet`)
    .where('end_address', '>=', sql<string>`${lookup.address}::inet`)
    .where('expires_at', '>', lookup.now)
    .orderBy('start_address', 'desc')
    .orderBy('end_address', 'asc')
    .limit(1)
    .executeTakeFirst();
}

export interface RdapRowWrite {
  readonly block: string;
  readonly start: string;
  readonly end: string;
  readonly handle: string | null;
  /** The network as JSON text, or null for "no registry holds it". */
  readonly network: string | null;
  readonly now: Date;
  readonly expires: Date;
}

/** Stale rows of other blocks removed with each row stored: more than one, so the stale set shrinks while misses go on. */
const SWEEP_ROWS = 32;

/**
 * Writes one answer and, in the same statement, prunes the block's expired
 * rows (never the row being written, which one statement must not both delete
 * and update) and sweeps a few expired rows of other blocks. Its shape is its
 * speed (one round trip on the enrichment path): kept as written.
 */
export async function storeRdapRow(control: ControlDb, row: RdapRowWrite): Promise<void> {
  await control.query(
    `with pruned as (
       delete from control.rdap_networks
        where block = $1::cidr and expires_at <= $6 and (start_address, end_address) <> ($2::inet, $3::inet)
     ), swept as (
       delete from control.rdap_networks
        where ctid = any(array(select ctid from control.rdap_networks
                                where expires_at <= $6 and block <> $1::cidr
                                order by expires_at limit ${SWEEP_ROWS}))
     )
     insert into control.rdap_networks (block, start_address, end_address, handle, network, fetched_at, expires_at)
     values ($1::cidr, $2::inet, $3::inet, $4, $5::jsonb, $6, $7)
     on conflict (block, start_address, end_address) do update
       set handle = excluded.handle, network = excluded.network, fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
    [row.block, row.start, row.end, row.handle, row.network, row.now, row.expires],
  );
}

// ---- peeringdb_networks ----

export async function peeringDbNetworkRow(control: ControlDb, asn: number) {
  return control.kysely
    .selectFrom('peeringdb_networks')
    .select(['asn', 'name', 'info_type', 'info_types', 'website', 'updated_at', 'synced_at'])
    .where('asn', '=', asn)
    .executeTakeFirst();
}

/** A deleted record as a sync page names it: only a deletion newer than the stored record removes it. */
export interface PeeringDbDeletion {
  readonly asn: number;
  readonly id: number;
  readonly updated: string;
}

/** Removes the records a page deleted, by ASN and PeeringDB id (never a newer record that took the ASN); how many. */
export async function deletePeeringDbNetworks(control: ControlDb, gone: readonly PeeringDbDeletion[]): Promise<number> {
  if (gone.length === 0) return 0;
  // One statement for the page: a JSON record set, which the builder has no form for.
  const rows = await control.query<{ asn: number }>(
    `delete from control.peeringdb_networks n using jsonb_to_recordset($1::jsonb) as r(asn bigint, id integer, updated timestamptz)
      where n.asn = r.asn and n.peeringdb_id = r.id and n.updated_at <= r.updated returning n.asn`,
    [JSON.stringify(gone)],
  );
  return rows.length;
}

/** A live record as a sync page lists it. */
export interface PeeringDbUpsert {
  readonly asn: number;
  readonly id: number;
  readonly name: string;
  readonly info_type: string;
  readonly info_types: readonly string[];
  readonly website: string | null;
  readonly updated: string;
}

/** Stores a page's live records; an older copy of a record (a page read twice) never overwrites a newer one. How many. */
export async function upsertPeeringDbNetworks(control: ControlDb, live: readonly PeeringDbUpsert[], now: Date): Promise<number> {
  if (live.length === 0) return 0;
  const rows = await control.query<{ asn: number }>(
    `insert into control.peeringdb_networks (asn, peeringdb_id, name, info_type, info_types, website, updated_at, synced_at)
     select r.asn, r.id, r.name, r.info_type, array(select jsonb_array_elements_text(r.info_types)), r.website, r.updated, $2
       from jsonb_to_recordset($1::jsonb) as r(asn bigint, id integer, name text, info_type text, info_types jsonb, website text, updated timestamptz)
     on conflict (asn) do update set peeringdb_id = excluded.peeringdb_id, name = excluded.name, info_type = excluded.info_type,
       info_types = excluded.info_types, website = excluded.website, updated_at = excluded.updated_at, synced_at = excluded.synced_at
     where control.peeringdb_networks.updated_at <= excluded.updated_at
     returning asn`,
    [JSON.stringify(live), now],
  );
  return rows.length;
}

// ---- peeringdb_sync_state ----

export async function peeringDbSyncStateRow(control: ControlDb, source: string) {
  return control.kysely.selectFrom('peeringdb_sync_state').select(['since', 'full_synced_at']).where('source', '=', source).executeTakeFirst();
}

export async function savePeeringDbSyncState(control: ControlDb, state: { source: string; since: Date; fullSyncedAt: Date; now: Date }): Promise<void> {
  await control.kysely
    .insertInto('peeringdb_sync_state')
    .values({ source: state.source, since: state.since, full_synced_at: state.fullSyncedAt, synced_at: state.now })
    .onConflict((oc) =>
      oc.column('source').doUpdateSet((eb) => ({
        since: eb.ref('excluded.since'),
        full_synced_at: eb.ref('excluded.full_synced_at'),
        synced_at: eb.ref('excluded.synced_at'),
      })),
    )
    .execute();
}
