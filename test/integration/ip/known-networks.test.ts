import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CARRIER_GROUP_WORDS,
  HOSTING_GROUP_WORDS,
  KNOWN_NETWORK_KINDS,
  LARGE_NETWORK_ADDRESSES,
  LARGE_NETWORK_ASNS,
} from '../../../intelligence/ip/known-networks.js';
import { asnDatasetDirectory, IPV4_FILE, IPV6_FILE } from '../../../platform/ip-dataset/load-asn-dataset.js';
import { HELD_OUT_SETS, TUNING_NETWORKS } from '../../unit/ip/network-fixtures.js';

interface Network { addresses: number; names: Set<string> }

/** Per ASN: IPv4 addresses announced and the names it carries, read from the installed dataset. */
async function readNetworks(): Promise<Map<number, Network>> {
  const networks = new Map<number, Network>();
  const lines = createInterface({ input: createReadStream(join(asnDatasetDirectory(), IPV4_FILE)) });
  for await (const line of lines) {
    const [start, end, asn] = line.split(',', 3);
    const name = line.slice(`${start},${end},${asn},`.length).replace(/^"(.*)"$/, '$1').replace(/""/g, '"');
    const network = networks.get(Number(asn)) ?? { addresses: 0, names: new Set<string>() };
    network.addresses += Number(end) - Number(start) + 1;
    network.names.add(name);
    networks.set(Number(asn), network);
  }
  return networks;
}

describe('the hand-labelled networks against the installed @ip-location-db/asn', () => {
  let networks: Map<number, Network>;

  beforeAll(async () => {
    networks = await readNetworks();
  }, 60_000);

  it('label every network of at least LARGE_NETWORK_ADDRESSES IPv4 addresses, and only those, as LARGE', () => {
    const large = [...networks].filter(([, n]) => n.addresses >= LARGE_NETWORK_ADDRESSES).map(([asn]) => asn);
    expect(large.filter((asn) => !LARGE_NETWORK_ASNS.has(asn))).toEqual([]);
    expect([...LARGE_NETWORK_ASNS].filter((asn) => (networks.get(asn)?.addresses ?? 0) < LARGE_NETWORK_ADDRESSES)).toEqual([]);
    const share = large.reduce((sum, asn) => sum + (networks.get(asn)?.addresses ?? 0), 0) / [...networks.values()].reduce((sum, n) => sum + n.addresses, 0);
    expect(share).toBeGreaterThan(0.8);
  });

  it('keep each group word to networks of its own kind, at least two of them', () => {
    const words = (asn: number) => [...(networks.get(asn)?.names ?? [])].flatMap((name) => name.toLowerCase().match(/[a-z0-9]+/g) ?? []);
    for (const [groupWords, kind] of [[CARRIER_GROUP_WORDS, 'isp'], [HOSTING_GROUP_WORDS, 'hosting']] as const) {
      for (const word of groupWords) {
        const kinds = [...KNOWN_NETWORK_KINDS].filter(([asn]) => words(asn).includes(word)).map(([, k]) => k);
        expect(kinds.length, word).toBeGreaterThanOrEqual(2);
        expect(new Set(kinds), word).toEqual(new Set([kind]));
      }
    }
  });

  it('label only networks the dataset has (an IPv6-only one among them: AS18680, Akamai)', async () => {
    const ipv6 = new Set<number>();
    for await (const line of createInterface({ input: createReadStream(join(asnDatasetDirectory(), IPV6_FILE)) })) ipv6.add(Number(line.split(',', 3)[2]));
    expect([...KNOWN_NETWORK_KINDS.keys()].filter((asn) => !networks.has(asn) && !ipv6.has(asn))).toEqual([]);
  });

  it('carry the names the dataset gives the labelled networks', () => {
    for (const network of [...TUNING_NETWORKS, ...HELD_OUT_SETS.a, ...HELD_OUT_SETS.b]) {
      expect([...(networks.get(network.asn)?.names ?? [])], `AS${network.asn}`).toContain(network.name);
    }
  });
});
