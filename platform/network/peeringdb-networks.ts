import type { PeeringDbNetwork } from '../../intelligence/network/peeringdb-network.js';
import type { Sql } from '../postgres/database.js';

/**
 * The owner of `control.peeringdb_networks` and its sync state: the lookup
 * the enrichment uses (one primary-key read) and the writes of the sync.
 */

export interface StoredPeeringDbNetwork {
  readonly asn: number;
  readonly name: string;
  readonly infoType: string;
  readonly infoTypes: readonly string[];
  readonly website?: string;
  /** When PeeringDB last changed the record. */
  readonly updatedAt: Date;
  /** When this deployment last stored it. */
  readonly syncedAt: Date;
}

export interface PeeringDbSyncState {
  /** The next incremental sync asks for what changed since this. */
  readonly since: Date;
  readonly fullSyncedAt: Date;
}

export interface PeeringDbNetworks {
  find(asn: number): Promise<StoredPeeringDbNetwork | undefined>;
  /** Stores live records and removes deleted ones, in one statement each, in one transaction by the caller's choice. */
  apply(networks: readonly PeeringDbNetwork[], now: Date): Promise<{ upserted: number; deleted: number }>;
  syncState(source: string): Promise<PeeringDbSyncState | undefined>;
  saveSyncState(source: string, state: PeeringDbSyncState, now: Date): Promise<void>;
}

interface NetworkRow {
  asn: string;
  name: string;
  info_type: string;
  info_types: string[];
  website: string | null;
  updated_at: Date;
  synced_at: Date;
}

const ASN_MAX = 4_294_967_295;

export function createPeeringDbNetworks(db: Sql): PeeringDbNetworks {
  return {
    async find(asn) {
      if (!Number.isInteger(asn) || asn < 1 || asn > ASN_MAX) return undefined;
      const [row] = await db.query<NetworkRow>(
        'select asn, name, info_type, info_types, website, updated_at, synced_at from control.peeringdb_networks where asn = $1',
        [asn],
      );
      if (row === undefined) return undefined;
      return {
        asn: Number(row.asn),
        name: row.name,
        infoType: row.info_type,
        infoTypes: row.info_types,
        ...(row.website === null ? {} : { website: row.website }),
        updatedAt: row.updated_at,
        syncedAt: row.synced_at,
      };
    },

    async apply(networks, now) {
      // The last word on a record wins: a page lists records oldest change first.
      const latest = new Map<number, PeeringDbNetwork>();
      for (const network of networks) latest.set(network.id, network);
      // A deleted record removes only itself, never a newer record that took its ASN (checked by id below).
      const gone = [...latest.values()].filter((n) => n.status !== 'ok');
      const live = [...new Map([...latest.values()].filter((n) => n.status === 'ok').map((n) => [n.asn, n] as const)).values()];
      let upserted = 0;
      let deleted = 0;
      if (gone.length > 0) {
        const rows = await db.query<{ asn: string }>(
          // Only a deletion newer than the stored record: a record undeleted since stays.
          `delete from control.peeringdb_networks n using jsonb_to_recordset($1::jsonb) as r(asn bigint, id integer, updated timestamptz)
            where n.asn = r.asn and n.peeringdb_id = r.id and n.updated_at <= r.updated returning n.asn`,
          [JSON.stringify(gone.map((n) => ({ asn: n.asn, id: n.id, updated: n.updated.toISOString() })))],
        );
        deleted = rows.length;
      }
      if (live.length > 0) {
        const rows = await db.query<{ asn: string }>(
          `insert into control.peeringdb_networks (asn, peeringdb_id, name, info_type, info_types, website, updated_at, synced_at)
           select r.asn, r.id, r.name, r.info_type, array(select jsonb_array_elements_text(r.info_types)), r.website, r.updated, $2
             from jsonb_to_recordset($1::jsonb) as r(asn bigint, id integer, name text, info_type text, info_types jsonb, website text, updated timestamptz)
           on conflict (asn) do update set peeringdb_id = excluded.peeringdb_id, name = excluded.name, info_type = excluded.info_type,
             info_types = excluded.info_types, website = excluded.website, updated_at = excluded.updated_at, synced_at = excluded.synced_at
           -- An older copy of a record (a page read twice, a retried activity) never overwrites a newer one.
           where control.peeringdb_networks.updated_at <= excluded.updated_at
           returning asn`,
          [
            JSON.stringify(
              live.map((n) => ({ asn: n.asn, id: n.id, name: n.name, info_type: n.infoType, info_types: n.infoTypes, website: n.website ?? null, updated: n.updated.toISOString() })),
            ),
            now,
          ],
        );
        upserted = rows.length;
      }
      return { upserted, deleted };
    },

    async syncState(source) {
      const [row] = await db.query<{ since: Date; full_synced_at: Date }>('select since, full_synced_at from control.peeringdb_sync_state where source = $1', [source]);
      return row === undefined ? undefined : { since: row.since, fullSyncedAt: row.full_synced_at };
    },

    async saveSyncState(source, state, now) {
      await db.query(
        `insert into control.peeringdb_sync_state (source, since, full_synced_at, synced_at) values ($1, $2, $3, $4)
         on conflict (source) do update set since = excluded.since, full_synced_at = excluded.full_synced_at, synced_at = excluded.synced_at`,
        [source, state.since, state.fullSyncedAt, now],
      );
    },
  };
}
