import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Database } from '../platform/postgres/database.js';

export interface PageViewSample {
  readonly visitor: string;
  /** performance.now() just before the request. */
  readonly sentAt: number;
  /** Until the HTTP 200; undefined when the request failed or was refused. */
  readonly answeredMs: number | undefined;
}

/** A Segment page call of /pricing by `visitor`; a visitor never seen before makes a lead that enters the segment once. */
export async function sendPricingView(gatewayUrl: string, publishableKey: string, visitor: string): Promise<PageViewSample> {
  const page = { path: '/pricing', url: 'https://www.example.com/pricing', title: 'Pricing' };
  const body = JSON.stringify({
    messageId: randomUUID(),
    anonymousId: visitor,
    name: 'Pricing',
    timestamp: new Date().toISOString(),
    properties: page,
    context: { page, library: { name: 'analytics.js', version: '5.2.0' } },
  });
  const sentAt = performance.now();
  try {
    const response = await fetch(`${gatewayUrl}/v1/page`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${publishableKey}:`).toString('base64')}` },
      body,
    });
    await response.arrayBuffer();
    return { visitor, sentAt, answeredMs: response.status === 200 ? performance.now() - sentAt : undefined };
  } catch {
    return { visitor, sentAt, answeredMs: undefined };
  }
}

/** `send` for a new visitor every `everyMs` for `seconds`, open loop: a slow answer delays no later sample. */
export async function sampleEvery(everyMs: number, seconds: number, prefix: string, send: (visitor: string) => Promise<PageViewSample>): Promise<PageViewSample[]> {
  const sends: Array<Promise<PageViewSample>> = [];
  const start = performance.now();
  for (let i = 0; performance.now() - start < seconds * 1000; i += 1) {
    sends.push(send(`${prefix}-${i}`));
    await sleep(Math.max(0, start + (i + 1) * everyMs - performance.now()));
  }
  return Promise.all(sends);
}

const membershipMessage = z.object({
  data: z.object({ segmentMembership: z.object({ change: z.enum(['ENTERED', 'EXITED']), lead: z.object({ id: z.string() }) }) }).nullish(),
  errors: z.array(z.unknown()).optional(),
});

export interface MembershipSubscriber {
  /** When each lead's first ENTERED message arrived (performance.now()). */
  readonly enteredAt: ReadonlyMap<string, number>;
  /** Error messages and errors of the subscription, as received. */
  readonly errors: readonly string[];
  /** Until `leadIds` all have their message, or `timeoutMs` passed. */
  waitFor(leadIds: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** segmentMembership over graphql-ws, as a client of the API sees it. */
export function subscribeToMembership(gatewayUrl: string, secretKey: string, segmentId: string): MembershipSubscriber {
  const client = createClient({
    url: `${gatewayUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${secretKey}` },
    lazy: false,
    retryAttempts: 0,
  });
  const enteredAt = new Map<string, number>();
  const errors: string[] = [];
  client.subscribe(
    { query: 'subscription ($id: ID!) { segmentMembership(segmentId: $id) { segmentId change lead { id } at } }', variables: { id: segmentId } },
    {
      next: (message) => {
        const arrived = performance.now();
        const parsed = membershipMessage.safeParse(message);
        const change = parsed.data?.data?.segmentMembership;
        if (change === undefined || parsed.data?.errors !== undefined) errors.push(JSON.stringify(message).slice(0, 300));
        else if (change.change === 'ENTERED' && !enteredAt.has(change.lead.id)) enteredAt.set(change.lead.id, arrived);
      },
      error: (error) => errors.push(JSON.stringify(error instanceof Error ? error.message : error).slice(0, 300)),
      complete: () => undefined,
    },
  );
  return {
    enteredAt,
    errors,
    async waitFor(leadIds, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (leadIds.some((id) => !enteredAt.has(id)) && performance.now() < deadline) await sleep(20);
    },
    close: async () => await client.dispose(),
  };
}

/** The lead each visitor became, from the tenant's identities. */
export async function leadsOfVisitors(db: Database, schema: string, visitors: readonly string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ visitor: string; leadId: string }>(
    `select anonymous_id as visitor, lead_id as "leadId" from ${schema}.identities where anonymous_id = any($1)`,
    [[...visitors]],
  );
  return new Map(rows.map((row) => [row.visitor, row.leadId]));
}
