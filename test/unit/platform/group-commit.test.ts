import { describe, expect, it } from 'vitest';
import { createGroupCommitter, QueueFullError } from '../../../platform/batching/group-commit.js';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** A committer whose commits record their groups and wait for the gate; each request answers itself. */
function gatedCommitter(options: { maxGroupSize: number; maxPendingPerKey?: number; maxPendingTotal?: number }) {
  const commits: Array<[string, number[]]> = [];
  const gate = deferred();
  const committer = createGroupCommitter<number, number>({
    async commit(key, requests) {
      commits.push([key, [...requests]]);
      await gate.promise;
      return [...requests];
    },
    sizeOf: (n) => n,
    concurrency: 1,
    ...options,
  });
  return { commits, gate, committer };
}

describe('group commit', () => {
  it('gathers requests that arrive while a commit is in flight into the next one, and answers each with its own result', async () => {
    const commits: number[][] = [];
    const gate = deferred();
    const committer = createGroupCommitter<number, string>({
      async commit(_key, requests) {
        commits.push([...requests]);
        if (commits.length === 1) await gate.promise;
        return requests.map((r) => `r${r}`);
      },
      sizeOf: () => 1,
      maxGroupSize: 100,
      concurrency: 1,
    });
    const answers = [1, 2, 3, 4].map((n) => committer.submit('tenant', n));
    gate.release();
    expect(await Promise.all(answers)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(commits).toEqual([[1], [2, 3, 4]]);
  });

  it('cuts groups at the size limit and keeps keys apart', async () => {
    const { commits, gate, committer } = gatedCommitter({ maxGroupSize: 5 });
    const answers = [committer.submit('a', 1), committer.submit('a', 3), committer.submit('a', 2), committer.submit('a', 4), committer.submit('b', 9)];
    gate.release();
    await Promise.all(answers);
    expect(commits).toEqual([
      ['a', [1]],
      ['b', [9]],
      ['a', [3, 2]],
      ['a', [4]],
    ]);
  });

  it('retries a failed group one request at a time, so only the bad request fails', async () => {
    const commits: number[][] = [];
    const gate = deferred();
    const committer = createGroupCommitter<number, number>({
      async commit(_key, requests) {
        commits.push([...requests]);
        if (commits.length === 1) await gate.promise;
        if (requests.includes(13)) throw new Error('bad request 13');
        return requests.map((r) => r * 2);
      },
      sizeOf: () => 1,
      maxGroupSize: 100,
      concurrency: 1,
    });
    const first = committer.submit('t', 1);
    const rest = [12, 13, 14].map((n) => committer.submit('t', n).then((v) => ({ ok: v }), (e: Error) => ({ error: e.message })));
    gate.release();
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([{ ok: 24 }, { error: 'bad request 13' }, { ok: 28 }]);
    expect(commits).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
    await committer.drain();
  });

  it('runs up to `concurrency` commits of one key at once', async () => {
    let inFlight = 0;
    let most = 0;
    const committer = createGroupCommitter<number, number>({
      async commit(_key, requests) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return [...requests];
      },
      sizeOf: () => 1,
      maxGroupSize: 2,
      concurrency: 3,
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => committer.submit('t', i)));
    expect(most).toBe(3);
    await committer.drain();
  });

  it('drain waits until every submitted request has been answered', async () => {
    const gate = deferred();
    const committer = createGroupCommitter<number, number>({
      async commit(_key, requests) {
        await gate.promise;
        return [...requests];
      },
      sizeOf: () => 1,
      maxGroupSize: 10,
      concurrency: 1,
    });
    const answers = [committer.submit('t', 1), committer.submit('t', 2)];
    let drained = false;
    const drain = committer.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(drained).toBe(false);
    gate.release();
    await drain;
    expect(drained).toBe(true);
    expect(await Promise.all(answers)).toEqual([1, 2]);
  });

  it('puts urgent requests at the head of the next group, ahead of bulk that queued before them', async () => {
    const commits: number[][] = [];
    const gate = deferred();
    const committer = createGroupCommitter<number, number>({
      async commit(_key, requests) {
        commits.push([...requests]);
        if (commits.length === 1) await gate.promise;
        return [...requests];
      },
      sizeOf: () => 1,
      maxGroupSize: 3,
      concurrency: 1,
    });
    const answers = [
      committer.submit('t', 1),
      committer.submit('t', 2),
      committer.submit('t', 3),
      committer.submit('t', 4),
      committer.submit('t', 5),
      committer.submit('t', 100, { urgent: true }),
      committer.submit('t', 6),
      committer.submit('t', 101, { urgent: true }),
    ];
    gate.release();
    expect(await Promise.all(answers)).toEqual([1, 2, 3, 4, 5, 100, 6, 101]);
    expect(commits).toEqual([[1], [100, 101, 2], [3, 4, 5], [6]]);
    await committer.drain();
  });

  it('cuts smaller groups while urgent requests come, and smallest for a group that carries one', async () => {
    const commits: number[][] = [];
    // Each phase holds its first commit, so what is submitted meanwhile queues up behind it.
    let gate = deferred();
    const committer = createGroupCommitter<number, number>({
      async commit(_key, requests) {
        commits.push([...requests]);
        if (commits.length === 1) await gate.promise;
        return [...requests];
      },
      sizeOf: () => 1,
      maxGroupSize: 100,
      maxGroupSizeWhileUrgent: 4,
      maxUrgentGroupSize: 2,
      concurrency: 1,
    });
    const bulk = (from: number, count: number) => Array.from({ length: count }, (_, i) => committer.submit('t', from + i));
    // No urgent request yet: the group after the one in flight takes all the bulk queued.
    const answers = [committer.submit('t', 0), ...bulk(1, 6)];
    gate.release();
    await Promise.all(answers);
    expect(commits).toEqual([[0], [1, 2, 3, 4, 5, 6]]);

    commits.length = 0;
    gate = deferred();
    const later = [committer.submit('t', 10), ...bulk(11, 8), committer.submit('t', 100, { urgent: true }), ...bulk(20, 3)];
    gate.release();
    await Promise.all(later);
    // The group carrying the urgent request is cut at 2; the bulk after it at 4 while the urgent one is recent.
    expect(commits).toEqual([[10], [100, 11], [12, 13, 14, 15], [16, 17, 18, 20], [21, 22]]);

    // Urgent requests themselves are not cut at the urgent size: a tenant of browsers alone keeps large groups.
    commits.length = 0;
    gate = deferred();
    const urgentOnly = [committer.submit('t', 30), ...[31, 32, 33, 34, 35].map((n) => committer.submit('t', n, { urgent: true })), ...bulk(40, 2)];
    gate.release();
    await Promise.all(urgentOnly);
    expect(commits).toEqual([[30], [31, 32, 33, 34, 35], [40, 41]]);
    await committer.drain();
  });

  it('bounds what waits per key and in total: a request that does not fit is refused at once and never committed', async () => {
    const { commits, gate, committer } = gatedCommitter({ maxGroupSize: 100, maxPendingPerKey: 10, maxPendingTotal: 16 });
    const a = [committer.submit('a', 4), committer.submit('a', 6)];
    // a holds 10 of its 10: more for a is refused, while b still has room.
    expect(committer.trySubmit('a', 1)).toEqual({ ok: false, full: 'key' });
    await expect(committer.submit('a', 1)).rejects.toBeInstanceOf(QueueFullError);
    const b = committer.submit('b', 5);
    // 15 of 16 in all: b's next 2 would pass its own share but not the total.
    expect(committer.trySubmit('b', 2)).toEqual({ ok: false, full: 'total' });
    gate.release();
    expect(await Promise.all([...a, b])).toEqual([4, 6, 5]);
    expect(commits.flatMap(([, requests]) => requests).sort((x, y) => x - y)).toEqual([4, 5, 6]);
    // Answered requests free their room.
    expect(await committer.submit('a', 10)).toBe(10);
    // A request larger than a share still goes when nothing of its key waits.
    expect(await committer.submit('c', 12)).toBe(12);
    await committer.drain();
  });
});
