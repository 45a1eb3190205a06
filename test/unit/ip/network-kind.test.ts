import { describe, expect, it } from 'vitest';
import { CARRIER_GROUP_WORDS, HOSTING_GROUP_WORDS, KNOWN_NETWORK_KINDS } from '../../../intelligence/ip/known-networks.js';
import { classifyNetwork, mayBeVisitingCompany } from '../../../intelligence/ip/network-kind.js';
import { HELD_OUT_NETWORKS, NEXT_HELD_OUT_NETWORKS, TUNING_NETWORKS, type LabelledNetwork } from './network-fixtures.js';

function score(networks: readonly LabelledNetwork[]): { right: number; shownAsCompany: LabelledNetwork[] } {
  let right = 0;
  const shownAsCompany: LabelledNetwork[] = [];
  for (const network of networks) {
    const kind = classifyNetwork(network.asn, network.name);
    if (kind === network.kind) right += 1;
    if (network.kind !== 'business' && mayBeVisitingCompany(kind)) shownAsCompany.push(network);
  }
  return { right, shownAsCompany };
}

/*
 * How the held-out set stays honest: each was written from public knowledge
 * by a session that had not seen the classifier, and scored once. The first
 * three (50.0 % on the old heuristic, then 93.8 % and 90.3 %) were looked at
 * while tuning, so they joined the tuning set. The fourth,
 * networks-held-out.json (394 networks, 70 % of them small), scored 379 of
 * 394 (96.2 %) after the day's hand labels and name words: 12 carriers and
 * hosts taken for a business network, every business network right. Its
 * misses are small carriers and hosts whose numbers no hand label holds and
 * whose names say nothing ("TPG Internet Pty Ltd", "NEXTDC Limited",
 * "nextdns, Inc."): what the enrichment's PeeringDB type, reverse DNS and
 * registry record decide (network-verdict.ts), which no offline set can
 * score. Issue 13 asks for 98 %; these floors keep what is reached from
 * slipping back.
 */
const HELD_OUT_FLOOR = 379 / 394;
const HELD_OUT_CARRIERS_AND_HOSTS_TAKEN_FOR_COMPANIES = 12;
const TUNING_FLOOR = 480 / 480;
const TUNING_CARRIERS_AND_HOSTS_TAKEN_FOR_COMPANIES = 0;

describe('the labelled network sets', () => {
  it('hold at least 390 held-out networks from every inhabited continent and every kind, apart from the tuning set', () => {
    expect(HELD_OUT_NETWORKS.length).toBeGreaterThanOrEqual(390);
    expect(new Set(HELD_OUT_NETWORKS.map((n) => n.continent)).size).toBe(6);
    expect(new Set(HELD_OUT_NETWORKS.map((n) => n.kind)).size).toBe(3);
    const tuned = new Set(TUNING_NETWORKS.map((n) => n.asn));
    expect(HELD_OUT_NETWORKS.filter((n) => tuned.has(n.asn))).toEqual([]);
    expect(new Set(HELD_OUT_NETWORKS.map((n) => n.asn)).size).toBe(HELD_OUT_NETWORKS.length);
  });
});

describe('the next held-out set', () => {
  // Only its shape: scoring it here would be looking at it.
  it('holds at least 200 networks of every kind and inhabited continent, none in the tuning or current held-out set', () => {
    expect(NEXT_HELD_OUT_NETWORKS.length).toBeGreaterThanOrEqual(200);
    expect(new Set(NEXT_HELD_OUT_NETWORKS.map((n) => n.continent)).size).toBe(6);
    expect(new Set(NEXT_HELD_OUT_NETWORKS.map((n) => n.kind)).size).toBe(3);
    const seen = new Set([...TUNING_NETWORKS, ...HELD_OUT_NETWORKS].map((n) => n.asn));
    expect(NEXT_HELD_OUT_NETWORKS.filter((n) => seen.has(n.asn))).toEqual([]);
    expect(new Set(NEXT_HELD_OUT_NETWORKS.map((n) => n.asn)).size).toBe(NEXT_HELD_OUT_NETWORKS.length);
  });
});

describe('classifyNetwork', () => {
  it('gets the held-out networks right at least as often as when they were scored', () => {
    const { right, shownAsCompany } = score(HELD_OUT_NETWORKS);
    expect(right / HELD_OUT_NETWORKS.length).toBeGreaterThanOrEqual(HELD_OUT_FLOOR);
    // No business network of the set is taken for a carrier or host: a company's visit is never hidden.
    expect(HELD_OUT_NETWORKS.filter((n) => n.kind === 'business' && classifyNetwork(n.asn, n.name) !== 'business')).toEqual([]);
    expect(shownAsCompany.length).toBeLessThanOrEqual(HELD_OUT_CARRIERS_AND_HOSTS_TAKEN_FOR_COMPANIES);
  });

  it('gets the tuning networks right at least as often as when it was tuned', () => {
    const { right, shownAsCompany } = score(TUNING_NETWORKS);
    expect(right / TUNING_NETWORKS.length).toBeGreaterThanOrEqual(TUNING_FLOOR);
    expect(shownAsCompany.length).toBeLessThanOrEqual(TUNING_CARRIERS_AND_HOSTS_TAKEN_FOR_COMPANIES);
  });

  it('trusts the number of a known network over its name', () => {
    expect(classifyNetwork(714, 'Apple Inc.')).toBe('business');
    expect(classifyNetwork(8167, 'V tal')).toBe('isp');
    expect(classifyNetwork(16509, 'Amazon.com, Inc.')).toBe('hosting');
    expect(classifyNetwork(6939, 'Hurricane Electric LLC')).toBe('hosting');
    expect(classifyNetwork(14593, 'Space Exploration Technologies Corporation')).toBe('isp');
  });

  it.each([
    ['Spartan Host Ltd', 'hosting'],
    ['Warsaw Datacenter Sp. z o.o.', 'hosting'],
    ['Serverius Holding B.V.', 'hosting'],
    ['China Telecom Cloud', 'hosting'],
    ['Leaseweb Japan K.K.', 'hosting'],
    ['Lumina broadband UAB', 'isp'],
    ['Yemen Mobile Company', 'isp'],
    ['VTR BANDA ANCHA S.A.', 'isp'],
    ['Vodafone Limited', 'isp'],
    ['Research and Education Advanced Network New Zealand Ltd', 'isp'],
    ['Egyptian Ministry of Communications and Information Technology', 'business'],
    ['Colorado State University', 'business'],
    ['Humble Independent School District', 'business'],
    ['Jungheinrich AG', 'business'],
    ['SoundCloud Ltd', 'business'],
    ['EchoStar Corporation', 'business'],
    ['', 'business'],
  ])('reads %j of an unknown number as %s', (organization, kind) => {
    expect(classifyNetwork(4_200_000_001, organization)).toBe(kind);
    expect(classifyNetwork(4_200_000_001, organization.toUpperCase())).toBe(kind);
  });

  it('never offers a hosting or ISP network as a visiting company', () => {
    expect(mayBeVisitingCompany('hosting')).toBe(false);
    expect(mayBeVisitingCompany('isp')).toBe(false);
    expect(mayBeVisitingCompany('business')).toBe(true);
  });

  it('keeps group words to one kind', () => {
    expect([...HOSTING_GROUP_WORDS].filter((word) => CARRIER_GROUP_WORDS.has(word))).toEqual([]);
    expect(KNOWN_NETWORK_KINDS.size).toBeGreaterThan(1000);
  });
});
