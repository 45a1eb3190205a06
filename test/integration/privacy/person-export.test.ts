import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_API_KEY } from '../api-keys/api-key-operations.js';
import { identify, tenantRows, trackEvents } from '../leads/lead-operations.js';
import { codeOf, createTenant, startTestGateway, testConfig, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { startTestWorker } from '../../support/test-worker.js';
import { EXPORT_REQUEST, REQUEST_EXPORT, eventually, exportPerson, exportRequest } from '../../workflows/privacy-operations.js';

type Entry = Record<string, unknown>;

describe('requestExport: everything held about a person as one JSON document', () => {
  let gateway: TestGateway;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    gateway = await startTestGateway({ config: testConfig({ TEMPORAL_TASK_QUEUE: `export-${randomBytes(4).toString('hex')}` }) });
    worker = await startTestWorker(gateway);
  }, 180_000);

  afterAll(async () => {
    await worker?.close();
    await gateway?.close();
  }, 60_000);

  const rows = <T extends object>(tenant: TestTenant, sql: string, values: string[] = []) => tenantRows<T>(gateway, tenant.id, sql, values);

  /** A known person on two devices (one merged in), enriched, in a segment, with a consent change. */
  async function seed(tenant: TestTenant) {
    await gateway.gql(tenant.secretKey, 'mutation { updateEnrichmentSettings(input: { autoEnrich: false }) { autoEnrich } }');
    await gateway.gql(tenant.secretKey, 'mutation ($input: SegmentInput!) { createSegment(input: $input) { id } }', {
      input: { name: 'Known people', rule: { field: 'email', op: 'exists', value: true } },
    });
    await trackEvents(gateway, tenant.secretKey, [
      { anonymousId: 'exp-phone', event: 'Viewed Pricing', properties: { path: '/pricing' } },
      { anonymousId: 'exp-laptop', event: 'Started Trial' },
    ]);
    await identify(gateway, tenant.secretKey, { anonymousId: 'exp-laptop', userId: 'exp-user', email: 'Pat@Export.Example', traits: { name: 'Pat' } });
    const lead = await identify(gateway, tenant.secretKey, { anonymousId: 'exp-phone', userId: 'exp-user' });
    await rows(
      tenant,
      `insert into {t}.lead_fields (lead_id, field, value, confidence, source, verified, supplied, fetched_at, expires_at, below_threshold)
       values ($1, 'person.title', '"Head of Ops"', 0.8, 'vendor:people', false, false, now(), now() + interval '90 days', false)`,
      [lead.id],
    );
    await rows(tenant, `insert into {t}.consent_changes (lead_id, anonymous_id, granted, source) values ($1, 'exp-laptop', true, 'banner')`, [lead.id]);
    await eventually(() => rows(tenant, 'select 1 from {t}.segment_memberships where lead_id = $1', [lead.id]), (found) => found.length > 0, 30_000, 'membership');
    return lead;
  }

  it('holds the leads, identities, sessions, events, fields with provenance, memberships, consent and score breakdown; expires in 7 days', async () => {
    const tenant = await createTenant(gateway);
    const lead = await seed(tenant);
    const done = await exportPerson(gateway, tenant, { email: 'pat@export.example' });
    expect(done.status).toBe('COMPLETED');
    const days = (Date.parse(done.expiresAt) - Date.parse(done.requestedAt)) / 86_400_000;
    expect(days).toBeCloseTo(7, 3);
    const document = done.document as Record<string, Entry[]>;
    expect(document['leads']!.map((l) => l['id'])).toContain(lead.id);
    const person = document['leads']!.find((l) => l['id'] === lead.id)!;
    expect(person).toMatchObject({ email: 'pat@export.example', userId: 'exp-user', traits: { name: 'Pat' } });
    expect(Array.isArray(person['scoreBreakdown'])).toBe(true);
    expect(document['leads']).toHaveLength(2);
    expect(document['identities']!.map((i) => i['anonymousId']).sort()).toEqual(['exp-laptop', 'exp-phone']);
    expect(document['sessions']!.length).toBeGreaterThanOrEqual(2);
    expect(document['events']!.map((e) => e['name']).sort()).toEqual(['Started Trial', 'Viewed Pricing', 'identify', 'identify'].sort());
    expect(document['events']!.find((e) => e['name'] === 'Viewed Pricing')).toMatchObject({ properties: { path: '/pricing' }, anonymousId: 'exp-phone' });
    expect(document['enrichment']).toEqual([
      expect.objectContaining({ leadId: lead.id, field: 'person.title', value: 'Head of Ops', confidence: 0.8, source: 'vendor:people', verified: false }),
    ]);
    expect(document['segmentMemberships']).toEqual([expect.objectContaining({ leadId: lead.id, segment: 'Known people', exitedAt: null })]);
    expect(document['consentChanges']).toEqual([expect.objectContaining({ anonymousId: 'exp-laptop', granted: true, source: 'banner' })]);
    expect(document['merges']).toHaveLength(1);

    // By lead id: the same person.
    const byLead = await exportPerson(gateway, tenant, { leadId: lead.id });
    expect((byLead.document as Record<string, Entry[]>)['events']).toHaveLength(4);
  }, 120_000);

  it('answers an unknown person with an empty document', async () => {
    const tenant = await createTenant(gateway);
    const done = await exportPerson(gateway, tenant, { email: 'nobody@export.example' });
    expect(done.status).toBe('COMPLETED');
    expect(done.document).toMatchObject({ leads: [], identities: [], sessions: [], events: [], enrichment: [], segmentMemberships: [], consentChanges: [] });
  });

  it('is not served once expired, and the next request purges it', async () => {
    const tenant = await createTenant(gateway);
    const old = await exportPerson(gateway, tenant, { email: 'nobody@export.example' });
    await rows(tenant, "update {t}.export_requests set expires_at = now() - interval '1 minute' where id = $1", [old.id]);
    expect(await exportRequest(gateway, tenant, old.id)).toBeNull();
    await exportPerson(gateway, tenant, { email: 'nobody@export.example' });
    expect(await rows(tenant, 'select id from {t}.export_requests where id = $1', [old.id])).toEqual([]);
  });

  it("cannot be read by another tenant, nor reach another tenant's person", async () => {
    const a = await createTenant(gateway);
    const b = await createTenant(gateway);
    const lead = await seed(a);
    const mine = await exportPerson(gateway, a, { email: 'pat@export.example' });
    expect(await exportRequest(gateway, b, mine.id)).toBeNull();
    const theirs = await exportPerson(gateway, b, { leadId: lead.id });
    expect(theirs.document).toMatchObject({ leads: [], events: [] });
  }, 120_000);

  it('refuses a publishable key and a key without the privacy scope, and names a bad field', async () => {
    const tenant = await createTenant(gateway);
    const input = { email: 'pat@export.example' };
    expect(codeOf(await gateway.gql(tenant.publishableKey, REQUEST_EXPORT, { input }))).toBe('UNAUTHENTICATED');
    const created = await gateway.gql<{ createApiKey: { key: string } }>(tenant.secretKey, CREATE_API_KEY, { input: { name: 'reader', scopes: ['leads:read'] } });
    const reader = created.data!.createApiKey.key;
    expect(codeOf(await gateway.gql(reader, REQUEST_EXPORT, { input }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(reader, EXPORT_REQUEST, { id: 'exp_x' }))).toBe('FORBIDDEN');
    const both = await gateway.gql(tenant.secretKey, REQUEST_EXPORT, { input: { ...input, leadId: 'ld_1' } });
    expect(codeOf(both)).toBe('BAD_USER_INPUT');
    expect(both.errors?.[0]?.extensions?.['argumentPath']).toEqual(['input', 'leadId']);
    expect(await rows(tenant, 'select id from {t}.export_requests')).toEqual([]);
  });
});
