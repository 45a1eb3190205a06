import { describe, expect, it } from 'vitest';
import { buildAsnTable, createAsnTableBuilder, type Ipv4Range, type Ipv6Range } from '../../../intelligence/ip/asn-table-builder.js';
import { asnTableFromColumns } from '../../../intelligence/ip/asn-table.js';
import { ipv6ToBigInt, parseIpv4 } from '../../../intelligence/ip/parse-ip-address.js';

const v4 = (text: string): number => {
  const value = parseIpv4(text);
  if (value < 0) throw new Error(`bad test address ${text}`);
  return value;
};
const v6 = (text: string): bigint => {
  const value = ipv6ToBigInt(text);
  if (value === undefined) throw new Error(`bad test address ${text}`);
  return value;
};
const r4 = (start: string, end: string, asn: number, organization: string): Ipv4Range => ({ start: v4(start), end: v4(end), asn, organization });
const r6 = (start: string, end: string, asn: number, organization: string): Ipv6Range => ({ start: v6(start), end: v6(end), asn, organization });

const ipv4Rows = [
  r4('1.0.0.0', '1.0.0.255', 13335, 'Cloudflare, Inc.'),
  r4('1.0.1.0', '1.0.3.255', 64500, 'Example "B" Org'),
  // gap 1.0.4.0 – 1.0.7.255
  r4('1.0.8.0', '1.0.8.255', 64500, 'Example "B" Org'),
  // starts in the /16 2.0 and ends in 2.1: the range is found from the later prefix too
  r4('2.0.255.0', '2.1.0.255', 64501, 'Straddle'),
  // spans 256 /16 prefixes that hold no start of their own
  r4('9.0.0.0', '9.255.255.255', 64502, 'Wide'),
];
const ipv6Rows = [
  r6('2001:4860::', '2001:4860:ffff:ffff:ffff:ffff:ffff:ffff', 15169, 'Google LLC'),
  // bounds that differ only in the low words, across a 32-bit carry
  r6('2a00::ffff:ffff', '2a00::1:0:5', 64503, 'Carry'),
  r6('2606:4700::', '2606:4700:ffff:ffff:ffff:ffff:ffff:ffff', 13335, 'Cloudflare, Inc.'),
];
const table = buildAsnTable({ ipv4Rows, ipv6Rows });

describe('ASN table: IPv4', () => {
  it.each([
    ['1.0.0.0', 13335, 'first address of the first range'],
    ['1.0.0.255', 13335, 'last address of a range'],
    ['1.0.1.0', 64500, 'first address of the adjacent range'],
    ['1.0.3.255', 64500, 'last address before a gap'],
    ['1.0.8.0', 64500, 'first address after a gap'],
    ['2.0.255.0', 64501, 'start of a range crossing a /16'],
    ['2.1.0.0', 64501, 'inside it, in the next /16'],
    ['2.1.0.255', 64501, 'its end'],
    ['9.0.0.0', 64502, 'start of a wide range'],
    ['9.200.1.1', 64502, 'deep inside a wide range'],
    ['9.255.255.255', 64502, 'last address of the last range'],
  ])('%s is AS%i (%s)', (ip, asn) => {
    expect(table.lookup(ip)?.asn).toBe(asn);
  });

  it('returns the organisation, quotes and commas intact', () => {
    expect(table.lookup('1.0.0.1')).toEqual({ asn: 13335, organization: 'Cloudflare, Inc.' });
    expect(table.lookup('1.0.2.2')).toEqual({ asn: 64500, organization: 'Example "B" Org' });
  });

  it.each([
    ['0.0.0.0', 'the very first address, before the first range'],
    ['0.255.255.255', 'just before the first range'],
    ['1.0.4.0', 'first address of a gap'],
    ['1.0.7.255', 'last address of a gap'],
    ['2.0.254.255', 'just before a range crossing a /16'],
    ['2.1.1.0', 'just after it'],
    ['10.0.0.0', 'just after the last range'],
    ['255.255.255.255', 'the very last address'],
  ])('%s matches nothing (%s)', (ip) => {
    expect(table.lookup(ip)).toBeUndefined();
  });

  it('reaches ranges at both ends of the address space', () => {
    const edges = buildAsnTable({
      ipv4Rows: [r4('0.0.0.0', '0.0.0.0', 1, 'Zero'), r4('255.255.255.255', '255.255.255.255', 2, 'Top')],
    });
    expect(edges.lookup('0.0.0.0')?.asn).toBe(1);
    expect(edges.lookup('0.0.0.1')).toBeUndefined();
    expect(edges.lookup('255.255.255.254')).toBeUndefined();
    expect(edges.lookup('255.255.255.255')?.asn).toBe(2);
  });
});

