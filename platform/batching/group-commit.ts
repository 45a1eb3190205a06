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
 */
export interface GroupCommitter<Request, Result> {
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

  const settle = () => {
    outstanding -= 1;
    if (outstanding === 0) for (const wake of idle.splice(0)) wake();
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

  return {
    submit(key, request, submitOpts = {}) {
      outstanding += 1;
      let queue = queues.get(key);
      if (queue === undefined) {
        queue = { urgent: [], waiting: [], inFlight: 0 };
        queues.set(key, queue);
      }
      if (submitOpts.urgent === true) lastUrgent.set(key, performance.now());
      const list = submitOpts.urgent === true ? queue.urgent : queue.waiting;
      const answer = new Promise<Result>((resolve, reject) => {
        list.push({ request, resolve, reject });
      });
      pump(key);
      return answer;
    },
    drain() {
      return outstanding === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
