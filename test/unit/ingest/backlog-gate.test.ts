import { afterEach, describe, expect, it } from 'vitest';
import { BacklogFullError, createBacklogGate, type BacklogGate } from '../../../modules/leads/ingest/backlog-gate.js';
import type { LaneBacklog } from '../../../modules/leads/ingest/ingest-log.repository.js';
import { BULK_LANE, URGENT_LANE } from '../../../modules/leads/ingest/log-entry.js';

const lane = (tenantId: string, which: 0 | 1, appended: number, processed: number): LaneBacklog => ({
  tenantId,
  schema: `t_${tenantId}`,
  lane: which,
  appended,
  modeled: processed,
  processed,
  modeledAt: new Date(),
  processedAt: new Date(),
});

describe('the backlog gate', () => {
  let gate: BacklogGate | undefined;
  afterEach(() => gate?.stop());

  const gateOver = (readings: LaneBacklog[][]) => {
    let next = 0;
    gate = createBacklogGate({
      read: async () => readings[Math.min(next++, readings.length - 1)] ?? [],
      bounds: { perTenant: 100, total: 250, urgentPerTenant: 10 },
      onError: (error) => {
        throw error;
      },
    });
    return gate;
  };

  it('admits bulk up to the tenant bound and refuses past it, with the wait its processing rate implies', async () => {
    const g = gateOver([[lane('a', BULK_LANE, 150, 0)], [lane('a', BULK_LANE, 400, 200)]]);
    await g.refresh();
    // The first reading has no rate yet: a fixed wait.
    expect(() => g.admit('a', BULK_LANE)).toThrow(BacklogFullError);
    expect(() => g.admit('b', BULK_LANE)).not.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await g.refresh();
    const refusal = (() => {
      try {
        g.admit('a', BULK_LANE);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(BacklogFullError);
    // 200 processed in ~20 ms is fast: the 100 over the bound go in under a second, so the least wait.
    expect((refusal as BacklogFullError).retryAfterSeconds).toBe(1);
    expect((refusal as BacklogFullError).scope).toBe('tenant');
  });

  it('refuses bulk of every tenant past the total bound', async () => {
    const g = gateOver([[lane('a', BULK_LANE, 90, 0), lane('b', BULK_LANE, 90, 0), lane('c', BULK_LANE, 90, 0)]]);
    await g.refresh();
    expect(g.reading().waiting).toEqual({ [URGENT_LANE]: 0, [BULK_LANE]: 270 });
    expect(() => g.admit('d', BULK_LANE)).toThrow(expect.objectContaining({ scope: 'total' }) as Error);
  });

  it("keeps a visitor's own lane open while bulk is full, bounded by its own lane only", async () => {
    const g = gateOver([[lane('a', BULK_LANE, 500, 0), lane('b', URGENT_LANE, 11, 0)]]);
    await g.refresh();
    expect(() => g.admit('a', BULK_LANE)).toThrow(BacklogFullError);
    expect(() => g.admit('a', URGENT_LANE)).not.toThrow();
    expect(() => g.admit('b', URGENT_LANE)).toThrow(BacklogFullError);
  });
});
