import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCacheKey } from '../../modules/enrichment/answer-cache.js';
import { identify, tenantRows, trackEvents } from '../integration/leads/lead-operations.js';
import { createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import { deletePerson, deletionRequest, eventually, exportPerson, redisMentioning, requestDeletion } from './privacy-operations.js';

const NAME_VENDOR = 'people-by-name';

/** The receipt of an erasure: what it erased where, as counted before it ran; readable by its tenant alone; naming no one. */
describe('the deletion receipt', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let receiver: Server;
  let receiverUrl: string;

  beforeAll(async () => {
    // The tenant's downstream system: acknowledges every delivery.
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200).end('ok'));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `deletion-receipt-${randomBytes(4).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '1000000' }) });
    worker = await startTestWorker(gateway);
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    receiver?.closeAllConnections();
    await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  }, 60_000);

  const count = async (tenant: TestTenant, sql: string, values: string[]): Promise<number> =>
    (await tenantRows<{ n: number }>(gateway, tenant.id, `select count(*)::int as n from ${sql}`, values))[0]?.n ?? 0;

  /** A person seen on a device with a few events, with a cached answer about their email and an export. */
  async function seedPerson(tenant: TestTenant) {
    // Enrichment runs on its own schedule; here nothing races the counts.
    await gateway.data(tenant.secretKey, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    const tag = randomBytes(4).toString('hex');
    const person = { email: `rita.${tag}@receipt.example`, userId: `rita-${tag}`, anonymousId: `rita-device-${tag}`, name: `Rita Receipt ${tag}` };
    await trackEvents(
      gateway,
      tenant.secretKey,
      ['/pricing', '/docs', '/blog'].map((path) => ({ anonymousId: person.anonymousId, event: 'Viewed Page', properties: { path } })),
    );
    const lead = await identify(gateway, tenant.secretKey, { anonymousId: person.anonymousId, userId: person.userId, email: person.email, traits: { name: person.name } });
    await gateway.services.coordination.cache.set(
      answerCacheKey(gateway.services.hashKeys, { tenantId: tenant.id, providerId: 'email-verification', key: `email=${person.email}` }),
      JSON.stringify({ kind: 'match', fields: [{ field: 'email.deliverable', value: true, confidence: 1 }] }),
      3_600_000,
    );
    // A vendor that finds people by name at a company: its answers are about the person too.
    await gateway.data(tenant.secretKey, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: {
        apiKey: 'vendor-key',
        config: {
          id: NAME_VENDOR,
          name: 'People by name',
          endpoint: 'http://127.0.0.1:9/people',
          method: 'GET',
          auth: { kind: 'bearer' },
          request: { query: { name: '{{name}}', domain: '{{domain}}' } },
          accepts: ['name', 'domain'],
          mode: 'sync',
          mapping: [{ field: 'person.title', path: 'title', confidence: 0.9, verified: true, type: 'string' }],
          priceCredits: 1,
          rateLimitPerMinute: 60,
          concurrency: 1,
        },
      },
    });
    await gateway.services.coordination.cache.set(
      answerCacheKey(gateway.services.hashKeys, { tenantId: tenant.id, providerId: `vendor:${NAME_VENDOR}`, key: `name=${person.name}&domain=receipt.example` }),
      JSON.stringify({ kind: 'match', fields: [{ field: 'person.title', value: 'Buyer', confidence: 0.9 }] }),
      3_600_000,
    );
    const exported = await exportPerson(gateway, tenant, { email: person.email });
    expect(exported.status).toBe('COMPLETED');
    return { ...person, leadId: lead.id, exportId: exported.id };
  }

  it('happy: counts what was there, table by table, with the export deleted, the cache purged, the webhook told and the times', async () => {
    const tenant = await createTenant(gateway);
    await gateway.data(tenant.secretKey, 'mutation ($input: WebhookInput!) { createWebhook(input: $input) { secret } }', {
      input: { url: receiverUrl, events: ['LEAD_DELETED'] },
    });
    const person = await seedPerson(tenant);
    const logged = `{t}.ingest_log where message->>'anonymousId' = $1 or message->>'userId' = $2 or lower(message->>'email') = $3`;
    const before = {
      leads: await count(tenant, '{t}.leads where id = $1', [person.leadId]),
      events: await count(tenant, '{t}.events where lead_id = $1', [person.leadId]),
      sessions: await count(tenant, '{t}.sessions where lead_id = $1', [person.leadId]),
      identities: await count(tenant, '{t}.identities where lead_id = $1', [person.leadId]),
      ingest_log: await count(tenant, logged, [person.anonymousId, person.userId, person.email]),
      export_requests: await count(tenant, '{t}.export_requests where id = $1', [person.exportId]),
    };
    expect(before).toMatchObject({ leads: 1, identities: 1, export_requests: 1 });
    expect(before.events).toBeGreaterThanOrEqual(4);
    expect(before.ingest_log).toBeGreaterThanOrEqual(4);

    const asked = await requestDeletion(gateway, tenant, { email: person.email });
    expect(asked.receipt).toBeNull();
    const done = (await eventually(() => deletionRequest(gateway, tenant, asked.id), (r) => r?.status === 'COMPLETED' || r?.status === 'FAILED', 60_000, 'erased'))!;
    expect(done.status).toBe('COMPLETED');
    const receipt = done.receipt!;
    const rowsOf = Object.fromEntries(receipt.tables.map((line) => [line.table, line.rows]));
    expect(rowsOf).toEqual({
      ...before,
      consent_changes: 0,
      webhook_deliveries: 0,
      enrichment_calls: 0,
      enrichment_jobs: 0,
      lead_fields: 0,
      segment_memberships: 0,
      merges: 0,
      identity_conflicts: 0,
    });
    expect(receipt).toMatchObject({ cacheEntriesPurged: 2, suppressionsRecorded: 3, workflowsTerminated: 0, exportDocumentsDeleted: 1, webhooksTold: 1 });
    expect(Date.parse(receipt.startedAt!)).toBeGreaterThanOrEqual(Date.parse(done.requestedAt));
    expect(Date.parse(receipt.completedAt)).toBeGreaterThanOrEqual(Date.parse(receipt.startedAt!));
    expect(receipt.completedAt).toBe(done.completedAt);

    // What the receipt says is so: the export document is deleted, not hidden; nothing of the person is left in those tables.
    expect(await count(tenant, '{t}.export_requests where id = $1', [person.exportId])).toBe(0);
    expect(await count(tenant, '{t}.events where lead_id = $1', [person.leadId])).toBe(0);
    expect(await count(tenant, logged, [person.anonymousId, person.userId, person.email])).toBe(0);
    expect(await redisMentioning(gateway, [person.email, person.name])).toEqual([]);
    // A second request finds nothing: its receipt counts nothing, and says so table by table.
    const again = await deletePerson(gateway, tenant, { email: person.email });
    expect(again.receipt?.tables.every((line) => line.rows === 0)).toBe(true);
    expect(again.receipt).toMatchObject({ cacheEntriesPurged: 0, suppressionsRecorded: 0, exportDocumentsDeleted: 0, webhooksTold: 0 });
  }, 180_000);

  it("names no one: none of the person's identifiers, name or lead id is anywhere in the request as the API returns it", async () => {
    const tenant = await createTenant(gateway);
    const person = await seedPerson(tenant);
    const done = await deletePerson(gateway, tenant, { email: person.email });
    expect(done.receipt?.tables.find((line) => line.table === 'leads')?.rows).toBe(1);
    const text = JSON.stringify(done).toLowerCase();
    for (const needle of [person.email, person.userId, person.anonymousId, person.name, person.leadId, person.exportId]) expect(text).not.toContain(needle.toLowerCase());
  }, 180_000);

  it("security: tenant B cannot read A's receipt (NOT_FOUND is null), and B's request about A's person erases and counts nothing of A", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    const person = await seedPerson(a);
    const aDone = await deletePerson(gateway, a, { email: `someone.else@receipt.example` });
    expect(aDone.receipt).not.toBeNull();
    expect(await deletionRequest(gateway, b, aDone.id)).toBeNull();

    const bDone = await deletePerson(gateway, b, { email: person.email });
    expect(bDone.receipt?.tables.every((line) => line.rows === 0)).toBe(true);
    expect(bDone.receipt).toMatchObject({ cacheEntriesPurged: 0, exportDocumentsDeleted: 0, webhooksTold: 0 });
    expect(await count(a, '{t}.leads where id = $1', [person.leadId])).toBe(1);
    expect(await count(a, '{t}.export_requests where id = $1', [person.exportId])).toBe(1);
    expect(await deletionRequest(gateway, a, bDone.id)).toBeNull();
  }, 180_000);
});
