import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LeadChange } from '../../../modules/lead-changes/lead-evaluation.js';
import { sweepWindowedSegments } from '../../../modules/segments/segment-windows.js';
import { messageCollector } from '../../support/message-collector.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { eventually } from '../../support/eventually.js';

const DAY = 86_400_000;
const PRICING_TWICE = { event: 'page_view', where: { path: '/pricing' }, count: { gte: 2 }, within: 'P14D' };

interface Change {
  segmentId?: string;
  change?: string;
  lead: { id: string; score: number; email: string | null };
  previousScore?: number;
}

describe('live segments and scores, pushed over graphql-ws from any gateway', () => {
  let first: TestGateway;
  let second: TestGateway;
  const clients: Client[] = [];

  beforeAll(async () => {
    const config = testConfig();
    first = await startTestGateway({ config });
    // The same Redis namespace: two instances of one deployment.
    second = await startTestGateway({ config });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await second?.close();
    await first?.close();
  });

  const gql = <T>(gateway: TestGateway, tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);

  /** A tenant that enriches only when asked, so scores here come from behaviour and identity alone. */
  async function tenant(): Promise<TestTenant> {
    const made = await createTenant(first);
    await gql(first, made, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    return made;
  }

  function subscribe(gateway: TestGateway, token: string, query: string, variables: Record<string, unknown> = {}) {
    const client = createClient({ url: `${gateway.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false });
    clients.push(client);
    const collected = messageCollector<{ data?: Record<string, Change>; errors?: Array<{ extensions?: { code?: string } }> }>(5_000);
    let failed: unknown;
    const started = new Promise<void>((resolve) => {
      client.on('connected', () => setTimeout(resolve, 200));
    });
    client.subscribe({ query, variables }, { next: (m) => collected.push(m as never), error: (e) => (failed = e), complete: () => undefined });
    return { collected, started, failed: () => failed };
  }

  const track = (gateway: TestGateway, t: TestTenant, events: Array<Record<string, unknown>>) =>
    gql(gateway, t, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', { e: events });
  const pricingView = (anonymousId: string, at = new Date()) => ({
    anonymousId,
    event: 'page_view',
    timestamp: at.toISOString(),
    properties: { path: '/pricing' },
  });
  const leadOf = async (gateway: TestGateway, t: TestTenant, anonymousId: string) =>
    (await gateway.services.db.query<{ id: string }>(`select lead_id as id from t_${t.id}.identities where anonymous_id = $1`, [anonymousId]))[0]!.id;


  it('refuses an invalid rule with the path of the bad node', async () => {
    const t = await tenant();
    const refused = await first.gql(t.secretKey, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
      i: { name: 'Bad', rule: { all: [{ field: 'company.country', op: 'eq', value: 'US' }, { event: 'page_view', count: { gt: 2, lt: 5 } }] } },
    });
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors?.[0]?.message).toContain('rule.all.1.count');
  });

  it('scores a lead within a second of its events and explains every point', async () => {
    const t = await tenant();
    const visitor = `v-${randomBytes(3).toString('hex')}`;
    await track(first, t, [pricingView(visitor), pricingView(visitor)]);
    const leadId = await leadOf(first, t, visitor);
    const lead = await eventually(
      async () => (await gql<{ lead: { score: number; tier: string; scoreBreakdown: Array<{ rule: string; points: number }> } }>(first, t, 'query ($id: ID!) { lead(id: $id) { score tier scoreBreakdown { rule points } } }', { id: leadId })).lead,
      (l) => l.score > 0,
    );
    // The default model: two pricing views now (10 each) and two page views (2 each).
    expect(lead.scoreBreakdown).toEqual([
      { rule: 'Pricing page views', points: 20 },
      { rule: 'Recent page views', points: 4 },
    ]);
    expect(lead.score).toBe(24);
    expect(lead.tier).toBe('COLD');
  });

  it("scores by a new model's events at once, though the gateway last read the old model's", async () => {
    const t = await tenant();
    const visitor = `v-${randomBytes(3).toString('hex')}`;
    await track(first, t, [{ anonymousId: visitor, event: 'Booked Demo' }, pricingView(visitor)]);
    const leadId = await leadOf(first, t, visitor);
    const scoreOf = async () =>
      (await gql<{ lead: { score: number; scoreBreakdown: Array<{ rule: string; points: number }> } }>(first, t, 'query ($id: ID!) { lead(id: $id) { score scoreBreakdown { rule points } } }', { id: leadId })).lead;
    // The default model counts page views, not demos: the gateway's evaluation read page views only.
    expect((await eventually(scoreOf, (l) => l.score > 0)).scoreBreakdown.map((b) => b.rule)).not.toContain('Booked a demo');
    await gql(first, t, 'mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', {
      i: { rules: [{ name: 'Booked a demo', kind: 'EXIST', event: 'Booked Demo', points: 40 }] },
    });
    // A page view by the visitor is evaluated by the gateway that ingests it, against the model now in force.
    const page = await fetch(`${first.url}/v1/page`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${t.publishableKey}:`).toString('base64')}` },
      body: JSON.stringify({ anonymousId: visitor, name: 'Docs', properties: { path: '/docs' } }),
    });
    expect(page.status).toBe(200);
    const rescored = await eventually(scoreOf, (l) => l.score === 40);
    expect(rescored.scoreBreakdown).toEqual([{ rule: 'Booked a demo', points: 40 }]);
  });

  it("keeps each tenant's scoring model its own: one tenant's new model neither shows nor scores in another", async () => {
    const [a, b] = [await tenant(), await tenant()];
    const visitor = `v-${randomBytes(3).toString('hex')}`;
    await track(first, b, [{ anonymousId: visitor, event: 'Booked Demo' }, pricingView(visitor)]);
    const bLead = await leadOf(first, b, visitor);
    const scoreInB = async () => (await gql<{ lead: { score: number } }>(first, b, 'query ($id: ID!) { lead(id: $id) { score } }', { id: bLead })).lead.score;
    const before = await eventually(scoreInB, (score) => score > 0);

    const written = await gql<{ updateScoringModel: { version: number } }>(first, a, 'mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', {
      i: { rules: [{ name: 'Booked a demo', kind: 'EXIST', event: 'Booked Demo', points: 90 }] },
    });
    expect(written.updateScoringModel.version).toBe(1);
    const modelOf = async (t: TestTenant) => (await gql<{ scoringModel: { version: number; rules: Array<{ name: string }> } }>(second, t, '{ scoringModel { version rules } }')).scoringModel;
    expect((await modelOf(a)).rules.map((r) => r.name)).toEqual(['Booked a demo']);
    const bModel = await modelOf(b);
    expect(bModel.version).toBe(0);
    expect(bModel.rules.map((r) => r.name)).not.toContain('Booked a demo');

    // B's visitor acts again: B's gateway evaluation still scores by B's (default) model.
    await track(second, b, [pricingView(visitor)]);
    const after = await eventually(scoreInB, (score) => score > before);
    expect(after).toBeLessThan(90);
    // A's key does not reach B's lead at all.
    expect((await gql<{ lead: unknown }>(first, a, 'query ($id: ID!) { lead(id: $id) { id } }', { id: bLead })).lead).toBeNull();
  });

  it('backfills a new segment, counts and lists it, and pushes entries made on another gateway', async () => {
    const t = await tenant();
    const early = `early-${randomBytes(3).toString('hex')}`;
    await track(first, t, [pricingView(early), pricingView(early)]);
    const earlyLead = await leadOf(first, t, early);
    await eventually(() => first.services.db.query(`select 1 from t_${t.id}.leads where id = $1 and score > 0`, [earlyLead]), (rows) => rows.length > 0);

    const segment = (await gql<{ createSegment: { id: string } }>(first, t, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
      i: { name: 'Pricing twice', rule: PRICING_TWICE },
    })).createSegment;
    const view = await gql<{ segment: { count: number; members: { totalCount: number; edges: Array<{ node: { id: string } }> } } }>(
      first,
      t,
      'query ($id: ID!) { segment(id: $id) { count members { totalCount edges { node { id } } } } }',
      { id: segment.id },
    );
    expect(view.segment).toEqual({ count: 1, members: { totalCount: 1, edges: [{ node: { id: earlyLead } }] } });

    // Subscribed on the second gateway; the events arrive through the first.
    const sub = subscribe(second, t.secretKey, 'subscription ($id: ID!) { segmentMembership(segmentId: $id) { segmentId change lead { id } } }', { id: segment.id });
    const scored = subscribe(second, t.secretKey, 'subscription { leadScored(minScore: 20) { previousScore lead { id score } } }');
    await Promise.all([sub.started, scored.started]);
    const late = `late-${randomBytes(3).toString('hex')}`;
    await track(first, t, [pricingView(late)]);
    const lateLead = await leadOf(first, t, late);
    // One view: scored (12) but not in the segment; the second view brings it in.
    await eventually(() => first.services.db.query(`select 1 from t_${t.id}.leads where id = $1 and score = 12`, [lateLead]), (rows) => rows.length > 0);
    await track(first, t, [pricingView(late)]);
    await sub.collected.waitFor(1);
    expect(sub.collected.messages[0]?.data?.['segmentMembership']).toEqual({ segmentId: segment.id, change: 'ENTERED', lead: { id: lateLead } });
    await scored.collected.waitFor(1);
    expect(scored.collected.messages.map((m) => m.data?.['leadScored'])).toContainEqual({ previousScore: 12, lead: { id: lateLead, score: 24 } });

    const leadSegments = await gql<{ lead: { segments: Array<{ id: string }> } }>(first, t, 'query ($id: ID!) { lead(id: $id) { segments { id } } }', { id: lateLead });
    expect(leadSegments.lead.segments).toEqual([{ id: segment.id }]);
    const filtered = await gql<{ leads: { totalCount: number } }>(first, t, 'query ($s: ID!) { leads(filter: { segmentId: $s }) { totalCount } }', { s: segment.id });
    expect(filtered.leads.totalCount).toBe(2);
  });

  it("never hands one tenant another's changes; another tenant's segment is NOT_FOUND", async () => {
    const a = await tenant();
    const b = await tenant();
    const segment = (await gql<{ createSegment: { id: string } }>(first, a, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
      i: { name: 'A only', rule: PRICING_TWICE },
    })).createSegment;
    const stolen = subscribe(second, b.secretKey, 'subscription ($id: ID!) { segmentMembership(segmentId: $id) { change } }', { id: segment.id });
    const bScores = subscribe(second, b.secretKey, 'subscription { leadScored { lead { id } } }');
    await Promise.all([stolen.started, bScores.started]);
    await eventually(async () => stolen.collected.messages.length + (stolen.failed() === undefined ? 0 : 1), (n) => n > 0);
    const refusal = stolen.collected.messages[0]?.errors?.[0]?.extensions?.code ?? (stolen.failed() as Array<{ extensions?: { code?: string } }> | undefined)?.[0]?.extensions?.code;
    expect(refusal).toBe('NOT_FOUND');
    expect((await first.gql(b.secretKey, 'query ($id: ID!) { segment(id: $id) { id } }', { id: segment.id })).data).toEqual({ segment: null });

    const visitor = `a-${randomBytes(3).toString('hex')}`;
    await track(first, a, [pricingView(visitor), pricingView(visitor)]);
    await eventually(() => first.services.db.query(`select 1 from t_${a.id}.segment_memberships where segment_id = $1`, [segment.id]), (rows) => rows.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bScores.collected.messages).toEqual([]);
  });

  it('lets a lead leave a windowed segment when its window slides past, keeping the history', async () => {
    const t = await tenant();
    const segment = (await gql<{ createSegment: { id: string } }>(first, t, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
      i: { name: 'Pricing twice in 14 days', rule: PRICING_TWICE },
    })).createSegment;
    const visitor = `w-${randomBytes(3).toString('hex')}`;
    const tenDaysAgo = new Date(Date.now() - 10 * DAY);
    await track(first, t, [pricingView(visitor, tenDaysAgo), pricingView(visitor, new Date(tenDaysAgo.getTime() + 60_000))]);
    const leadId = await leadOf(first, t, visitor);
    const stays = () =>
      first.services.db.query<{ enteredAt: Date; exitedAt: Date | null }>(
        `select entered_at as "enteredAt", exited_at as "exitedAt" from t_${t.id}.segment_memberships where segment_id = $1 and lead_id = $2`,
        [segment.id, leadId],
      );
    expect(await eventually(stays, (rows) => rows.length === 1)).toEqual([{ enteredAt: expect.any(Date), exitedAt: null }]);

    // Three days later the older view is 13 days old: still in. Five days later it is 15: out.
    const seen: LeadChange[] = [];
    const db = first.services.tenantDbs.ofResolved({ tenantId: t.id, schema: `t_${t.id}` });
    const sweep = (at: Date) => sweepWindowedSegments(db, at, async (changes) => void seen.push(...changes));
    expect(await sweep(new Date(Date.now() + 3 * DAY))).toBe(0);
    await sweep(new Date(Date.now() + 5 * DAY));
    expect(seen).toContainEqual(expect.objectContaining({ kind: 'membership', segmentId: segment.id, leadId, change: 'EXITED' }));
    const history = await stays();
    expect(history).toHaveLength(1);
    expect(history[0]?.exitedAt).toBeInstanceOf(Date);
    // Swept again at the same time: nothing more moves.
    seen.length = 0;
    await sweep(new Date(Date.now() + 5 * DAY));
    expect(seen.filter((c) => c.kind === 'membership')).toEqual([]);
  });
});
