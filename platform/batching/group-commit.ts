/**
 * Group commit: requests that arrive while a transaction for the same key is
 * in flight wait and then share the next one, so a hundred concurrent
 * one-event requests cost a handful of transactions instead of a hundred.
 * Every request is still answered only after the transaction that holds it
 * has committed.
 *
 * A failed group is retried one request at a time, so one request that
 * cannot be written fails alone and never takes its neighbours with it.
 */
export interface GroupCommitter<Request, Result> {
  submit(key: string, request: Request): Promise<Result>;
  /** Resolves once every submitted request has been answered. */
  drain(): Promise<void>;
}

export interface GroupCommitOptions<Request, Result> {
  /** Writes the requests in one transaction; one result per request, in order. */
  readonly commit: (key: string, requests: readonly Request[]) => Promise<readonly Result[]>;
  /** How much room a request takes in a group (events, say); a group is cut at `maxGroupSize`. */
  readonly sizeOf: (request: Request) => number;
  readonly maxGroupSize: number;
  /** Transactions in flight per key at once. */
  readonly concurrency: number;
}

interface Pending<Request, Result> {
  readonly request: Request;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

interface KeyQueue<Request, Result> {
  readonly waiting: Array<Pending<Request, Result>>;
  inFlight: number;
}

export function createGroupCommitter<Request, Result>(opts: GroupCommitOptions<Request, Result>): GroupCommitter<Request, Result> {
  const queues = new Map<string, KeyQueue<Request, Result>>();
  const idle: Array<() => void> = [];
  let outstanding = 0;

  const settle = () => {
    outstanding -= 1;
    if (outstanding === 0) for (const wake of idle.splice(0)) wake();
  };

  const takeGroup = (queue: KeyQueue<Request, Result>): Array<Pending<Request, Result>> => {
    const group: Array<Pending<Request, Result>> = [];
    let size = 0;
    while (queue.waiting.length > 0) {
      const next = queue.waiting[0] as Pending<Request, Result>;
      const nextSize = opts.sizeOf(next.request);
      if (group.length > 0 && size + nextSize > opts.maxGroupSize) break;
      group.push(next);
      size += nextSize;
      queue.waiting.shift();
    }
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
    while (queue.inFlight < opts.concurrency && queue.waiting.length > 0) {
      const group = takeGroup(queue);
      queue.inFlight += 1;
      void runGroup(key, group).finally(() => {
        queue.inFlight -= 1;
        if (queue.inFlight === 0 && queue.waiting.length === 0) queues.delete(key);
        else pump(key);
        for (let i = 0; i < group.length; i += 1) settle();
      });
    }
  };

  return {
    submit(key, request) {
      outstanding += 1;
      let queue = queues.get(key);
      if (queue === undefined) {
        queue = { waiting: [], inFlight: 0 };
        queues.set(key, queue);
      }
      const answer = new Promise<Result>((resolve, reject) => {
        (queue as KeyQueue<Request, Result>).waiting.push({ request, resolve, reject });
      });
      pump(key);
      return answer;
    },
    drain() {
      return outstanding === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
    },
  };
}
