/**
 * Group commit: requests that arrive while a transaction for the same key is
 * in flight wait and then share the next one, so a hundred concurrent
 * one-event requests cost a handful of transactions instead of a hundred.
 * Every request is still answered only after the transaction that holds it
 * has committed.
 *
 * A failed group is retried one request at a time, so one request that
 * cannot be written fails alone and never takes its neighbours with it.
 *
 * Urgent requests (a visitor's own call, waiting on it) go into the next
 * group ahead of the queued bulk: behind a backlog of batches they wait for
 * the group in flight, not for the whole backlog.
 *
 * What waits is bounded, per key and in total (in `sizeOf` units, from
 * submission to answer): a request that does not fit is refused at once and
 * never queued, so a flood cannot run the process out of memory, and one
 * key's flood fills only its own share (the per-key bound is below the total).
 */
/** Not an Outcome: `full` (the key's share or the whole queue) is a reason QueueFullError words apart and no Problem kind says; and a full local queue is no outside party's `unavailable`. */
export type Admission<Result> = { readonly ok: true; readonly answer: Promise<Result> } | { readonly ok: false; readonly full: 'key' | 'total' };

/** A request refused because the queue of its key (or all of them) is full; nothing of it was written. */
export class QueueFullError extends Error {
  /** What to tell the sender to wait: a queue moves in milliseconds, a second is plenty. */
  readonly retryAfterSeconds: number = 1;

  constructor(readonly full: 'key' | 'total') {
    super(full === 'key' ? 'too much is waiting to be written for this key' : 'too much is waiting to be written');
    this.name = 'QueueFullError';
  }
}

export interface GroupCommitter<Request, Result> {
  /** Queues the request, or refuses it at once when it does not fit (see the bounds). */
  trySubmit(key: string, request: Request, opts?: { urgent?: boolean }): Admission<Result>;
  /** trySubmit, a refusal rejecting with QueueFullError. */
  submit(key: string, request: Request, opts?: { urgent?: boolean }): Promise<Result>;
  /** Resolves once every submitted request has been answered. */
  drain(): Promise<void>;
}

export interface GroupCommitOptions<Request, Result> {
  /** Writes the requests in one transaction; one result per request, in order. */
  readonly commit: (key: string, requests: readonly Request[]) => Promise<readonly Result[]>;
  /** How much room a request takes in a group (events, say); a group is cut at `maxGroupSize`. */
  readonly sizeOf: (request: Request) => number;
  readonly maxGroupSize: number;
  /**
   * The cut while a key sees urgent requests (within the last second): a
   * smaller group in flight is a shorter wait for the urgent request behind
   * it, paid for in the bulk's throughput only while someone waits.
   */
  readonly maxGroupSizeWhileUrgent?: number;
  /** How far bulk tops up a group that carries urgent requests: they wait for its commit, so it stays small. */
  readonly maxUrgentGroupSize?: number;
  /** Transactions in flight per key at once. */
  readonly concurrency: number;
  /** Size waiting or in flight per key at most; a larger single request is still taken when nothing of its key waits. */
  readonly maxPendingPerKey?: number;
  /** Size waiting or in flight over every key at most. */
  readonly maxPendingTotal?: number;
}