describe('ASN table: IPv6', () => {
  it.each([
    ['2001:4860::', 15169],
    ['2001:4860:4860::8888', 15169],
    ['2001:4860:ffff:ffff:ffff:ffff:ffff:ffff', 15169],
    ['2001:4860:0000:0000:0000:0000:0000:0001', 15169],
    ['2606:4700:4700::1111', 13335],
    ['2a00::ffff:ffff', 64503],
    ['2a00::1:0:0', 64503],
    ['2a00::1:0:5', 64503],
  ])('%s is AS%i', (ip, asn) => {
    expect(table.lookup(ip)?.asn).toBe(asn);
  });

  it.each([
    ['2001:485f:ffff:ffff:ffff:ffff:ffff:ffff', 'just before a range'],
    ['2001:4861::', 'just after it'],
    ['2a00::ffff:fffe', 'one below a start whose low word is all ones'],
    ['2a00::1:0:6', 'one above an end after the carry'],
    ['2a00::ffff:ffff:ffff', 'above it in a higher word'],
    ['::', 'the first address'],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'the last address'],
    ['::1', 'loopback'],
  ])('%s matches nothing (%s)', (ip) => {
    expect(table.lookup(ip)).toBeUndefined();
  });

  it('reads IPv4-mapped IPv6 as the IPv4 address, in dotted and hex form', () => {
    expect(table.lookup('::ffff:1.0.0.1')?.asn).toBe(13335);
    expect(table.lookup('::FFFF:1.0.0.1')?.asn).toBe(13335);
    expect(table.lookup('0:0:0:0:0:ffff:1.0.0.1')?.asn).toBe(13335);
    expect(table.lookup('::ffff:100:1')?.asn).toBe(13335);
    expect(table.lookup('::ffff:9.255.255.255')?.asn).toBe(64502);
    expect(table.lookup('::ffff:10.0.0.0')).toBeUndefined();
  });
});

describe('ASN table: text that is not an address', () => {
  it.each([
    '',
    '1.2.3',
    '256.1.1.1',
    '1.2.3.4.5',
    '1..2.3',
    '01.0.0.1',
    '1.0.0.01',
    '1.0.0.-1',
    '1.0.0.1 ',
    ' 1.0.0.1',
    '1.0.0.1\n',
    '1.0.0.a',
    '::g',
    ':',
    ':::',
    '1::2::3',
    '2001:4860:4860:0:0:0:0:8888:1',
    '2001:4860:4860:0:0:0:8888',
    '12345::',
    '2001:4860::8888:',
    ':2001:4860::8888',
    '[2001:4860::8888]',
    '2001:4860::8888%eth0',
    '::ffff:1.0.0',
    '::ffff:1.0.0.1.1',
    '::ffff:1.0.0.256',
    '1.0.0.1::',
    'localhost',
  ])('%j matches nothing', (text) => {
    expect(table.lookup(text)).toBeUndefined();
  });
});

