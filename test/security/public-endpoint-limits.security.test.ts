import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, startTwoTenantGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { lanesBehindOnceProcessed } from '../integration/ingest/segment-http.js';
import { isGif, requestFrom, segmentFrom } from './public-endpoint-requests.js';

// Small budgets, so a flood is a few dozen requests; the per-key limit stays far above them.
const PER_ADDRESS = 30;
const PER_VISITOR = 10;

describe('per-visitor limits on the public endpoints, from the outside, with two tenants', () => {
  let gateway: TestGateway;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    ({ gateway, a, b } = await startTwoTenantGateway({
      INGEST_ADDRESS_RATE_LIMIT_PER_MINUTE: String(PER_ADDRESS),
      INGEST_VISITOR_RATE_LIMIT_PER_MINUTE: String(PER_VISITOR),
    }));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  /**
   * Waits until the tenant's log is processed up to its head: the endpoints answer on the append, so a count read before
   * could miss what is on its way, and a refused request's absence would prove nothing.
   */
  const caughtUp = async (tenant: TestTenant) => expect({ tenant: tenant.id, behind: await lanesBehindOnceProcessed(gateway, tenant.id) }).toEqual({ tenant: tenant.id, behind: [] });
  const eventsOf = async (tenant: TestTenant, anonymousId: string) =>
    (await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenant.id}".events where anonymous_id = $1`, [anonymousId]))[0]?.n ?? 0;
  const track = (anonymousId: string) => ({ event: 'Clicked', anonymousId, messageId: randomUUID(), properties: { n: 1 } });

  it("refuses one visitor's flood of /v1/track with 429 and Retry-After, while another visitor and the other tenant go through", async () => {
    const flooder = `flood-${randomUUID()}`;
    const statuses: number[] = [];
    let refusal: Awaited<ReturnType<typeof segmentFrom>> | undefined;
    for (let i = 0; i < PER_VISITOR + 5; i += 1) {
      const response = await segmentFrom('127.0.0.2', gateway.url, '/v1/track', a.publishableKey, track(flooder));
      statuses.push(response.status);
      if (response.status === 429) refusal ??= response;
    }
    expect(statuses.slice(0, PER_VISITOR)).toEqual(Array(PER_VISITOR).fill(200));
    expect(statuses.slice(PER_VISITOR)).toEqual(Array(5).fill(429));
    expect(Number(refusal?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refusal?.body.toString() ?? '{}')).toMatchObject({ error: 'rate_limited' });
    await caughtUp(a);
    expect(await eventsOf(a, flooder)).toBe(PER_VISITOR);

    // Another visitor of the same tenant, from another address.
    const neighbour = `neighbour-${randomUUID()}`;
    expect((await segmentFrom('127.0.0.3', gateway.url, '/v1/track', a.publishableKey, track(neighbour))).status).toBe(200);
    // The other tenant, even from the flooder's own address and with its anonymous id.
    expect((await segmentFrom('127.0.0.2', gateway.url, '/v1/track', b.publishableKey, track(flooder))).status).toBe(200);
    await caughtUp(a);
    await caughtUp(b);
    expect(await eventsOf(a, neighbour)).toBe(1);
    expect(await eventsOf(b, flooder)).toBe(1);
  });

  it('refuses an address that changes its anonymous id at every call once it passes the per-address limit', async () => {
    const ids = Array.from({ length: PER_ADDRESS + 3 }, () => `rotating-${randomUUID()}`);
    const statuses: number[] = [];
    for (const id of ids) statuses.push((await segmentFrom('127.0.0.4', gateway.url, '/v1/batch', a.publishableKey, { batch: [{ type: 'track', ...track(id) }] })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_ADDRESS);
    expect(statuses.slice(PER_ADDRESS)).toEqual([429, 429, 429]);
    await caughtUp(a);
    const stored = await Promise.all(ids.map((id) => eventsOf(a, id)));
    expect(stored.reduce((x, y) => x + y, 0)).toBe(PER_ADDRESS);
    // Another address of the same tenant is untouched.
    expect((await segmentFrom('127.0.0.5', gateway.url, '/v1/track', a.publishableKey, track(`other-${randomUUID()}`))).status).toBe(200);
  });

  it('answers every pixel of a flood with its GIF but records at most the limit', async () => {
    const visitor = `pixel-${randomUUID()}`;
    const answers = [];
    for (let i = 0; i < PER_VISITOR + 6; i += 1) {
      answers.push(await requestFrom('127.0.0.6', gateway.url, `/p.gif?k=${a.publishableKey}&aid=${visitor}&url=${encodeURIComponent(`https://shop.example/p/${i}`)}`));
    }
    expect(answers.every((answer) => answer.status === 200 && isGif(answer.body))).toBe(true);
    await caughtUp(a);
    expect(await eventsOf(a, visitor)).toBe(PER_VISITOR);
    // The other tenant's pixel, same address and visitor id: recorded.
    const other = await requestFrom('127.0.0.6', gateway.url, `/p.gif?k=${b.publishableKey}&aid=${visitor}`);
    expect(other.status).toBe(200);
    await caughtUp(b);
    expect(await eventsOf(b, visitor)).toBe(1);
  });

  it("answers every load of a flooded email pixel with its GIF but records at most the limit", async () => {
    const email = `reader-${randomUUID()}@example-corp.com`;
    const pixel = await gateway.gql<{ emailPixel: string }>(a.secretKey, 'query ($email: String!) { emailPixel(email: $email, campaign: "dec") }', { email });
    const path = new URL(pixel.data?.emailPixel ?? '').pathname;
    for (let i = 0; i < PER_VISITOR + 4; i += 1) {
      const answer = await requestFrom('127.0.0.7', gateway.url, path);
      expect(answer.status).toBe(200);
      expect(isGif(answer.body)).toBe(true);
    }
    await caughtUp(a);
    const opens = await gateway.services.db.query<{ n: number }>(
      `select count(*)::int as n from "t_${a.id}".events e join "t_${a.id}".leads l on l.id = e.lead_id where e.name = 'email_open' and l.email = $1`,
      [email],
    );
    expect(opens[0]?.n).toBe(PER_VISITOR);
  });

  it("keeps the publishable key's own limit over all its visitors, beside theirs", async () => {
    const keyed = await startTestGateway({ config: testConfig({ INGEST_RATE_LIMIT_PER_MINUTE: '15' }) });
    try {
      const tenant = await createTenant(keyed);
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        // A new visitor from a new address each time: only the key's limit can refuse them.
        statuses.push((await segmentFrom(`127.0.1.${i + 1}`, keyed.url, '/v1/track', tenant.publishableKey, track(`many-${randomUUID()}`))).status);
      }
      expect(statuses).toEqual([...Array(15).fill(200), ...Array(5).fill(429)]);
    } finally {
      await keyed.close();
    }
  });
});
