import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyNetwork } from '../../../intelligence/ip/network-kind.js';
import { IPV4_FILE, IPV6_FILE, loadAsnDataset, type AsnDataset } from '../../../platform/ip-dataset/load-asn-dataset.js';

describe('the public ASN dataset (@ip-location-db/asn)', () => {
  let dataset: AsnDataset;

  beforeAll(async () => {
    dataset = await loadAsnDataset();
  }, 30_000);

  it('loads every range of both files', () => {
    expect(dataset.rows.ipv4).toBeGreaterThan(400_000);
    expect(dataset.rows.ipv6).toBeGreaterThan(50_000);
    expect(dataset.table.stats.ipv4Ranges + dataset.table.stats.overlapsResolved).toBeGreaterThanOrEqual(dataset.rows.ipv4);
    expect(dataset.table.stats.organizations).toBeGreaterThan(10_000);
    expect(dataset.loadMs).toBeGreaterThan(0);
  });

  it.each([
    ['1.1.1.1', 13335, /cloudflare/i, 'hosting'],
    ['8.8.8.8', 15169, /google/i, 'hosting'],
    ['52.94.76.1', 16509, /amazon/i, 'hosting'],
    ['73.0.0.1', 7922, /comcast/i, 'isp'],
    ['2001:4860:4860::8888', 15169, /google/i, 'hosting'],
    ['2606:4700:4700::1111', 13335, /cloudflare/i, 'hosting'],
    ['::ffff:8.8.8.8', 15169, /google/i, 'hosting'],
  ])('%s is AS%i and %s', (ip, asn, organization, kind) => {
    const match = dataset.table.lookup(ip);
    expect(match?.asn).toBe(asn);
    expect(match?.organization).toMatch(organization);
    expect(match && classifyNetwork(match.asn, match.organization)).toBe(kind);
  });

  it.each(['10.0.0.1', '192.168.1.1', '127.0.0.1', '::1', 'fe80::1', 'not an ip'])('%s belongs to no one', (ip) => {
    expect(dataset.table.lookup(ip)).toBeUndefined();
  });
});

describe('loading a malformed dataset', () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'lg-asn-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const write = async (ipv4: string, ipv6: string) => {
    await writeFile(join(directory, IPV4_FILE), ipv4);
    await writeFile(join(directory, IPV6_FILE), ipv6);
  };

  it('reads a small well-formed pair, quoted names included', async () => {
    await write('16777216,16777471,13335,"Cloudflare, Inc."\n', '42540528726795050063891204319802818560,42540528806023212578155541913346768895,2500,WIDE Project\n');
    const { table, rows } = await loadAsnDataset({ directory });
    expect(rows).toEqual({ ipv4: 1, ipv6: 1 });
    expect(table.lookup('1.0.0.7')).toEqual({ asn: 13335, organization: 'Cloudflare, Inc.' });
    expect(table.lookup('2001:200::1')).toEqual({ asn: 2500, organization: 'WIDE Project' });
  });

  it.each([
    ['a bound that is not a number', '1,2,3,A\n0x10,20,3,B\n', /asn-ipv4-num\.csv:2: a bound is not/],
    ['a bound above 32 bits', '1,4294967296,3,A\n', /asn-ipv4-num\.csv:1: a bound is not an unsigned 32-bit number/],
    ['an end before its start', '1,2,3,A\n\n9,8,3,B\n', /asn-ipv4-num\.csv:3: invalid IPv4 range/],
    ['a row with too few fields', '1,2\n', /asn-ipv4-num\.csv:1: expected 4 fields/],
    ['an unterminated quote', '1,2,3,"A\n', /asn-ipv4-num\.csv:1: unterminated quoted field/],
  ])('names the file and line of %s', async (_, ipv4, message) => {
    await write(ipv4, '');
    await expect(loadAsnDataset({ directory })).rejects.toThrow(message);
  });

  it('fails on a missing file', async () => {
    await expect(loadAsnDataset({ directory: join(directory, 'absent') })).rejects.toThrow(/ENOENT/);
  });
});
