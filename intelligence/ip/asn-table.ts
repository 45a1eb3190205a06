import { parseIpv4, parseIpv6 } from './parse-ip-address.js';

export interface AsnMatch {
  readonly asn: number;
  readonly organization: string;
}

export interface AsnTableStats {
  readonly ipv4Ranges: number;
  readonly ipv6Ranges: number;
  readonly organizations: number;
  /** Rows of the source that overlapped an earlier one and were clipped or dropped (see the builder). */
  readonly overlapsResolved: number;
}

/** IP → ASN and organisation over sorted, disjoint, inclusive ranges. */
export interface AsnTable {
  /** IPv4, IPv6 or IPv4-mapped IPv6 text; undefined for an address outside every range or text that is not an address. */
  lookup(ip: string): AsnMatch | undefined;
  readonly stats: AsnTableStats;
}

/**
 * The columns of a table, sorted by start and disjoint. An IPv4 address is
 * one word, an IPv6 address four big-endian words in a row, so comparisons
 * are on uint32s and no lookup touches BigInt.
 */
export interface AsnTableColumns {
  readonly ipv4Start: Uint32Array;
  readonly ipv4End: Uint32Array;
  readonly ipv4Asn: Uint32Array;
  readonly ipv4Org: Uint32Array;
  readonly ipv6Start: Uint32Array;
  readonly ipv6End: Uint32Array;
  readonly ipv6Asn: Uint32Array;
  readonly ipv6Org: Uint32Array;
  readonly organizations: readonly string[];
  readonly overlapsResolved: number;
}

const PREFIXES = 0x10000;

/**
 * `index[p]` = how many ranges start below the /16 (IPv4) or the 16-bit
 * IPv6 prefix p. A lookup then binary-searches only the few ranges of its own
 * prefix, which stay in cache, instead of ~19 levels over the whole table.
 */
function prefixIndex(starts: Uint32Array, width: number): Uint32Array {
  const count = starts.length / width;
  const index = new Uint32Array(PREFIXES + 1);
  let row = 0;
  for (let p = 0; p <= PREFIXES; p += 1) {
    while (row < count && (starts[row * width] ?? 0) >>> 16 < p) row += 1;
    index[p] = row;
  }
  return index;
}

class SortedAsnTable implements AsnTable {
  readonly stats: AsnTableStats;
  private readonly v4Index: Uint32Array;
  private readonly v6Index: Uint32Array;
  private readonly words = new Uint32Array(4);

  constructor(private readonly c: AsnTableColumns) {
    this.v4Index = prefixIndex(c.ipv4Start, 1);
    this.v6Index = prefixIndex(c.ipv6Start, 4);
    this.stats = Object.freeze({
      ipv4Ranges: c.ipv4Start.length,
      ipv6Ranges: c.ipv6Start.length / 4,
      organizations: c.organizations.length,
      overlapsResolved: c.overlapsResolved,
    });
  }

  lookup(ip: string): AsnMatch | undefined {
    const v4 = parseIpv4(ip);
    if (v4 >= 0) return this.lookupIpv4(v4);
    const w = this.words;
    if (!parseIpv6(ip, w)) return undefined;
    const w0 = w[0] ?? 0;
    const w1 = w[1] ?? 0;
    const w2 = w[2] ?? 0;
    const w3 = w[3] ?? 0;
    // ::ffff:a.b.c.d is how dual-stack sockets report IPv4 peers.
    if (w0 === 0 && w1 === 0 && w2 === 0xffff) return this.lookupIpv4(w3);
    return this.lookupIpv6(w0, w1, w2, w3);
  }

  private lookupIpv4(ip: number): AsnMatch | undefined {
    const { ipv4Start: starts, ipv4End: ends } = this.c;
    const p = ip >>> 16;
    const first = this.v4Index[p] ?? 0;
    // The range holding ip, if any, is the last one starting at or below it: it may begin in an earlier prefix.
    let lo = first > 0 ? first - 1 : 0;
    let hi = this.v4Index[p + 1] ?? 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] ?? 0) <= ip) lo = mid + 1;
      else hi = mid;
    }
    const row = lo - 1;
    if (row < 0 || ip > (ends[row] ?? 0)) return undefined;
    return { asn: this.c.ipv4Asn[row] ?? 0, organization: this.c.organizations[this.c.ipv4Org[row] ?? 0] ?? '' };
  }

  private lookupIpv6(w0: number, w1: number, w2: number, w3: number): AsnMatch | undefined {
    const { ipv6Start: starts, ipv6End: ends } = this.c;
    const p = w0 >>> 16;
    const first = this.v6Index[p] ?? 0;
    let lo = first > 0 ? first - 1 : 0;
    let hi = this.v6Index[p + 1] ?? 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareWords(starts, mid * 4, w0, w1, w2, w3) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const row = lo - 1;
    if (row < 0 || compareWords(ends, row * 4, w0, w1, w2, w3) < 0) return undefined;
    return { asn: this.c.ipv6Asn[row] ?? 0, organization: this.c.organizations[this.c.ipv6Org[row] ?? 0] ?? '' };
  }
}

/** Sign of (the address at `words[at..at+3]`) − (w0, w1, w2, w3). */
function compareWords(words: Uint32Array, at: number, w0: number, w1: number, w2: number, w3: number): number {
  let d = (words[at] ?? 0) - w0;
  if (d !== 0) return d;
  d = (words[at + 1] ?? 0) - w1;
  if (d !== 0) return d;
  d = (words[at + 2] ?? 0) - w2;
  if (d !== 0) return d;
  return (words[at + 3] ?? 0) - w3;
}

function checkColumns(c: AsnTableColumns): void {
  const n4 = c.ipv4Start.length;
  const n6 = c.ipv6Start.length / 4;
  const v4 = c.ipv4End.length === n4 && c.ipv4Asn.length === n4 && c.ipv4Org.length === n4;
  const v6 = Number.isInteger(n6) && c.ipv6End.length === n6 * 4 && c.ipv6Asn.length === n6 && c.ipv6Org.length === n6;
  if (!v4 || !v6) throw new RangeError('ASN table columns differ in length');
  // A binary search over unsorted or overlapping ranges answers wrongly without failing, so refuse them here.
  for (let i = 0; i < n4; i += 1) {
    const start = c.ipv4Start[i] ?? 0;
    if (start > (c.ipv4End[i] ?? 0) || (i > 0 && start <= (c.ipv4End[i - 1] ?? 0))) throw new RangeError(`IPv4 range ${i} is out of order`);
  }
  for (let i = 0; i < n6; i += 1) {
    const s = c.ipv6Start;
    const at = i * 4;
    const [w0, w1, w2, w3] = [s[at] ?? 0, s[at + 1] ?? 0, s[at + 2] ?? 0, s[at + 3] ?? 0];
    if (compareWords(c.ipv6End, at, w0, w1, w2, w3) < 0 || (i > 0 && compareWords(c.ipv6End, at - 4, w0, w1, w2, w3) >= 0)) {
      throw new RangeError(`IPv6 range ${i} is out of order`);
    }
  }
}

/** A table over columns already sorted and disjoint (the builder's output), checked but not copied. */
export function asnTableFromColumns(columns: AsnTableColumns): AsnTable {
  checkColumns(columns);
  return Object.freeze(new SortedAsnTable(columns));
}
