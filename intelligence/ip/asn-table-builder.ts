import { asnTableFromColumns, type AsnTable } from './asn-table.js';

export interface Ipv4Range {
  /** Inclusive bounds as unsigned 32-bit values. */
  readonly start: number;
  readonly end: number;
  readonly asn: number;
  readonly organization: string;
}

export interface Ipv6Range {
  /** Inclusive bounds as unsigned 128-bit values. */
  readonly start: bigint;
  readonly end: bigint;
  readonly asn: number;
  readonly organization: string;
}

/**
 * Appends rows as they are read, so a loader never holds half a million row
 * objects. Rows may arrive in any order; `build()` sorts them by start.
 * Ranges are never merged (adjacent ranges of one ASN stay two rows), but a
 * row overlapping an earlier one (by start) is clipped to begin after it, or
 * dropped when nothing is left: the public dataset has such rows, and a
 * binary search over overlapping ranges would miss addresses. `build()` ends
 * the builder.
 */
export interface AsnTableBuilder {
  addIpv4(start: number, end: number, asn: number, organization: string): void;
  addIpv6(start: bigint, end: bigint, asn: number, organization: string): void;
  /** The same with each bound as four big-endian 32-bit words, for loaders that parse without BigInt. */
  addIpv6Words(start: ArrayLike<number>, end: ArrayLike<number>, asn: number, organization: string): void;
  build(): AsnTable;
}

const MAX_U32 = 0xffff_ffff;
const MAX_U128 = (1n << 128n) - 1n;

function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_U32;
}

function grow(array: Uint32Array<ArrayBuffer>, needed: number): Uint32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const next = new Uint32Array(Math.max(needed, array.length * 2));
  next.set(array);
  return next;
}

/** Ranges of one address family; `width` words per address (1 for IPv4, 4 for IPv6). */
class RangeColumns {
  starts: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  ends: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  asns: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  orgs: Uint32Array<ArrayBuffer> = new Uint32Array(0);
  count = 0;
  resolved = 0;

  constructor(private readonly width: number) {}

  push(start: ArrayLike<number>, end: ArrayLike<number>, asn: number, org: number): void {
    const w = this.width;
    const at = this.count;
    this.starts = grow(this.starts, (at + 1) * w);
    this.ends = grow(this.ends, (at + 1) * w);
    this.asns = grow(this.asns, at + 1);
    this.orgs = grow(this.orgs, at + 1);
    for (let k = 0; k < w; k += 1) {
      this.starts[at * w + k] = start[k] ?? 0;
      this.ends[at * w + k] = end[k] ?? 0;
    }
    this.asns[at] = asn;
    this.orgs[at] = org;
    this.count = at + 1;
  }

  /** Sorted, disjoint and trimmed to length. */
  finish(): void {
    if (!this.isSorted()) this.sort();
    this.clipOverlaps();
    const n = this.count;
    const w = this.width;
    this.starts = this.starts.slice(0, n * w);
    this.ends = this.ends.slice(0, n * w);
    this.asns = this.asns.slice(0, n);
    this.orgs = this.orgs.slice(0, n);
  }

