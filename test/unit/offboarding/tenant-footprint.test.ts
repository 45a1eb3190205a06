import { describe, expect, it } from 'vitest';
import { isTenantWorkflow, tenantCoordinationPrefixes, tenantOfWorkflow } from '../../../tenants/offboarding/tenant-footprint.js';

describe("a tenant's footprint outside its schema", () => {
  const tenant = 'abc123def45678';

  it("recognises the tenant's workflows by every id shape the code starts", () => {
    for (const id of [
      `enrich:${tenant}:lead_1`,
      `enrich-batch:${tenant}:batch_1`,
      `reenrich:${tenant}`,
      `reenrich:${tenant}-2026-11-22T00:00:00Z`,
      `reenrich:${tenant}-2026-11-22T00:00:00Z:batch`,
      `rescore:${tenant}`,
      `segment-windows:${tenant}-2026-11-22T00:01:00Z`,
      `webhook:${tenant}:dlv_1`,
      `delete:${tenant}:req_1`,
      `retention:${tenant}`,
    ]) {
      expect({ id, mine: isTenantWorkflow(id, tenant) }).toEqual({ id, mine: true });
    }
  });

  it("never claims another tenant's workflow, even one whose id begins with this one's", () => {
    for (const id of [`enrich:${tenant}9:lead_1`, `reenrich:${tenant}x`, `rescore:other${tenant}`, `offboard:${tenant}`, `migrate-tenants`]) {
      expect({ id, mine: isTenantWorkflow(id, tenant) }).toEqual({ id, mine: false });
    }
  });

  it("names the tenant whose key encrypts a workflow's payloads, and none for the platform's own workflows", () => {
    for (const id of [`enrich:${tenant}:lead_1`, `reenrich:${tenant}-2026-11-22T00:00:00Z`, `reenrich:${tenant}:batch`, `delete:${tenant}:del_x`, `webhook:${tenant}:whd_1`]) {
      expect({ id, tenant: tenantOfWorkflow(id) }).toEqual({ id, tenant });
    }
    for (const id of [`offboard:${tenant}`, 'migrate-tenants', 'peeringdb-sync', `enrich:`, `nosuchkind:${tenant}`, `enrich:${tenant.toUpperCase()}:x`]) {
      expect({ id, tenant: tenantOfWorkflow(id) }).toEqual({ id, tenant: undefined });
    }
  });

  it('names the Redis keys of the tenant and of its API keys', () => {
    expect(tenantCoordinationPrefixes(tenant, ['key_1'])).toEqual({
      cache: [`enrich:answer:${tenant}:`],
      rateLimits: [`enrich:rate:${tenant}:`, `ingest:host:${tenant}`, `ingest-visitor:{${tenant}}:`, 'key:key_1', 'ingest:key_1'],
    });
  });
});
