import { describe, expect, it } from 'vitest';
import { identityKeys, identityLocksOf, type IdentityLock } from '../../../modules/leads/ingest/identity-locks.js';
import type { IngestMessage } from '../../../modules/leads/ingest/segment-message.js';

const message = (n: number, extra: Partial<IngestMessage> = {}): IngestMessage => ({
  type: 'track',
  name: 'Signed Up',
  messageId: `m-${n}`,
  anonymousId: `visitor-${n}`,
  traits: {},
  properties: {},
  context: {},
  at: new Date(0),
  ...extra,
});

/** Whether two plans can be held at once: a lock both take conflicts unless both take it shared. */
const compatible = (a: readonly IdentityLock[], b: readonly IdentityLock[]) =>
  a.every((x) => b.every((y) => x.key !== y.key || (x.shared && y.shared)));

describe('identity locks', () => {
  it('takes an identifier of each kind, never a message id (the log holds each message once)', () => {
    const keys = identityKeys('t_a', [message(1, { userId: 'u-1', email: 'ada@example.com' })]);
    expect(keys.sort()).toEqual(['t_a:a:visitor-1', 't_a:e:ada@example.com', 't_a:u:u-1']);
  });

  it("locks a visitor's identifier by its fine bucket, under its group taken shared, groups first", () => {
    const plan = identityLocksOf(identityKeys('t_a', [message(1)]));
    expect(plan).toHaveLength(2);
    expect(plan[0]).toMatchObject({ key: expect.stringMatching(/^t_a:g:\d+$/), shared: true });
    expect(plan[1]).toMatchObject({ key: expect.stringMatching(/^t_a:f:\d+$/), shared: false });
  });

  it('lets a visitor and a bulk chunk about other people hold their locks at once, almost always', () => {
    const bulk = identityLocksOf(identityKeys('t_a', Array.from({ length: 250 }, (_, n) => message(n))));
    const visitors = Array.from({ length: 1_000 }, (_, n) => identityLocksOf(identityKeys('t_a', [message(10_000 + n)])));
    const waiting = visitors.filter((visitor) => !compatible(visitor, bulk)).length;
    // 250 of 16,384 fine buckets: about 1.5 % of visitors share one with the chunk.
    expect(waiting).toBeLessThan(50);
    expect(waiting).toBeGreaterThan(0);
  });

  it('makes any two plans about one identifier conflict, whatever their sizes', () => {
    const shared = message(7);
    const sizes = [1, 250, 1_000];
    for (const a of sizes)
      for (const b of sizes) {
        const one = identityLocksOf(identityKeys('t_a', [shared, ...Array.from({ length: a - 1 }, (_, n) => message(100_000 + n))]));
        const other = identityLocksOf(identityKeys('t_a', [shared, ...Array.from({ length: b - 1 }, (_, n) => message(200_000 + n))]));
        expect(compatible(one, other), `${a} and ${b} messages`).toBe(false);
      }
  });

  it('takes whole groups exclusive, at most 64 locks, for a chunk past 512 fine buckets', () => {
    const plan = identityLocksOf(identityKeys('t_a', Array.from({ length: 1_000 }, (_, n) => message(n))));
    expect(plan.length).toBeLessThanOrEqual(64);
    expect(plan.every((lock) => !lock.shared && /^t_a:g:\d+$/.test(lock.key))).toBe(true);
  });

  it("keeps each level in one sorted order, and apart per tenant schema", () => {
    const plan = identityLocksOf(identityKeys('t_a', Array.from({ length: 40 }, (_, n) => message(n))));
    const groups = plan.filter((lock) => lock.shared).map((lock) => lock.key);
    const fine = plan.filter((lock) => !lock.shared).map((lock) => lock.key);
    expect(groups).toEqual([...groups].sort());
    expect(fine).toEqual([...fine].sort());
    expect(plan.slice(0, groups.length).every((lock) => lock.shared)).toBe(true);
    const other = identityLocksOf(identityKeys('t_b', Array.from({ length: 40 }, (_, n) => message(n))));
    expect(compatible(plan, other)).toBe(true);
  });
});
