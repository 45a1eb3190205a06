import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { startVendorServer, vendorConfig, type VendorServer } from '../support/vendor-server.js';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifiedPayload } from '../support/webhook-receiver.js';
import { eventually } from '../support/eventually.js';

describe('scoring model changes and enrichment rescore leads through the worker', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let vendor: VendorServer;

  beforeAll(async () => {
    vendor = await startVendorServer({ key: `sk_live_${randomBytes(8).toString('hex')}` });
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `rescore-${randomBytes(4).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '1000000' }) });
    worker = await startTestWorker(gateway);
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await vendor?.close();
  });

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);


  const scores = (tenant: TestTenant) =>
    gateway.services.db.query<{ id: string; score: number; breakdown: Array<{ rule: string; points: number }> }>(
      `select id, score, score_breakdown as breakdown from t_${tenant.id}.leads where merged_into is null order by id`,
    );

  it('keeps the old model on an invalid one, and rescores every lead with a new one', async () => {
    const tenant = await createTenant(gateway);
    const events = Array.from({ length: 30 }, (_, i) => ({ anonymousId: `r-${i}`, event: i % 3 === 0 ? 'Signed Up' : 'Viewed Docs' }));
    await gql(tenant, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', { e: events });

    const invalid = await gateway.gql(tenant.secretKey, 'mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', {
      i: { rules: [{ name: 'Bad', kind: 'BOOST', event: 'x', window: 'P2Y', pointsPerEvent: 1, maxPoints: 10 }] },
    });
    expect(codeOf(invalid)).toBe('BAD_USER_INPUT');
    expect(invalid.errors?.[0]?.message).toContain('input.rules.0.window');
    expect((await gql<{ scoringModel: { version: number } }>(tenant, '{ scoringModel { version } }')).scoringModel.version).toBe(0);

    const updated = await gql<{ updateScoringModel: { version: number } }>(tenant, 'mutation ($i: ScoringModelInput!) { updateScoringModel(input: $i) { version } }', {
      i: { rules: [{ name: 'Signed up', kind: 'EXIST', event: 'Signed Up', points: 70 }, { name: 'Any visitor', kind: 'EXIST', event: 'Viewed Docs', points: 5 }] },
    });
    expect(updated.updateScoringModel.version).toBe(1);
    const rescored = await eventually(() => scores(tenant), (rows) => rows.length === 30 && rows.every((r) => r.score === 70 || r.score === 5));
    expect(rescored.filter((r) => r.score === 70)).toHaveLength(10);
    expect(rescored.find((r) => r.score === 70)?.breakdown).toEqual([{ rule: 'Signed up', points: 70 }]);
    // The API answered throughout: a read during the rescoring is just a read.
    expect((await gql<{ scoringModel: { version: number } }>(tenant, '{ scoringModel { version } }')).scoringModel.version).toBe(1);
  }, 60_000);

  it("raises a lead's score when its enrichment finds its company", async () => {
    const tenant = await createTenant(gateway, { credits: 100 });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: { config: vendorConfig(vendor, { mode: 'sync', poll: undefined }), apiKey: vendor.key },
    });
    await gql(tenant, 'mutation { updateEnrichmentSettings(input: { waterfall: ["vendor:clearbit-like"], autoEnrich: false }) { waterfall } }');
    const lead = (await gql<{ identify: { id: string } }>(tenant, 'mutation { identify(input: { userId: "u-1", email: "ann@scored-corp.test" }) { id } }')).identify;
    // A business email names its company at identify, before any enrichment: known person 15, company identified 10.
    const before = await eventually(() => scores(tenant), (rows) => rows[0]?.score === 25);
    expect(before[0]?.breakdown).toEqual([
      { rule: 'Known person', points: 15 },
      { rule: 'Company identified', points: 10 },
    ]);
    await gql(tenant, 'mutation ($id: ID!) { enrichLead(id: $id) { id } }', { id: lead.id });
    const after = await eventually(() => scores(tenant), (rows) => (rows[0]?.score ?? 0) > 25);
    // Known person 15, company identified 10, 250 employees in 50–5000: 15.
    expect(after[0]?.breakdown).toEqual([
      { rule: 'Known person', points: 15 },
      { rule: 'Company identified', points: 10 },
      { rule: 'Company size 50–5000', points: 15 },
    ]);
  }, 60_000);

  it('signs and delivers segment entries and score changes to the endpoints that asked for them', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const tenant = await createTenant(gateway);
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      const created = await gql<{ createWebhook: { secret: string } }>(tenant, 'mutation ($i: WebhookInput!) { createWebhook(input: $i) { secret } }', {
        i: { url, events: ['SEGMENT_ENTERED'] },
      });
      const segment = (await gql<{ createSegment: { id: string } }>(tenant, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
        i: { name: 'Signed up', rule: { event: 'Signed Up' } },
      })).createSegment;
      await gql(tenant, 'mutation ($e: [TrackInput!]!) { track(events: $e) { accepted } }', { e: [{ anonymousId: 'hooked', event: 'Signed Up' }] });
      const deliveries = await eventually(async () => received, (r) => r.length > 0);
      expect(deliveries).toHaveLength(1);
      const [delivery] = deliveries;
      // As a receiver verifies it, with the Standard Webhooks library (it throws on a bad signature).
      expect(verifiedPayload(created.createWebhook.secret, delivery!.body, delivery!.headers)).toMatchObject({ type: 'segment.entered' });
      const payload = JSON.parse(delivery!.body) as { type: string; data: { segmentId: string; change: string } };
      expect(payload).toMatchObject({ type: 'segment.entered', data: { segmentId: segment.id, change: 'ENTERED' } });
      // lead.scored was not asked for: nothing else arrives.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(received).toHaveLength(1);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  }, 60_000);
});
