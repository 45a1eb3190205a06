import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AsnTable } from '../intelligence/ip/asn-table.js';
import { parseIpv4 } from '../intelligence/ip/parse-ip-address.js';
import { loadAsnDataset } from '../platform/ip-dataset/load-asn-dataset.js';

export interface IpLookupBenchResult {
  readonly lookupsPerSecond: number;
  /** The same loop doing only the IPv4 text → uint32 parse: the floor any lookup stands on. */
  readonly baselinePerSecond: number;
  /** lookups / baseline: the share of the floor's speed that the search itself leaves. */
  readonly ratio: number;
  readonly rssBytesForDataset: number;
  /** V8 heap plus the typed arrays' backing stores, which live outside it. */
  readonly heapBytesForDataset: number;
  readonly loadMs: number;
}

/** A full collection, so memory is measured on live data; --expose-gc is switched on when the process lacks it. */
function collectGarbage(): void {
  let gc: unknown = globalThis.gc;
  if (typeof gc !== 'function') {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  }
  // Twice: the first pass may leave what finalizers and weak callbacks only release on the second.
  if (typeof gc === 'function') {
    gc();
    gc();
  }
}

/** mulberry32: the same addresses in every run, so runs compare. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

const IPV6_PREFIXES = ['2001:4860', '2a00:1450', '2606:4700', '2600:1f18', '2a01:4f8', '2400:cb00', '2a02:26f0', '2001:db8'];

/** 90% IPv4 over the whole space, 8% IPv6 in populated prefixes (some compressed), 2% IPv4-mapped IPv6. */
function addresses(count: number): string[] {
  const next = random(2026);
  const word = () => Math.floor(next() * 0x10000).toString(16);
  const ipv4 = () => `${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}`;
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const pick = next();
    if (pick < 0.9) out.push(ipv4());
    else if (pick < 0.98) {
      const prefix = IPV6_PREFIXES[Math.floor(next() * IPV6_PREFIXES.length)] ?? '2001:db8';
      out.push(next() < 0.5 ? `${prefix}:${word()}::${word()}` : `${prefix}:${word()}:${word()}:${word()}:${word()}:${word()}:${word()}`);
    } else out.push(`::ffff:${ipv4()}`);
  }
  return out;
}

function perSecond(lookups: number, work: () => number): { rate: number; sink: number } {
  const started = process.hrtime.bigint();
  const sink = work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: lookups / seconds, sink };
}

/**
 * IP lookups per second on one core, beside the bare IPv4 parse over the
 * same addresses in the same run (A-B-B-A), and what the loaded dataset
 * costs in memory.
 */
export async function benchIpLookup(opts: { lookups: number }): Promise<IpLookupBenchResult> {
  collectGarbage();
  const before = process.memoryUsage();
  const { table, loadMs } = await loadAsnDataset();
  collectGarbage();
  const after = process.memoryUsage();

  const ips = addresses(Math.min(opts.lookups, 1 << 18));
  const lookupLoop = (t: AsnTable) => () => {
    let hits = 0;
    for (let i = 0, k = 0; i < opts.lookups; i += 1, k = k + 1 === ips.length ? 0 : k + 1) {
      const match = t.lookup(ips[k] ?? '');
      if (match !== undefined) hits += match.asn > 0 ? 1 : 0;
    }
    return hits;
  };
  const parseLoop = () => {
    let valid = 0;
    for (let i = 0, k = 0; i < opts.lookups; i += 1, k = k + 1 === ips.length ? 0 : k + 1) {
      if (parseIpv4(ips[k] ?? '') >= 0) valid += 1;
    }
    return valid;
  };
  const lookup = lookupLoop(table);

  perSecond(opts.lookups, parseLoop);
  perSecond(opts.lookups, lookup);
  const a1 = perSecond(opts.lookups, parseLoop);
  const b1 = perSecond(opts.lookups, lookup);
  const b2 = perSecond(opts.lookups, lookup);
  const a2 = perSecond(opts.lookups, parseLoop);
  if (b1.sink === 0 || a1.sink === 0) throw new Error('the benchmark found no addresses: its input is wrong');

  const lookupsPerSecond = (b1.rate + b2.rate) / 2;
  const baselinePerSecond = (a1.rate + a2.rate) / 2;
  return {
    lookupsPerSecond,
    baselinePerSecond,
    ratio: lookupsPerSecond / baselinePerSecond,
    rssBytesForDataset: after.rss - before.rss,
    heapBytesForDataset: after.heapUsed + after.external - (before.heapUsed + before.external),
    loadMs,
  };
}
