import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCAN_COST } from '../../api/graphql/limits/field-cost.js';
import { codeOf, createTenant, startTestGateway, type TestGateway, type TestTenant } from '../support/test-gateway.js';

const CREATE_SEGMENT = 'mutation ($input: SegmentInput!) { createSegment(input: $input) { id } }';
const aliased = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

/**
 * One tenant must not hold the shared database with one request: each field that scans or
 * aggregates carries its weight in the cost model, so a few hundred of them no longer fit.
 */
describe('query cost: scans and aggregates are weighed, from the outside', () => {
  let gateway: TestGateway;
  let a: TestTenant;
  let b: TestTenant;
  let segmentOfA: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    a = await createTenant(gateway);
    b = await createTenant(gateway);
    const created = await gateway.gql<{ createSegment: { id: string } }>(a.secretKey, CREATE_SEGMENT, {
      input: { name: 'warm', rule: { field: 'score', op: 'gte', value: 60 } },
    });
    segmentOfA = created.data!.createSegment.id;
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('refuses 300 aliased segment(id) { count } with QUERY_TOO_COMPLEX before any of them runs', async () => {
    const response = await gateway.gql(a.secretKey, aliased(300, `segment(id: "${segmentOfA}") { count }`));
    expect(response.status).toBe(400);
    expect(codeOf(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors?.[0]?.extensions).toMatchObject({ cost: 300 * (1 + SCAN_COST), maxCost: gateway.config.MAX_QUERY_COST });
    expect(response.data ?? null).toBeNull();
  });

  it("weighs the same for another tenant's key naming A's segment: the refusal reveals nothing", async () => {
    const response = await gateway.gql(b.secretKey, aliased(300, `segment(id: "${segmentOfA}") { count }`));
    expect(codeOf(response)).toBe('QUERY_TOO_COMPLEX');
    expect(response.errors?.[0]?.extensions?.['cost']).toBe(300 * (1 + SCAN_COST));
  });

  it('weighs filtered lead pages and their totals, searches, usage and IP lookups as more than a field', async () => {
    // Each count is chosen to fit when every field cost 1, so only the weights refuse them.
    for (const [count, field] of [
      [200, 'leads(first: 1, filter: { minScore: 10 }) { totalCount }'],
      [100, 'usage { operation count }'],
    ] as const) {
      const response = await gateway.gql(a.secretKey, aliased(count, field));
      expect({ field, code: codeOf(response) }).toEqual({ field, code: 'QUERY_TOO_COMPLEX' });
    }
    for (const field of ['leadByEmail(email: "x@example.com") { id }', 'lookupIp(ip: "192.0.2.1") { ip }', 'company(domain: "example.com") { id }']) {
      const response = await gateway.gql(a.secretKey, aliased(2_500, field));
      expect({ field, code: codeOf(response) }).toEqual({ field, code: 'QUERY_TOO_COMPLEX' });
    }
  });

  it("still answers what a dashboard asks: every segment with its count, a page of leads with the total", async () => {
    const segments = await gateway.gql<{ segments: Array<{ id: string; count: number }> }>(a.secretKey, '{ segments { id name count } }');
    expect(segments.errors).toBeUndefined();
    expect(segments.data?.segments).toEqual([{ id: segmentOfA, name: 'warm', count: 0 }]);
    const leads = await gateway.gql<{ leads: { totalCount: number } }>(
      a.secretKey,
      '{ leads(first: 100, filter: { minScore: 10 }) { totalCount edges { node { id email score tier company { name } } } } }',
    );
    expect(leads.errors).toBeUndefined();
    expect(leads.data?.leads.totalCount).toBe(0);
  });
});
