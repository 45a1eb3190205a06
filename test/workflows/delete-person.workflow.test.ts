import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suppressionHash } from '../../modules/privacy/suppression-hash.js';
import { answerCacheKey } from '../../modules/enrichment/answer-cache.js';
import { postSegment } from '../integration/ingest/segment-http.js';
import { CREATE_API_KEY } from '../integration/api-keys/api-key-operations.js';
import { identify, tenantRows, trackEvents } from '../integration/leads/lead-operations.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../support/test-gateway.js';
import { startTestWorker } from '../support/test-worker.js';
import {
  DELETION_REQUEST,
  REQUEST_DELETION,
  deletePerson,
  deletionRequest,
  eventually,
  exportPerson,
  exportRequest,
  redisMentioning,
  rowsMentioning,
  type FoundRow,
} from './privacy-operations.js';

interface Receiver {
  readonly url: string;
  readonly bodies: Array<{ type: string; data: Record<string, unknown> }>;
  readonly raw: string[];
  close(): Promise<void>;
}

/** The tenant's downstream system: acknowledges every delivery and keeps what it got. */
async function startReceiver(): Promise<Receiver> {
  const bodies: Receiver['bodies'] = [];
  const raw: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      raw.push(text);
      bodies.push(JSON.parse(text) as Receiver['bodies'][number]);
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    bodies,
    raw,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Person {
  readonly email: string;
  readonly userId: string;
  readonly anonymousIds: readonly [string, string];
  readonly leadId: string;
  readonly absorbedId: string;
}

const VENDOR_ID = 'people-finder';

describe('deletePersonWorkflow on the real Temporal server', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    gateway = await startTestGateway({
      config: testConfig({ TEMPORAL_TASK_QUEUE: `delete-person-${randomBytes(4).toString('hex')}`, RATE_LIMIT_PER_MINUTE: '1000000' }),
    });
    worker = await startTestWorker(gateway);
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
    await receiver?.close();
  }, 60_000);

  const gql = <T>(tenant: TestTenant, query: string, variables?: Record<string, unknown>): Promise<T> =>
    gateway.data<T>(tenant.secretKey, query, variables);
  const rows = <T extends object>(tenant: TestTenant, sql: string, values: string[] = []) => tenantRows<T>(gateway, tenant.id, sql, values);

  /** A tenant that subscribes to every lead event, keeps a segment of known people and has an email-keyed vendor. */
  async function tenantWithDownstream(): Promise<TestTenant> {
    const tenant = await createTenant(gateway);
    // Enrichment runs on its own schedule; here its records are written by the test, so that nothing races the erasure.
    await gql(tenant, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    await gql(tenant, 'mutation ($input: WebhookInput!) { createWebhook(input: $input) { secret } }', {
      input: { url: receiver.url, events: ['LEAD_SCORED', 'SEGMENT_ENTERED', 'LEAD_DELETED'] },
    });
    await gql(tenant, 'mutation ($input: SegmentInput!) { createSegment(input: $input) { id } }', {
      input: { name: 'Known people', rule: { field: 'email', op: 'exists', value: true } },
    });
    await gql(tenant, 'mutation ($input: EnrichmentVendorInput!) { configureEnrichmentVendor(input: $input) { id } }', {
      input: {
        apiKey: 'vendor-key',
        config: {
          id: VENDOR_ID,
          name: 'People finder',
          endpoint: 'http://127.0.0.1:9/people',
          method: 'GET',
          auth: { kind: 'bearer' },
          request: { query: { email: '{{email}}' } },
          accepts: ['email'],
          mode: 'sync',
          mapping: [{ field: 'person.title', path: 'title', confidence: 0.9, verified: true, type: 'string' }],
          priceCredits: 1,
          rateLimitPerMinute: 60,
          concurrency: 1,
        },
      },
    });
    return tenant;
  }

  /**
   * A person as the platform comes to know one: two devices browsing
   * anonymously, identified by email and user id (through /v1 and GraphQL),
   * the second device stitched on by a merge; enriched, in a segment, scored
   * and pushed to a webhook, with a consent change and cached answers about their email.
   */
  async function seedPerson(tenant: TestTenant): Promise<Person> {
    const tag = randomBytes(4).toString('hex');
    const email = `erin.${tag}@erase.example`;
    const userId = `user-${tag}`;
    const anonymousIds = [`anon-laptop-${tag}`, `anon-phone-${tag}`] as const;
    for (const path of ['/pricing', '/pricing', '/docs']) {
      expect((await postSegment(gateway, '/v1/page', { anonymousId: anonymousIds[0], name: path, properties: { path } }, { key: tenant.publishableKey })).status).toBe(200);
    }
    await trackEvents(gateway, tenant.secretKey, [{ anonymousId: anonymousIds[1], event: 'Viewed Blog', properties: { path: '/blog' } }]);
    const identified = await postSegment(
      gateway,
      '/v1/identify',
      { anonymousId: anonymousIds[0], userId, traits: { email, name: 'Erin Erase', title: 'VP Sales' } },
      { key: tenant.publishableKey },
    );
    expect(identified.status).toBe(200);
    const [phone] = await rows<{ lead_id: string }>(tenant, 'select lead_id from {t}.identities where anonymous_id = $1', [anonymousIds[1]]);
    const lead = await identify(gateway, tenant.secretKey, { anonymousId: anonymousIds[1], userId });
    expect([...lead.anonymousIds].sort()).toEqual([...anonymousIds].sort());
    const person: Person = { email, userId, anonymousIds, leadId: lead.id, absorbedId: phone!.lead_id };

    const jobId = `ej_${tag}`;
    await rows(
      tenant,
      `insert into {t}.lead_fields (lead_id, field, value, confidence, source, verified, supplied, fetched_at, expires_at, below_threshold)
       values ($1, 'person.title', '"VP Sales"', 0.9, 'vendor:${VENDOR_ID}', true, false, now(), now() + interval '90 days', false),
              ($1, 'email.syntaxValid', 'true', 1, 'email-verification', true, false, now(), now() + interval '90 days', false)`,
      [lead.id],
    );
    await rows(tenant, `insert into {t}.enrichment_jobs (id, lead_id, trigger, status) values ($1, $2, 'request', 'COMPLETED')`, [jobId, lead.id]);
    await rows(tenant, `insert into {t}.enrichment_calls (job_id, provider, outcome, raw) values ($1, 'vendor:${VENDOR_ID}', 'failure', $2)`, [
      jobId,
      JSON.stringify({ error: 'unparseable', email }),
    ]);
    await rows(tenant, `insert into {t}.consent_changes (lead_id, anonymous_id, granted, categories, source) values ($1, $2, true, '{"analytics": true}', 'banner')`, [
      lead.id,
      anonymousIds[0],
    ]);
    // Consent given on the phone before anything linked it to a lead.
    await rows(tenant, `insert into {t}.consent_changes (anonymous_id, granted, source) values ($1, false, 'banner')`, [anonymousIds[1]]);
    const answer = JSON.stringify({ kind: 'match', fields: [{ field: 'person.email', value: email, confidence: 1 }] });
    for (const providerId of ['email-verification', `vendor:${VENDOR_ID}`]) {
      await gateway.services.coordination.cache.set(answerCacheKey(gateway.services.hashKeys, { tenantId: tenant.id, providerId, key: `email=${email}` }), answer, 3_600_000);
    }
    // The lead-change pipeline scores the person and puts them in the segment, each pushed to the webhook.
    await eventually(
      () => rows<{ event_type: string }>(tenant, `select event_type from {t}.webhook_deliveries where payload->'data'->>'leadId' = $1`, [lead.id]),
      (found) => found.some((d) => d.event_type === 'segment.entered') && found.some((d) => d.event_type === 'lead.scored'),
      30_000,
      'segment.entered and lead.scored deliveries',
    );
    return person;
  }

  const identifiers = (person: Person) => [person.email, person.userId, ...person.anonymousIds];
  const leadIdsOf = (person: Person) => [person.leadId, person.absorbedId];
  /** What may still name an erased lead id: the lead.deleted notifications, which exist to name it. */
  const isNotification = (found: FoundRow) => found.table === 'webhook_deliveries' && found.row['event_type'] === 'lead.deleted';

  it('erases the person from every table, the answer cache and the webhook log, tells downstream, and drops their later events', async () => {
    const tenant = await tenantWithDownstream();
    const person = await seedPerson(tenant);
    const exported = await exportPerson(gateway, tenant, { email: person.email });
    expect(JSON.stringify(exported.document)).toContain(person.email);

    // The scans see the person where they are before anything is erased, so a clean scan afterwards means something.
    const before = new Set((await rowsMentioning(gateway, tenant.id, [...identifiers(person), ...leadIdsOf(person)])).map((f) => f.table));
    for (const table of ['leads', 'identities', 'sessions', 'events', 'lead_fields', 'enrichment_calls', 'enrichment_jobs', 'segment_memberships', 'merges', 'consent_changes', 'webhook_deliveries', 'export_requests']) {
      expect(before, table).toContain(table);
    }
    // Key names are hashed; the cached answers themselves name the email.
    expect((await redisMentioning(gateway, [person.email])).length).toBeGreaterThanOrEqual(2);

    // Any case of the email reaches the person, as ingestion lower-cases it.
    const done = await deletePerson(gateway, tenant, { email: person.email.toUpperCase() });
    expect(done).toMatchObject({ status: 'COMPLETED', error: null });
    expect(done.completedAt).not.toBeNull();
    expect(done.erased).toMatchObject({
      leads: 2,
      identities: 2,
      merges: 1,
      leadFields: 2,
      enrichmentJobs: 1,
      enrichmentCalls: 1,
      consentChanges: 2,
      exports: 1,
      cacheEntries: 2,
      suppressionsRecorded: 4,
    });
    expect(done.erased?.['events']).toBeGreaterThanOrEqual(6);
    expect(done.erased?.['sessions']).toBeGreaterThanOrEqual(2);
    expect(done.erased?.['segmentMemberships']).toBeGreaterThanOrEqual(1);
    expect(done.erased?.['webhookDeliveries']).toBeGreaterThanOrEqual(2);

    // Every table of the tenant's schema, the request's own audit row included: no identifier at all, and the lead ids only in lead.deleted.
    expect(await rowsMentioning(gateway, tenant.id, identifiers(person))).toEqual([]);
    expect((await rowsMentioning(gateway, tenant.id, leadIdsOf(person))).filter((found) => !isNotification(found))).toEqual([]);
    const [audit] = await rows<Record<string, unknown>>(tenant, 'select * from {t}.deletion_requests where id = $1', [done.id]);
    expect(Object.keys(audit!).sort()).toEqual(['completed_at', 'erased', 'error', 'id', 'requested_at', 'started_at', 'status']);
    expect(await redisMentioning(gateway, [...identifiers(person), ...leadIdsOf(person)])).toEqual([]);
    expect(await exportRequest(gateway, tenant, exported.id)).toBeNull();

    // Downstream hears of each erased lead, and the delivery is acknowledged.
    await eventually(
      async () => receiver.bodies.filter((b) => b.type === 'lead.deleted').map((b) => b.data['leadId']),
      (ids) => leadIdsOf(person).every((id) => ids.includes(id)),
      30_000,
      'lead.deleted received',
    );
    await eventually(
      () => rows<{ status: string }>(tenant, `select status from {t}.webhook_deliveries where event_type = 'lead.deleted'`),
      (deliveries) => deliveries.length === 2 && deliveries.every((d) => d.status === 'DELIVERED'),
      30_000,
      'lead.deleted delivered',
    );
    const notices = receiver.raw.filter((body) => body.includes('lead.deleted') && leadIdsOf(person).some((id) => body.includes(id)));
    for (const notice of notices) for (const identifier of identifiers(person)) expect(notice).not.toContain(identifier);

    // The same person again, through /v1 and GraphQL, by email, user id or an old device: dropped, never stored.
    const fresh = `anon-new-${randomBytes(3).toString('hex')}`;
    expect((await postSegment(gateway, '/v1/identify', { anonymousId: fresh, traits: { email: person.email } }, { key: tenant.publishableKey })).status).toBe(200);
    expect((await postSegment(gateway, '/v1/track', { anonymousId: person.anonymousIds[0], event: 'Came back' }, { key: tenant.publishableKey })).status).toBe(200);
    await gateway.gql(tenant.secretKey, 'mutation ($input: IdentifyInput!) { identify(input: $input) { id } }', {
      input: { anonymousId: `${fresh}-gql`, userId: person.userId, email: person.email },
    });
    expect(await rowsMentioning(gateway, tenant.id, [...identifiers(person), fresh])).toEqual([]);

    // Asked again: nothing is left to find, and it completes all the same.
    const replay = await deletePerson(gateway, tenant, { email: person.email });
    expect(replay.status).toBe('COMPLETED');
    expect(replay.erased?.['leads'] ?? 0).toBe(0);
    expect(replay.erased?.['suppressionsRecorded'] ?? 0).toBe(0);
  }, 180_000);

  it('erases a lead with 10,000 events, asked for by the id of a lead merged into it', async () => {
    const tenant = await createTenant(gateway);
    await trackEvents(gateway, tenant.secretKey, [{ anonymousId: 'bulk-phone', event: 'Opened app' }]);
    const [phone] = await rows<{ lead_id: string }>(tenant, "select lead_id from {t}.identities where anonymous_id = 'bulk-phone'");
    await identify(gateway, tenant.secretKey, { anonymousId: 'bulk-laptop', userId: 'bulk-user', email: 'bulk@erase.example' });
    const lead = await identify(gateway, tenant.secretKey, { anonymousId: 'bulk-phone', userId: 'bulk-user' });
    const [session] = await rows<{ id: string }>(tenant, 'select id from {t}.sessions where lead_id = $1 limit 1', [lead.id]);
    await rows(
      tenant,
      `insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, at, properties)
       select 'bulk-' || g, 'track', 'Viewed Page', $1, $2, 'bulk-laptop', now() - g * interval '1 second', jsonb_build_object('n', g)
         from generate_series(1, 10000) g`,
      [lead.id, session!.id],
    );
    const held = await rows<{ n: number }>(tenant, 'select count(*)::int as n from {t}.events where lead_id = $1', [lead.id]);
    expect(held[0]!.n).toBeGreaterThan(10_000);

    const done = await deletePerson(gateway, tenant, { leadId: phone!.lead_id }, 60_000);
    expect(done.status).toBe('COMPLETED');
    expect(done.erased?.['events']).toBe(held[0]!.n);
    expect(done.erased?.['leads']).toBe(2);
    expect(await rows(tenant, 'select id from {t}.events')).toEqual([]);
    expect(await rows(tenant, 'select id from {t}.leads')).toEqual([]);
  }, 120_000);

  it('completes a deletion of an unknown email as a no-op that still records its suppression; a replay is harmless', async () => {
    const tenant = await createTenant(gateway);
    const bystander = await identify(gateway, tenant.secretKey, { anonymousId: 'bystander', email: 'stay@erase.example' });
    const email = `Nobody.${randomBytes(3).toString('hex')}@Erase.Example`;
    const first = await deletePerson(gateway, tenant, { email });
    expect(first).toMatchObject({ status: 'COMPLETED', erased: { suppressionsRecorded: 1 } });
    const suppressed = await rows<{ hash: string; kind: string }>(tenant, 'select hash, kind from {t}.suppressions');
    expect(suppressed).toEqual([{ hash: suppressionHash(gateway.services.hashKeys, tenant.id, 'email', email), kind: 'email' }]);

    const again = await deletePerson(gateway, tenant, { email: email.toLowerCase() });
    expect(again.status).toBe('COMPLETED');
    expect(again.erased).toEqual({});
    expect(await rows(tenant, 'select hash from {t}.suppressions')).toHaveLength(1);
    expect(await rows(tenant, 'select id from {t}.leads where id = $1', [bystander.id])).toHaveLength(1);

    const unknownLead = await deletePerson(gateway, tenant, { leadId: 'ld_nobody' });
    expect(unknownLead).toMatchObject({ status: 'COMPLETED', erased: {} });
  }, 120_000);

  it('refuses a publishable key (UNAUTHENTICATED) and a secret key without the privacy scope (FORBIDDEN)', async () => {
    const tenant = await createTenant(gateway);
    const input = { email: 'someone@erase.example' };
    const publishable = await gateway.gql(tenant.publishableKey, REQUEST_DELETION, { input });
    expect(codeOf(publishable)).toBe('UNAUTHENTICATED');
    const created = await gql<{ createApiKey: { key: string } }>(tenant, CREATE_API_KEY, { input: { name: 'reader', scopes: ['leads:read', 'leads:write'] } });
    const reader = created.createApiKey.key;
    expect(codeOf(await gateway.gql(reader, REQUEST_DELETION, { input }))).toBe('FORBIDDEN');
    const mine = (await gql<{ requestDeletion: { id: string } }>(tenant, REQUEST_DELETION, { input })).requestDeletion;
    expect(codeOf(await gateway.gql(reader, DELETION_REQUEST, { id: mine.id }))).toBe('FORBIDDEN');
    expect(await rows(tenant, 'select id from {t}.deletion_requests')).toHaveLength(1);
  });

  it('needs exactly one of email and leadId: BAD_USER_INPUT naming the field, and nothing is requested', async () => {
    const tenant = await createTenant(gateway);
    const ask = (input: Record<string, unknown>) => gateway.gql(tenant.secretKey, REQUEST_DELETION, { input });
    const both = await ask({ email: 'a@erase.example', leadId: 'ld_1' });
    expect(codeOf(both)).toBe('BAD_USER_INPUT');
    expect(both.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'leadId']);
    const neither = await ask({});
    expect(codeOf(neither)).toBe('BAD_USER_INPUT');
    expect(neither.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'email']);
    const malformed = await ask({ email: 'not an email' });
    expect(malformed.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'email']);
    expect(await rows(tenant, 'select id from {t}.deletion_requests')).toEqual([]);
  });

  it("keeps tenants apart: B cannot see A's request, and B's deletion of A's lead id erases nothing of A", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    const lead = await identify(gateway, a.secretKey, { anonymousId: 'a-device', userId: 'a-user', email: 'shared@erase.example' });
    const aRequest = await deletePerson(gateway, a, { email: 'someone-else@erase.example' });
    expect(await deletionRequest(gateway, b, aRequest.id)).toBeNull();

    const bRequest = await deletePerson(gateway, b, { leadId: lead.id });
    expect(bRequest).toMatchObject({ status: 'COMPLETED', erased: {} });
    const bByEmail = await deletePerson(gateway, b, { email: 'shared@erase.example' });
    expect(bByEmail.status).toBe('COMPLETED');
    expect(await rows(a, 'select id from {t}.leads where id = $1', [lead.id])).toHaveLength(1);
    expect(await rows(a, 'select hash from {t}.suppressions where hash = $1', [suppressionHash(gateway.services.hashKeys, a.id, 'email', 'shared@erase.example')])).toEqual([]);
    expect(await deletionRequest(gateway, a, bRequest.id)).toBeNull();
  }, 120_000);
});
