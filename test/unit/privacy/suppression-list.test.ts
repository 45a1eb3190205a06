import { describe, expect, it } from 'vitest';
import { createMemoryCoordination } from '../../../platform/coordination/memory-coordination.js';
import { createSuppressionList, publishSuppressionsChanged } from '../../../modules/privacy/suppression-list.js';
import { suppressionHash } from '../../../modules/privacy/suppression-hash.js';
import { createHashKeys } from '../../../tenants/secrets/hash-keys.js';

const hashKeys = createHashKeys(Buffer.alloc(32, 7));

/** The suppression rows of one tenant, counting the reads it is asked for. */
function storedRows(hashes: string[]) {
  const store = {
    queries: 0,
    loadRows: async () => {
      store.queries += 1;
      return hashes.map((hash) => ({ hash, hash_version: 2 }));
    },
  };
  return store;
}

const tenant = { tenantId: 'tn1', schema: 't_tn1' };

describe('the per-process suppression list', () => {
  it('reads a tenant once, not per batch, and again after a minute', async () => {
    const stored = storedRows([]);
    let now = 0;
    const coordination = createMemoryCoordination();
    const list = createSuppressionList({ loadRows: stored.loadRows, pubsub: coordination.pubsub, hashKeys, now: () => now, onError: () => undefined });
    for (let batch = 0; batch < 100; batch += 1) expect((await list.hashesOf(tenant)).size).toBe(0);
    expect(stored.queries).toBe(1);
    now += 59_000;
    await list.hashesOf(tenant);
    expect(stored.queries).toBe(1);
    now += 2_000;
    await list.hashesOf(tenant);
    expect(stored.queries).toBe(2);
    await list.stop();
    await coordination.close();
  });

  it("reloads a tenant when its channel says the list changed, and only that tenant's", async () => {
    const hashes: string[] = [];
    const stored = storedRows(hashes);
    const coordination = createMemoryCoordination();
    const list = createSuppressionList({ loadRows: stored.loadRows, pubsub: coordination.pubsub, hashKeys, now: () => 0, onError: () => undefined });
    const other = { tenantId: 'tn2', schema: 't_tn2' };
    await list.hashesOf(tenant);
    await list.hashesOf(other);
    hashes.push(suppressionHash(hashKeys, tenant.tenantId, 'email', 'gone@erased.test'));
    await publishSuppressionsChanged(coordination.pubsub, tenant.tenantId);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const reloaded = await list.hashesOf(tenant);
    expect(reloaded.size).toBe(1);
    expect(reloaded.has('email', ' Gone@Erased.test')).toBe(true);
    expect(reloaded.has('email', 'kept@erased.test')).toBe(false);
    expect((await list.hashesOf(other)).size).toBe(0);
    expect(stored.queries).toBe(3);
    await list.stop();
    await coordination.close();
  });
});
