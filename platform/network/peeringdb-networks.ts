import type { PeeringDbNetwork } from '../../intelligence/network/peeringdb-network.js';
import type { ControlDb } from '../postgres/control-db.js';
import { deletePeeringDbNetworks, peeringDbNetworkRow, peeringDbSyncStateRow, savePeeringDbSyncState, upsertPeeringDbNetworks } from './network-data.repository.js';

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

const ASN_MAX = 4_294_967_295;

export function createPeeringDbNetworks(control: ControlDb): PeeringDbNetworks {
  return {
    async find(asn) {
      if (!Number.isInteger(asn) || asn < 1 || asn > ASN_MAX) return undefined;
      const row = await peeringDbNetworkRow(control, asn);
      if (row === undefined) return undefined;
      return {
        asn: row.asn,
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
      const deleted = await deletePeeringDbNetworks(
        control,
        gone.map((n) => ({ asn: n.asn, id: n.id, updated: n.updated.toISOString() })),
      );
      const upserted = await upsertPeeringDbNetworks(
        control,
        live.map((n) => ({ asn: n.asn, id: n.id, name: n.name, info_type: n.infoType, info_types: n.infoTypes, website: n.website ?? null, updated: n.updated.toISOString() })),
        now,
      );
      return { upserted, deleted };
    },

    async syncState(source) {
      const row = await peeringDbSyncStateRow(control, source);
      return row === undefined ? undefined : { since: row.since, fullSyncedAt: row.full_synced_at };
    },

    async saveSyncState(source, state, now) {
      await savePeeringDbSyncState(control, { source, since: state.since, fullSyncedAt: state.fullSyncedAt, now });
    },
  };
}