  private compare(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
    const w = this.width;
    for (let k = 0; k < w; k += 1) {
      const d = (a[i * w + k] ?? 0) - (b[j * w + k] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }

  private isSorted(): boolean {
    for (let i = 1; i < this.count; i += 1) if (this.compare(this.starts, i - 1, this.starts, i) > 0) return false;
    return true;
  }

  private sort(): void {
    const n = this.count;
    const w = this.width;
    // Array#sort is stable, so rows with one start keep their order and the first one wins below.
    const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => this.compare(this.starts, i, this.starts, j));
    const starts = new Uint32Array(n * w);
    const ends = new Uint32Array(n * w);
    const asns = new Uint32Array(n);
    const orgs = new Uint32Array(n);
    order.forEach((from, to) => {
      starts.set(this.starts.subarray(from * w, from * w + w), to * w);
      ends.set(this.ends.subarray(from * w, from * w + w), to * w);
      asns[to] = this.asns[from] ?? 0;
      orgs[to] = this.orgs[from] ?? 0;
    });
    this.starts = starts;
    this.ends = ends;
    this.asns = asns;
    this.orgs = orgs;
  }

  private clipOverlaps(): void {
    const w = this.width;
    let kept = 0;
    for (let i = 0; i < this.count; i += 1) {
      if (kept > 0 && this.compare(this.starts, i, this.ends, kept - 1) <= 0) {
        this.resolved += 1;
        if (this.compare(this.ends, i, this.ends, kept - 1) <= 0) continue;
        // Start just after the previous end; that end is below this row's end, so the increment cannot wrap.
        for (let k = 0; k < w; k += 1) this.starts[i * w + k] = this.ends[(kept - 1) * w + k] ?? 0;
        for (let k = w - 1; k >= 0; k -= 1) {
          const word = ((this.starts[i * w + k] ?? 0) + 1) >>> 0;
          this.starts[i * w + k] = word;
          if (word !== 0) break;
        }
      }
      if (kept !== i) {
        this.starts.copyWithin(kept * w, i * w, i * w + w);
        this.ends.copyWithin(kept * w, i * w, i * w + w);
        this.asns[kept] = this.asns[i] ?? 0;
        this.orgs[kept] = this.orgs[i] ?? 0;
      }
      kept += 1;
    }
    this.count = kept;
  }
}

function compareWordsAt(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let k = 0; k < a.length; k += 1) {
    const d = (a[k] ?? 0) - (b[k] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function words128(value: bigint, out: Uint32Array): Uint32Array {
  for (let k = 3; k >= 0; k -= 1) {
    out[k] = Number(value & 0xffff_ffffn);
    value >>= 32n;
  }
  return out;
}

export function createAsnTableBuilder(): AsnTableBuilder {
  const v4 = new RangeColumns(1);
  const v6 = new RangeColumns(4);
  // Organisation names repeat across thousands of ranges; each is stored once.
  const organizations: string[] = [];
  const orgIds = new Map<string, number>();
  const start4 = new Uint32Array(1);
  const end4 = new Uint32Array(1);
  const start6 = new Uint32Array(4);
  const end6 = new Uint32Array(4);
  let built = false;

  const orgId = (name: string): number => {
    let id = orgIds.get(name);
    if (id === undefined) {
      id = organizations.length;
      organizations.push(name);
      orgIds.set(name, id);
    }
    return id;
  };
  const open = () => {
    if (built) throw new Error('this ASN table builder has already built its table');
  };

  const addIpv6Words = (start: ArrayLike<number>, end: ArrayLike<number>, asn: number, organization: string): void => {
    open();
    if (start.length !== 4 || end.length !== 4) throw new RangeError('an IPv6 bound is four 32-bit words');
    for (let k = 0; k < 4; k += 1) {
      if (!isU32(start[k] ?? -1) || !isU32(end[k] ?? -1)) throw new RangeError('an IPv6 word is not an unsigned 32-bit integer');
    }
    if (compareWordsAt(start, end) > 0) throw new RangeError('an IPv6 range ends before it starts');
    if (!isU32(asn)) throw new RangeError(`invalid ASN ${asn}`);
    v6.push(start, end, asn, orgId(organization));
  };

  return {
    addIpv4(start, end, asn, organization) {
      open();
      if (!isU32(start) || !isU32(end) || start > end) throw new RangeError(`invalid IPv4 range ${start}–${end}`);
      if (!isU32(asn)) throw new RangeError(`invalid ASN ${asn}`);
      start4[0] = start;
      end4[0] = end;
      v4.push(start4, end4, asn, orgId(organization));
    },
    addIpv6(start, end, asn, organization) {
      if (start < 0n || end > MAX_U128 || start > end) throw new RangeError(`invalid IPv6 range ${start}–${end}`);
      addIpv6Words(words128(start, start6), words128(end, end6), asn, organization);
    },
    addIpv6Words,
    build() {
      open();
      built = true;
      v4.finish();
      v6.finish();
      return asnTableFromColumns({
        ipv4Start: v4.starts,
        ipv4End: v4.ends,
        ipv4Asn: v4.asns,
        ipv4Org: v4.orgs,
        ipv6Start: v6.starts,
        ipv6End: v6.ends,
        ipv6Asn: v6.asns,
        ipv6Org: v6.orgs,
        organizations: Object.freeze(organizations.slice()),
        overlapsResolved: v4.resolved + v6.resolved,
      });
    },
  };
}

/** A table from whole row lists, for tests and small tables; loaders stream into `createAsnTableBuilder`. */
export function buildAsnTable(rows: { ipv4Rows?: Iterable<Ipv4Range>; ipv6Rows?: Iterable<Ipv6Range> }): AsnTable {
  const builder = createAsnTableBuilder();
  for (const r of rows.ipv4Rows ?? []) builder.addIpv4(r.start, r.end, r.asn, r.organization);
  for (const r of rows.ipv6Rows ?? []) builder.addIpv6(r.start, r.end, r.asn, r.organization);
  return builder.build();
}
