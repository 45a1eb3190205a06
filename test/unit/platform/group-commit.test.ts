import { describe, expect, it } from 'vitest';
import { createGroupCommitter } from '../../../platform/batching/group-commit.js';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
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
    const commits: Array<[string, number[]]> = [];
    const gate = deferred();
    const committer = createGroupCommitter<number, number>({
      async commit(key, requests) {
        commits.push([key, [...requests]]);
        await gate.promise;
        return [...requests];
      },
      sizeOf: (n) => n,
      maxGroupSize: 5,
      concurrency: 1,
    });
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
});