describe('ASN table builder', () => {
  it('sorts rows that arrive out of order', () => {
    const shuffled = buildAsnTable({ ipv4Rows: [...ipv4Rows].reverse(), ipv6Rows: [...ipv6Rows].reverse() });
    for (const ip of ['1.0.0.0', '1.0.3.255', '1.0.4.0', '2.1.0.0', '9.200.1.1', '2a00::1:0:0', '2001:4860::1', '2a00::1:0:6']) {
      expect(shuffled.lookup(ip)).toEqual(table.lookup(ip));
    }
  });

  it('keeps adjacent ranges of one ASN as two rows and stores each organisation name once', () => {
    expect(table.stats).toEqual({ ipv4Ranges: 5, ipv6Ranges: 3, organizations: 6, overlapsResolved: 0 });
  });

  it('clips a range overlapping an earlier one and drops one inside it', () => {
    const overlapping = buildAsnTable({
      ipv4Rows: [
        r4('10.0.0.0', '10.0.0.255', 1, 'First'),
        r4('10.0.0.128', '10.0.1.255', 2, 'Overlaps the end of First'),
        r4('10.0.1.0', '10.0.1.9', 3, 'Inside the second'),
      ],
      ipv6Rows: [r6('2001:db8::', '2001:db8::ffff:ffff', 4, 'Six'), r6('2001:db8::8000:0', '2001:db8::1:0:5', 5, 'Clipped across a carry')],
    });
    expect(overlapping.stats.overlapsResolved).toBe(3);
    expect(overlapping.lookup('10.0.0.200')?.asn).toBe(1);
    expect(overlapping.lookup('10.0.1.0')?.asn).toBe(2);
    expect(overlapping.lookup('10.0.1.255')?.asn).toBe(2);
    expect(overlapping.lookup('2001:db8::ffff:ffff')?.asn).toBe(4);
    expect(overlapping.lookup('2001:db8::1:0:0')?.asn).toBe(5);
    expect(overlapping.lookup('2001:db8::1:0:5')?.asn).toBe(5);
    expect(overlapping.lookup('2001:db8::1:0:6')).toBeUndefined();
  });

  it('builds an empty table that matches nothing', () => {
    const empty = buildAsnTable({});
    expect(empty.lookup('1.1.1.1')).toBeUndefined();
    expect(empty.lookup('2001:4860::1')).toBeUndefined();
  });

  it.each([
    ['an end before the start', () => createAsnTableBuilder().addIpv4(10, 9, 1, 'x')],
    ['a bound above 32 bits', () => createAsnTableBuilder().addIpv4(0, 2 ** 32, 1, 'x')],
    ['a fractional bound', () => createAsnTableBuilder().addIpv4(0.5, 9, 1, 'x')],
    ['a negative ASN', () => createAsnTableBuilder().addIpv4(0, 9, -1, 'x')],
    ['an ASN above 32 bits', () => createAsnTableBuilder().addIpv4(0, 9, 2 ** 32, 'x')],
    ['an IPv6 end before its start', () => createAsnTableBuilder().addIpv6(10n, 9n, 1, 'x')],
    ['an IPv6 bound above 128 bits', () => createAsnTableBuilder().addIpv6(0n, 1n << 128n, 1, 'x')],
    ['a negative IPv6 bound', () => createAsnTableBuilder().addIpv6(-1n, 1n, 1, 'x')],
    ['IPv6 words that are not four', () => createAsnTableBuilder().addIpv6Words([0, 0, 0], [0, 0, 1], 1, 'x')],
  ])('rejects %s', (_, add) => {
    expect(add).toThrow(RangeError);
  });

  it('ends once it has built its table', () => {
    const builder = createAsnTableBuilder();
    builder.addIpv4(0, 9, 1, 'x');
    builder.build();
    expect(() => builder.addIpv4(10, 19, 1, 'x')).toThrow(/already built/);
    expect(() => builder.build()).toThrow(/already built/);
  });

  it('hands out a table that cannot be changed', () => {
    expect(Object.isFrozen(table)).toBe(true);
    expect(Object.isFrozen(table.stats)).toBe(true);
  });
});

describe('ASN table from columns', () => {
  const columns = (ipv4Start: number[], ipv4End: number[]) => ({
    ipv4Start: Uint32Array.from(ipv4Start),
    ipv4End: Uint32Array.from(ipv4End),
    ipv4Asn: new Uint32Array(ipv4Start.length),
    ipv4Org: new Uint32Array(ipv4Start.length),
    ipv6Start: new Uint32Array(0),
    ipv6End: new Uint32Array(0),
    ipv6Asn: new Uint32Array(0),
    ipv6Org: new Uint32Array(0),
    organizations: [''],
    overlapsResolved: 0,
  });

  it('refuses columns a binary search would answer wrongly from', () => {
    expect(() => asnTableFromColumns(columns([10, 0], [19, 9]))).toThrow(/out of order/);
    expect(() => asnTableFromColumns(columns([0, 5], [9, 19]))).toThrow(/out of order/);
    expect(() => asnTableFromColumns(columns([9], [0]))).toThrow(/out of order/);
    expect(() => asnTableFromColumns({ ...columns([0], [9]), ipv4Asn: new Uint32Array(2) })).toThrow(/differ in length/);
    expect(asnTableFromColumns(columns([0, 10], [9, 19])).stats.ipv4Ranges).toBe(2);
  });
});