interface Pending<Request, Result> {
  readonly request: Request;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

interface KeyQueue<Request, Result> {
  /** Urgent requests, taken before `waiting`; each list in arrival order. */
  readonly urgent: Array<Pending<Request, Result>>;
  readonly waiting: Array<Pending<Request, Result>>;
  inFlight: number;
}

const URGENT_RECENT_MS = 1_000;

const queued = (queue: KeyQueue<unknown, unknown>): number => queue.urgent.length + queue.waiting.length;

export function createGroupCommitter<Request, Result>(opts: GroupCommitOptions<Request, Result>): GroupCommitter<Request, Result> {
  const queues = new Map<string, KeyQueue<Request, Result>>();
  const idle: Array<() => void> = [];
  let outstanding = 0;
  // Size submitted and not yet answered, per key and in total: what the bounds count.
  const pendingByKey = new Map<string, number>();
  let pendingTotal = 0;

  const settle = () => {
    outstanding -= 1;
    if (outstanding === 0) for (const wake of idle.splice(0)) wake();
  };

  // Freed as the request is answered, so a caller that got its answer finds the room it left.
  const free = (key: string, size: number) => {
    pendingTotal -= size;
    const left = (pendingByKey.get(key) ?? 0) - size;
    if (left <= 0) pendingByKey.delete(key);
    else pendingByKey.set(key, left);
  };

  // Keys with an urgent request within URGENT_RECENT_MS: kept apart from the queues, which go when empty.
  const lastUrgent = new Map<string, number>();

  const takeGroup = (key: string, queue: KeyQueue<Request, Result>): Array<Pending<Request, Result>> => {
    const group: Array<Pending<Request, Result>> = [];
    let size = 0;
    const take = (list: Array<Pending<Request, Result>>, maxSize: number) => {
      while (list.length > 0) {
        const next = list[0] as Pending<Request, Result>;
        const nextSize = opts.sizeOf(next.request);
        if (group.length > 0 && size + nextSize > maxSize) return;
        group.push(next);
        size += nextSize;
        list.shift();
      }
    };
    const urgentAt = lastUrgent.get(key);
    const urgentRecently = urgentAt !== undefined && performance.now() - urgentAt < URGENT_RECENT_MS;
    if (!urgentRecently) lastUrgent.delete(key);
    // Urgent requests fill a group as far as any; bulk only tops it up to the urgent cut, so the callers waiting on it are not kept long.
    take(queue.urgent, opts.maxGroupSize);
    const bulkCut =
      group.length > 0
        ? Math.min(opts.maxGroupSize, opts.maxUrgentGroupSize ?? opts.maxGroupSize)
        : urgentRecently
          ? Math.min(opts.maxGroupSize, opts.maxGroupSizeWhileUrgent ?? opts.maxGroupSize)
          : opts.maxGroupSize;
    if (size < bulkCut) take(queue.waiting, bulkCut);
    return group;
  };

  const commitAlone = async (key: string, pending: Pending<Request, Result>) => {
    try {
      const [result] = await opts.commit(key, [pending.request]);
      pending.resolve(result as Result);
    } catch (error) {
      pending.reject(error);
    }
  };

  const runGroup = async (key: string, group: Array<Pending<Request, Result>>) => {
    try {
      const results = await opts.commit(
        key,
        group.map((p) => p.request),
      );
      group.forEach((p, i) => p.resolve(results[i] as Result));
    } catch (error) {
      if (group.length === 1) (group[0] as Pending<Request, Result>).reject(error);
      else for (const pending of group) await commitAlone(key, pending);
    }
  };

  const pump = (key: string) => {
    const queue = queues.get(key);
    if (queue === undefined) return;
    while (queue.inFlight < opts.concurrency && queued(queue) > 0) {
      const group = takeGroup(key, queue);
      queue.inFlight += 1;
      void runGroup(key, group).finally(() => {
        queue.inFlight -= 1;
        if (queue.inFlight === 0 && queued(queue) === 0) queues.delete(key);
        else pump(key);
        for (let i = 0; i < group.length; i += 1) settle();
      });
    }
  };

  const refusal = (key: string, size: number): 'key' | 'total' | undefined => {
    const mine = pendingByKey.get(key) ?? 0;
    // A request larger than a whole share still goes when its key has nothing pending, or it could never go.
    if (opts.maxPendingPerKey !== undefined && mine > 0 && mine + size > opts.maxPendingPerKey) return 'key';
    if (opts.maxPendingTotal !== undefined && pendingTotal > 0 && pendingTotal + size > opts.maxPendingTotal) return 'total';
    return undefined;
  };

  const trySubmit: GroupCommitter<Request, Result>['trySubmit'] = (key, request, submitOpts = {}) => {
    const size = opts.sizeOf(request);
    const full = refusal(key, size);
    if (full !== undefined) return { ok: false, full };
    pendingByKey.set(key, (pendingByKey.get(key) ?? 0) + size);
    pendingTotal += size;
    return { ok: true, answer: enqueue(key, request, size, submitOpts) };
  };

  const enqueue = (key: string, request: Request, size: number, submitOpts: { urgent?: boolean }): Promise<Result> => {
    outstanding += 1;
    let queue = queues.get(key);
    if (queue === undefined) {
      queue = { urgent: [], waiting: [], inFlight: 0 };
      queues.set(key, queue);
    }
    if (submitOpts.urgent === true) lastUrgent.set(key, performance.now());
    const list = submitOpts.urgent === true ? queue.urgent : queue.waiting;
    const answer = new Promise<Result>((resolve, reject) => {
      list.push({
        request,
        resolve: (result) => {
          free(key, size);
          resolve(result);
        },
        reject: (error) => {
          free(key, size);
          reject(error);
        },
      });
    });
    pump(key);
    return answer;
  };

  return {
    trySubmit,
    submit(key, request, submitOpts) {
      const admission = trySubmit(key, request, submitOpts);
      return admission.ok ? admission.answer : Promise.reject(new QueueFullError(admission.full));
    },
    drain() {
      return outstanding === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
