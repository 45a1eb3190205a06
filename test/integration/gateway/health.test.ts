import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, testConfig, type TestGateway } from '../../support/test-gateway.js';

interface Readiness {
  status: string;
  checks: Record<string, string>;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** The value of one sample of a Prometheus text exposition, e.g. `name{a="1",b="2"}`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

describe('health, readiness and metrics', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('GET /healthz answers 200 without credentials', async () => {
    const { status, body } = await getJson<{ status: string }>(`${gateway.url}/healthz`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when PostgreSQL, Redis and Temporal all answer', async () => {
    const { status, body } = await getJson<Readiness>(`${gateway.url}/readyz`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } });
  });

  it('GET /metrics is Prometheus text counting HTTP requests and GraphQL operations', async () => {
    const tenant = await createTenant(gateway);
    expect((await gateway.gql(tenant.secretKey, '{ tenant { id } }')).errors).toBeUndefined();
    expect((await gateway.gql(tenant.secretKey, '{ tenant { nickname } }')).errors).toBeDefined();

    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE leadgraph_http_requests_total counter');
    expect(text).toContain('# TYPE leadgraph_graphql_operations_total counter');

    // At least the two queries above and createTenant's mutation were answered at /graphql.
    expect(sample(text, 'leadgraph_http_requests_total', { route: '/graphql', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'leadgraph_http_requests_total', { route: '/graphql', status: '400' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leadgraph_graphql_operations_total', { type: 'query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leadgraph_graphql_operations_total', { type: 'mutation', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'leadgraph_graphql_operations_total', { type: 'invalid', outcome: 'BAD_USER_INPUT' })).toBeGreaterThanOrEqual(1);
  });
});

describe('readiness with Temporal unreachable', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    // The Temporal client connects lazily, so the gateway starts and only readiness notices.
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1' }) });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('GET /readyz answers 503 and names temporal, while the other checks stay ok', async () => {
    const { status, body } = await getJson<Readiness>(`${gateway.url}/readyz`);
    expect(status).toBe(503);
    expect(body.status).toBe('unavailable');
    expect(body.checks['postgres']).toBe('ok');
    expect(body.checks['redis']).toBe('ok');
    expect(body.checks['temporal']).toEqual(expect.any(String));
    expect(body.checks['temporal']).not.toBe('ok');
  });

  it('GET /healthz still answers 200: liveness does not depend on Temporal', async () => {
    const { status } = await getJson(`${gateway.url}/healthz`);
    expect(status).toBe(200);
  });
});
