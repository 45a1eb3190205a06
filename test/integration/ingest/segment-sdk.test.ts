import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { lanesBehindOnceProcessed } from './segment-http.js';

/** Rows of the tenant's own schema, read straight from PostgreSQL. */
async function rows<T extends object>(gateway: TestGateway, tenantId: string, sql: string, values: unknown[] = []): Promise<T[]> {
  return gateway.services.db.query<T>(sql.replaceAll('{t}', `"t_${tenantId}"`), values as string[]);
}

describe('Segment-compatible ingestion with the real analytics-node SDK', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('delivers track, identify and page calls into the tenant of the write key, stitched to one lead', async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const analytics = new Analytics({ writeKey: tenant.publishableKey, host: gateway.url, flushAt: 10, flushInterval: 50, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));

    analytics.page({ anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing', url: 'https://acme.test/pricing' } });
    analytics.track({ anonymousId: 'anon-1', event: 'Signup Started', properties: { plan: 'pro' } });
    analytics.identify({ anonymousId: 'anon-1', userId: 'user-42', traits: { email: 'Jane@Example.com', name: 'Jane' } });
    analytics.track({ userId: 'user-42', event: 'Signup Completed' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(errors).toEqual([]);
    // The SDK was answered once its calls were appended; what they did is read once the processor has taken up both tenants' logs.
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    expect(await lanesBehindOnceProcessed(gateway, other.id)).toEqual([]);

    const leads = await rows<{ id: string; email: string; user_id: string; traits: Record<string, unknown> }>(
      gateway,
      tenant.id,
      'select id, email, user_id, traits from {t}.leads where merged_into is null',
    );
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ email: 'jane@example.com', user_id: 'user-42', traits: { name: 'Jane' } });
    const events = await rows<{ name: string; lead_id: string }>(gateway, tenant.id, 'select name, lead_id from {t}.events order by at, id');
    expect(events.map((e) => e.name).sort()).toEqual(['Signup Completed', 'Signup Started', 'identify', 'page_view'].sort());
    expect(new Set(events.map((e) => e.lead_id))).toEqual(new Set([leads[0]?.id]));

    const elsewhere = await rows<{ n: number }>(gateway, other.id, 'select count(*)::int as n from {t}.events');
    expect(elsewhere[0]?.n).toBe(0);
  });
});
