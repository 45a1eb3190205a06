import type { TestGateway } from '../../support/test-gateway.js';
import { eventually } from '../../support/eventually.js';

/**
 * POST to a /v1 route as a Segment client would, the key as the Basic user
 * name. Asks to be answered once the messages are processed (`Prefer:
 * processed`), as the tests read what the messages did right after; `ackOnly`
 * takes the plain acknowledgement of the append, as SDKs do.
 */
export async function postSegment(
  gateway: TestGateway,
  path: string,
  body: unknown,
  opts: { key?: string; headers?: Record<string, string>; raw?: string; ackOnly?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const auth = opts.key === undefined ? {} : { authorization: `Basic ${Buffer.from(`${opts.key}:`).toString('base64')}` };
  const prefer = opts.ackOnly === true ? {} : { prefer: 'processed' };
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...prefer, ...opts.headers },
    body: opts.raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

export async function countEvents(gateway: TestGateway, tenantId: string): Promise<number> {
  const rows = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenantId}".events`);
  return rows[0]?.n ?? 0;
}

/** Messages in the tenant's ingestion log (appended, processed or not). */
export async function countLogged(gateway: TestGateway, tenantId: string): Promise<number> {
  const rows = await gateway.services.db.query<{ n: number }>(`select count(*)::int as n from "t_${tenantId}".ingest_log`);
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

/**
 * Waits until the processor has taken up everything appended to the tenant's
 * log so far (every lane's cursor at its head), and returns the lanes still
 * behind: none, once it has. A test that asserts something was not stored
 * reads after this, so the absence is the processor's doing and not its delay.
 */
export async function lanesBehindOnceProcessed(gateway: TestGateway, tenantId: string): Promise<Array<{ lane: number; appended: string; processed: string }>> {
  return eventually(
    () =>
      gateway.services.db.query<{ lane: number; appended: string; processed: string }>(
        `select h.lane, h.appended::text, coalesce(c.processed, 0)::text as processed
           from control.ingest_heads h left join control.ingest_cursors c on c.tenant_id = h.tenant_id and c.lane = h.lane
          where h.tenant_id = $1 and h.appended > coalesce(c.processed, 0)`,
        [tenantId],
      ),
    (behind) => behind.length === 0,
  );
}
