import { describe, expect, it } from 'vitest';
import { CARRIER_GROUP_WORDS, HOSTING_GROUP_WORDS, KNOWN_NETWORK_KINDS } from '../../../intelligence/ip/known-networks.js';
import { classifyNetwork, mayBeVisitingCompany } from '../../../intelligence/ip/network-kind.js';
import { HELD_OUT_SETS, TUNING_NETWORKS, type LabelledNetwork } from './network-fixtures.js';

function score(networks: readonly LabelledNetwork[]): { right: number; shownAsCompany: number; businessHidden: number } {
  let right = 0;
  let shownAsCompany = 0;
  let businessHidden = 0;
  for (const network of networks) {
    const kind = classifyNetwork(network.asn, network.name);
    if (kind === network.kind) right += 1;
    else if (network.kind === 'business') businessHidden += 1;
    else if (mayBeVisitingCompany(kind)) shownAsCompany += 1;
  }
  return { right, shownAsCompany, businessHidden };
}

/*
 * How a held-out set stays honest: each was written from public knowledge by
 * a session that had not seen the classifier, and scored once. The first four
 * (50.0 % on the old heuristic, then 93.8 %, 90.3 % and 96.2 %) were looked at
 * while tuning, so they joined the tuning set. Sets a and b were scored once
 * on 2026-12-07, after the small networks labelled by operator
 * (small-networks-by-operator.ts): a 424 of 433 (97.9 %), b 775 of 787
 * (98.5 %), together 1,199 of 1,220 (98.3 %; issue 13 asks for 98 %). Only
 * these counts are checked here, so that their misses stay unseen; these
 * floors keep what was reached from slipping back.
 */
const HELD_OUT_FLOORS = {
  a: { right: 424, shownAsCompany: 7, businessHidden: 0 },
  b: { right: 775, shownAsCompany: 4, businessHidden: 5 },
} as const;
const TUNING_FLOOR = { right: 870, shownAsCompany: 1, businessHidden: 0 } as const;

describe('the labelled network sets', () => {
  it.each(Object.entries(HELD_OUT_SETS))('hold in held-out set %s at least 400 networks of every inhabited continent and every kind, in no other set', (name, networks) => {
    expect(networks.length).toBeGreaterThanOrEqual(400);
    expect(new Set(networks.map((n) => n.continent)).size).toBe(6);
    expect(new Set(networks.map((n) => n.kind)).size).toBe(3);
    const elsewhere = new Set([...TUNING_NETWORKS, ...Object.entries(HELD_OUT_SETS).filter(([other]) => other !== name).flatMap(([, set]) => set)].map((n) => n.asn));
    expect(networks.filter((n) => elsewhere.has(n.asn))).toEqual([]);
    expect(new Set(networks.map((n) => n.asn)).size).toBe(networks.length);
  });
});

describe('classifyNetwork', () => {
  it.each(Object.entries(HELD_OUT_SETS))('gets held-out set %s right at least as often as when it was scored', (name, networks) => {
    const floor = HELD_OUT_FLOORS[name as keyof typeof HELD_OUT_FLOORS];
    const { right, shownAsCompany, businessHidden } = score(networks);
    expect(right).toBeGreaterThanOrEqual(floor.right);
    expect(shownAsCompany).toBeLessThanOrEqual(floor.shownAsCompany);
    expect(businessHidden).toBeLessThanOrEqual(floor.businessHidden);
  });

  it('gets together 98 % of the held-out networks right', () => {
    const all = Object.values(HELD_OUT_SETS).flat();
    expect(score(all).right / all.length).toBeGreaterThanOrEqual(0.98);
  });

  it('gets the tuning networks right at least as often as when it was tuned', () => {
    const { right, shownAsCompany, businessHidden } = score(TUNING_NETWORKS);
    expect(right).toBeGreaterThanOrEqual(TUNING_FLOOR.right);
    expect(shownAsCompany).toBeLessThanOrEqual(TUNING_FLOOR.shownAsCompany);
    expect(businessHidden).toBeLessThanOrEqual(TUNING_FLOOR.businessHidden);
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
