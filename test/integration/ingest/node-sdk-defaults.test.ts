import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { LEAD_BY_EMAIL, type LeadView } from '../leads/lead-operations.js';
import { lanesBehindOnceProcessed } from './segment-http.js';

/**
 * The server-side SDKs a customer already runs, each with its defaults and only
 * its host pointed at LeadGraph, checked through the tenant's own GraphQL API.
 * An SDK takes the plain acknowledgement (the append), so each test waits for
 * the processor to take up the tenants' logs before it reads.
 */
describe('server-side Segment-protocol SDKs with their default settings', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  const leadOf = async (tenant: TestTenant, email: string): Promise<LeadView | null> => {
    const response = await gateway.gql<{ leadByEmail: LeadView | null }>(tenant.secretKey, LEAD_BY_EMAIL, { email });
    if (response.errors !== undefined) throw new Error(`leadByEmail failed: ${JSON.stringify(response.errors)}`);
    return response.data?.leadByEmail ?? null;
  };

  /** One visitor's journey: a page, an event, the sign-up that names them, their company, and an event as the known user. */
  const journey = (domain: string, email: string) => ({
    page: { anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing', url: `https://${domain}/pricing` } },
    trackAnonymous: { anonymousId: 'anon-1', event: 'Signup Started', properties: { plan: 'pro' } },
    identify: { anonymousId: 'anon-1', userId: 'user-42', traits: { email, name: 'Jane' } },
    group: { userId: 'user-42', groupId: 'acme-co', traits: { name: 'Acme Co', domain } },
    trackKnown: { userId: 'user-42', event: 'Signup Completed', properties: { plan: 'pro' } },
  });

  const expectOneStitchedLead = (lead: LeadView | null, email: string, domain: string) => {
    expect(lead).not.toBeNull();
    expect(lead).toMatchObject({ email, userId: 'user-42', anonymousIds: ['anon-1'], traits: { name: 'Jane' } });
    expect(lead?.company).toEqual({ domain, name: 'Acme Co' });
    expect(lead?.events.map((event) => event.name).sort()).toEqual(['Signup Completed', 'Signup Started', 'group', 'identify', 'page_view']);
    expect(lead?.events.find((event) => event.name === 'Signup Started')?.properties).toEqual({ plan: 'pro' });
  };

  it('@segment/analytics-node (uncompressed JSON by default): every call lands on one stitched lead of the key’s tenant', async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const domain = `acme-${randomBytes(3).toString('hex')}.test`;
    const email = `jane@${domain}`;
    const analytics = new Analytics({ writeKey: tenant.publishableKey, host: gateway.url });
    const errors: unknown[] = [];
    analytics.on('error', (error) => errors.push(error));

    const calls = journey(domain, email);
    analytics.page(calls.page);
    analytics.track(calls.trackAnonymous);
    analytics.identify(calls.identify);
    analytics.group(calls.group);
    analytics.track(calls.trackKnown);
    await analytics.closeAndFlush();

    expect(errors).toEqual([]);
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    expect(await lanesBehindOnceProcessed(gateway, other.id)).toEqual([]);
    expectOneStitchedLead(await leadOf(tenant, email), email, domain);
    expect(await leadOf(other, email)).toBeNull();
  });

  it('@rudderstack/rudder-sdk-node (gzip by default): every call lands on one stitched lead of the key’s tenant', async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const domain = `acme-${randomBytes(3).toString('hex')}.test`;
    const email = `jane@${domain}`;
    const client = new RudderAnalytics(tenant.publishableKey, { dataPlaneUrl: gateway.url });
    // Each call's own callback settles with its delivery error, or null once its batch was accepted.
    const outcomes: Array<Promise<unknown>> = [];
    const delivered = () => {
      let settle: (error: unknown) => void = () => undefined;
      outcomes.push(new Promise((resolve) => (settle = resolve)));
      return (error?: unknown) => settle(error ?? null);
    };

    const calls = journey(domain, email);
    client.page(calls.page, delivered());
    client.track(calls.trackAnonymous, delivered());
    client.identify(calls.identify, delivered());
    client.group(calls.group, delivered());
    client.track(calls.trackKnown, delivered());
    // flush() resolves with the body it last sent (the SDK sends its first call at once, the rest together):
    // with the SDK's defaults, a gzipped batch.
    const sent: unknown = await client.flush();

    expect(Buffer.isBuffer(sent)).toBe(true);
    const batch = JSON.parse(gunzipSync(sent as Buffer).toString('utf8')) as { batch: Array<Record<string, unknown>> };
    expect(batch.batch.at(-1)).toMatchObject({ type: 'track', event: 'Signup Completed', userId: 'user-42' });
    expect(await Promise.all(outcomes)).toEqual([null, null, null, null, null]);
    expect(await lanesBehindOnceProcessed(gateway, tenant.id)).toEqual([]);
    expect(await lanesBehindOnceProcessed(gateway, other.id)).toEqual([]);
    expectOneStitchedLead(await leadOf(tenant, email), email, domain);
    expect(await leadOf(other, email)).toBeNull();
  });
});
