import type { TestGateway } from '../../support/test-gateway.js';

/** POST to a /v1 route as a Segment client would, the key as the Basic user name. */
export async function postSegment(
  gateway: TestGateway,
  path: string,
  body: unknown,
  opts: { key?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const auth = opts.key === undefined ? {} : { authorization: `Basic ${Buffer.from(`${opts.key}:`).toString('base64')}` };
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...opts.headers },
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

export async function countEvents(gateway: TestGateway, tenantId: string): Promise<number> {
  const rows = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenantId}".events`);
  return rows[0]?.n ?? 0;
}

export async function countLeads(gateway: TestGateway, tenantId: string): Promise<number> {
  const rows = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenantId}".leads`);
  return rows[0]?.n ?? 0;
}

export const track = (anonymousId: string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Clicked',
  anonymousId,
  properties: { button: 'buy' },
  ...extra,
});
