import { z } from 'zod';
import type { RdapNetwork } from '../../intelligence/network/rdap-network.js';
import { rdapCacheBlock, rdapCacheSpan } from '../../intelligence/network/rdap-cache-span.js';
import { success, type Outcome } from '../outcome.js';
import type { ControlDb } from '../postgres/control-db.js';
import { freshRdapRow, storeRdapRow } from './network-data.repository.js';
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
  readonly control: ControlDb;
  /** How long a network is answered from the cache (RDAP_CACHE_DAYS). */
  readonly ttlDays: number;
  /** How long "no registry holds this" is; shorter, as unallocated space gets allocated. */
  readonly missTtlDays?: number;
  readonly now: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
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
      const row = await freshRdapRow(deps.control, { block: block.block, address: block.address, now: deps.now() });
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
      await storeRdapRow(deps.control, {
        block: span.block,
        start: span.start,
        end: span.end,
        handle: network?.handle ?? null,
        network: network === undefined ? null : JSON.stringify(network),
        now,
        expires,
      });
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
