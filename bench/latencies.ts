/** One target's latencies in a benchmark run, as the benches report them. */
export interface Latencies {
  readonly samples: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly failures: number;
  readonly firstError?: string;
}

export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The summary of latency samples (any order) at a measured rate. */
export function latencies(samples: readonly number[], run: { readonly perSecond: number; readonly failures: number; readonly firstError?: string | undefined }): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    perSecond: run.perSecond,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? Number.NaN,
    failures: run.failures,
    ...(run.firstError === undefined ? {} : { firstError: run.firstError }),
  };
}
