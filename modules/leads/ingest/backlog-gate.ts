/**
 * The bound on what waits to be processed. Appends are cheap and processing
 * is not, so under a flood the log would grow without limit; past a bound the
 * gateway refuses instead (503, Retry-After) and the sender's SDK retries.
 * Bulk is bounded per tenant and over all tenants; a visitor's own call has a
 * bound of its own lane only, so a tenant's import never shuts its visitors out.
 *
 * The bound is checked against a reading refreshed in the background, never
 * against the database per request: a refusal costs nothing, and the bound
 * holds within one refresh's worth of appends.
 */
import { QueueFullError } from '../../../platform/batching/group-commit.js';
import { URGENT_LANE, type Lane } from './log-entry.js';
import type { LaneBacklog } from './ingest-log.repository.js';

/** A request refused because too much waits to be processed; nothing of it was written. */
export class BacklogFullError extends QueueFullError {
  constructor(
    readonly scope: 'tenant' | 'total',
    override readonly retryAfterSeconds: number,
  ) {
    super(scope === 'tenant' ? 'key' : 'total');
    this.message = scope === 'tenant' ? "too much of this tenant's ingestion waits to be processed" : 'too much ingestion waits to be processed';
    this.name = 'BacklogFullError';
  }
}

export interface BacklogBounds {
  /** Bulk messages waiting per tenant at most. */
  readonly perTenant: number;
  /** Bulk messages waiting over all tenants at most. */
  readonly total: number;
  /** A visitor's own calls waiting per tenant at most. */
  readonly urgentPerTenant: number;
}

export interface BacklogReading {
  readonly at: number;
  /** Messages waiting, per lane, over all tenants. */
  readonly waiting: Readonly<Record<Lane, number>>;
  readonly lanes: readonly LaneBacklog[];
}

export interface BacklogGate {
  /** Throws BacklogFullError when the lane's backlog (as last read) is past its bound. */
  admit(tenantId: string, lane: Lane): void;
  /** The last reading. */
  reading(): BacklogReading;
  /** Reads now (the background refresh does this every `refreshMs`). */
  refresh(): Promise<void>;
  stop(): void;
}

const RETRY_WHEN_RATE_UNKNOWN_S = 5;
const MAX_RETRY_AFTER_S = 30;

export function createBacklogGate(deps: {
  read: () => Promise<LaneBacklog[]>;
  bounds: BacklogBounds;
  /** How often the backlog is read in the background; without it, only `refresh` reads (tests). */
  refreshMs?: number;
  onError: (error: unknown) => void;
}): BacklogGate {
  const empty: BacklogReading = { at: Date.now(), waiting: { 0: 0, 1: 0 }, lanes: [] };
  let current = empty;
  let byLane = new Map<string, LaneBacklog>();
  // Messages processed per second per tenant lane, from the last two readings: what Retry-After is estimated from.
  let rates = new Map<string, number>();
  const keyOf = (tenantId: string, lane: Lane) => `${tenantId}:${lane}`;

  const refresh = async () => {
    const lanes = await deps.read();
    const at = Date.now();
    const next = new Map(lanes.map((lane) => [keyOf(lane.tenantId, lane.lane), lane]));
    const seconds = (at - current.at) / 1000;
    const nextRates = new Map<string, number>();
    for (const [key, lane] of next) {
      const before = byLane.get(key);
      if (before !== undefined && seconds > 0) nextRates.set(key, (lane.processed - before.processed) / seconds);
    }
    const waiting = { 0: 0, 1: 0 };
    for (const lane of lanes) waiting[lane.lane] += lane.appended - lane.processed;
    current = { at, waiting, lanes };
    byLane = next;
    rates = nextRates;
  };

  const retryAfter = (key: string, excess: number): number => {
    const rate = rates.get(key) ?? 0;
    if (rate <= 0) return RETRY_WHEN_RATE_UNKNOWN_S;
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(excess / rate)));
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    refresh()
      .catch(deps.onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, deps.refreshMs);
      });
  };
  if (deps.refreshMs !== undefined) timer = setTimeout(loop, 0);

  return {
    admit(tenantId, lane) {
      const key = keyOf(tenantId, lane);
      const mine = byLane.get(key);
      const waiting = mine === undefined ? 0 : mine.appended - mine.processed;
      if (lane === URGENT_LANE) {
        if (waiting > deps.bounds.urgentPerTenant) throw new BacklogFullError('tenant', retryAfter(key, waiting - deps.bounds.urgentPerTenant));
        return;
      }
      if (waiting > deps.bounds.perTenant) throw new BacklogFullError('tenant', retryAfter(key, waiting - deps.bounds.perTenant));
      if (current.waiting[lane] > deps.bounds.total) throw new BacklogFullError('total', RETRY_WHEN_RATE_UNKNOWN_S);
    },
    reading: () => current,
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
