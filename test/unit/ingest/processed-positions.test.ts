import { describe, expect, it } from 'vitest';
import { createProcessedPositions } from '../../../modules/leads/ingest/processed-positions.js';
import { BULK_LANE } from '../../../modules/leads/ingest/log-entry.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';

const tenant = { tenantId: 'tn_a', schema: 't_tn_a' } as TenantDb;

describe('read-your-writes over the log', () => {
  it('resolves when a processor says the lane passed the position, without waiting for a poll', async () => {
    let reads = 0;
    const positions = createProcessedPositions({
      read: async () => {
        reads += 1;
        return 3;
      },
      pollMs: 60_000,
    });
    const waiting = positions.reached(tenant, BULK_LANE, 5, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    positions.advanced('tn_a', BULK_LANE, 5);
    await expect(waiting).resolves.toBe(true);
    expect(reads).toBe(1);
    // Known now: no read at all.
    await expect(positions.reached(tenant, BULK_LANE, 4, 0)).resolves.toBe(true);
    expect(reads).toBe(1);
  });

  it('finds a position reached elsewhere by reading the cursor again, and gives up at its timeout', async () => {
    let committed = 0;
    const positions = createProcessedPositions({ read: async () => committed, pollMs: 5 });
    setTimeout(() => (committed = 2), 20);
    await expect(positions.reached(tenant, BULK_LANE, 2, 5_000)).resolves.toBe(true);
    await expect(positions.reached(tenant, BULK_LANE, 9, 30)).resolves.toBe(false);
  });

  it('keeps lanes and tenants apart', async () => {
    const positions = createProcessedPositions({ read: async () => 0, pollMs: 5 });
    positions.advanced('tn_b', BULK_LANE, 10);
    positions.advanced('tn_a', 0, 10);
    await expect(positions.reached(tenant, BULK_LANE, 1, 20)).resolves.toBe(false);
  });
});
