import { z } from 'zod';
import type { RdapNetwork } from '../../intelligence/network/rdap-network.js';
import { rdapCacheBlock, rdapCacheSpan } from '../../intelligence/network/rdap-cache-span.js';
import { success, type Outcome } from '../outcome.js';
import type { Sql } from '../postgres/database.js';
import type { RdapClient } from './rdap-client.js';

/** A fresh cached answer: the network, or undefined when no registry holds the address. */
export interface CachedRdapAnswer {
  readonly network: RdapNetwork | undefined;
  readonly fetchedAt: Date;
}

export interface RdapCache {
  /** The smallest fresh cached network containing the address; undefined when nothing fresh is cached for it (or it is not an address). */
  find(address: string): Promise<CachedRdapAnswer | undefined>;
  /** The registry's answer for `address`: its network, or undefined for "none" (kept `missTtlDays`). */
  store(address: string, network: RdapNetwork | undefined): Promise<void>;
}

export interface RdapCacheDeps {
  /** The control schema's handle: the rows are public registry data, shared by every tenant. */
  readonly db: Sql;
  /** How long a network is answered from the cache (RDAP_CACHE_DAYS). */
  readonly ttlDays: number;
  /** How long "no registry holds this" is; shorter, as unallocated space gets allocated. */
  readonly missTtlDays?: number;
  readonly now: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Stale rows of other blocks removed with each row stored: more than one, so the stale set shrinks while misses go on. */
const SWEEP_ROWS = 32;

interface Row {
  readonly network: unknown;
  readonly fetched_at: Date;
}

// Checked on the way out: a row written by an older release with another shape counts as not cached.
const storedNetwork: z.ZodType<RdapNetwork> = z.object({
  handle: z.string(),
  name: z.string().optional(),
  type: z.string().optional(),
  startAddress: z.string(),
  endAddress: z.string(),
  country: z.string().optional(),
  registrant: z.object({ name: z.string(), handle: z.string().optional() }).optional(),
  domains: z.array(z.string()),
  remarks: z.array(z.string()),
  parentHandle: z.string().optional(),
});

/**
 * `control.rdap_networks` (migration 0008): one row per answer and block,
 * found by one btree range scan of the address's block.
 */
export function createRdapCache(deps: RdapCacheDeps): RdapCache {
  const missTtlDays = deps.missTtlDays ?? 1;
  return {
    async find(address) {
      const block = rdapCacheBlock(address);
      if (block === undefined) return undefined;
      const [row] = await deps.db.query<Row>(
        `select network, fetched_at
           from control.rdap_networks
          where block = $1::cidr and start_address <= $2::inet and end_address >= $2::inet and expires_at > $3
          order by start_address desc, end_address asc
          limit 1`,
        [block.block, block.address, deps.now()],
      );
      if (row === undefined) return undefined;
      if (row.network === null) return { network: undefined, fetchedAt: row.fetched_at };
      const stored = storedNetwork.safeParse(row.network);
      return stored.success ? { network: stored.data, fetchedAt: row.fetched_at } : undefined;
    },

    async store(address, network) {
      const span = rdapCacheSpan(address, network);
      if (span === undefined) return;
      const now = deps.now();
      const expires = new Date(now.getTime() + (network === undefined ? missTtlDays : deps.ttlDays) * DAY_MS);
      // Expired rows of the block go in the same statement, never the row being written, which one statement must
      // not both delete and update; and a few expired rows of blocks nobody asks about any more, so the table stays
      // as large as the blocks still asked about (each row stored sweeps up to SWEEP_ROWS stale ones).
      await deps.db.query(
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
        [span.block, span.start, span.end, network?.handle ?? null, network === undefined ? null : JSON.stringify(network), now, expires],
      );
    },
  };
}

export interface RdapLookup {
  /** As `RdapClient.lookupIp`: the network, undefined for "no registry holds it", or why the registries gave no answer. */
  lookupIp(address: string, signal?: AbortSignal): Promise<Outcome<RdapNetwork | undefined>>;
}

/**
 * The cache in front of the registries: a fresh row answers with no request;
 * otherwise the registry is asked and its answer (a network or "none") kept.
 * Failures are not kept: the next visit asks again.
 */
export function createRdapLookup(deps: { readonly client: RdapClient; readonly cache: RdapCache }): RdapLookup {
  return {
    async lookupIp(address, signal) {
      const cached = await deps.cache.find(address);
      if (cached !== undefined) return success(cached.network);
      const answer = await deps.client.lookupIp(address, signal);
      if (answer.ok) await deps.cache.store(address, answer.value);
      return answer;
    },
  };
}
