import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { postSegment } from '../ingest/segment-http.js';
import { COMPANY, LEAD_BY_EMAIL, LEADS, SPLIT_LEAD, countRows, identify, readLead, tenantRows, trackEvents, twoVisits, type LeadView } from './lead-operations.js';

describe('leads over GraphQL: one tenant never reaches another', () => {
  let gateway: TestGateway;
  let a: TestTenant;
  let b: TestTenant;
  let bLead: LeadView;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  // A fresh pair per test; B holds a merged lead, a company and an email.
  const setUp = async () => {
    a = await createTenant(gateway);
    b = await createTenant(gateway);
    await trackEvents(gateway, b.secretKey, twoVisits('b-phone', 120));
    await identify(gateway, b.secretKey, { anonymousId: 'b-laptop', userId: 'b-user', email: 'b@b.test' });
    bLead = await identify(gateway, b.secretKey, { anonymousId: 'b-phone', userId: 'b-user' });
    // identify linked b.test already (a business email's company); the record gets a name.
    await tenantRows(gateway, b.id, "insert into {t}.companies (id, domain, name) values ('co_b', 'b.test', 'B Corp') on conflict (domain) do update set name = excluded.name");
  };

  it('reads nothing of B with A’s key: lead and leadByEmail are null, leads is empty, company is null', async () => {
    await setUp();
    expect(bLead.anonymousIds).toHaveLength(2);
    expect(await readLead(gateway, a.secretKey, bLead.id)).toBeNull();
    expect((await gateway.gql<{ leadByEmail: unknown }>(a.secretKey, LEAD_BY_EMAIL, { email: 'b@b.test' })).data?.leadByEmail).toBeNull();
    const leads = await gateway.gql<{ leads: { totalCount: number; edges: unknown[] } }>(a.secretKey, LEADS);
    expect(leads.data?.leads).toMatchObject({ totalCount: 0, edges: [] });
    expect((await gateway.gql<{ company: unknown }>(a.secretKey, COMPANY, { domain: 'b.test' })).data?.company).toBeNull();
    // B sees its own.
    expect((await readLead(gateway, b.secretKey, bLead.id))?.id).toBe(bLead.id);
  });

  it('cannot split B’s lead with A’s key: NOT_FOUND, and B is unchanged', async () => {
    await setUp();
    const response = await gateway.gql(a.secretKey, SPLIT_LEAD, { leadId: bLead.id, anonymousId: 'b-phone' });
    expect(codeOf(response)).toBe('NOT_FOUND');
    expect([...(await readLead(gateway, b.secretKey, bLead.id))!.anonymousIds].sort()).toEqual(['b-laptop', 'b-phone']);
  });

  it('writes A’s track and identify into A only, even with B’s identifiers', async () => {
    await setUp();
    const bEvents = await countRows(gateway, b.id, 'events');
    await trackEvents(gateway, a.secretKey, [{ anonymousId: 'b-phone', userId: 'b-user', event: 'Spoofed' }]);
    const aLead = await identify(gateway, a.secretKey, { anonymousId: 'b-laptop', userId: 'b-user', email: 'b@b.test' });
    expect(aLead.id).not.toBe(bLead.id);
    expect(aLead.events.map((e) => e.name).sort()).toEqual(['Spoofed', 'identify']);
    expect(await countRows(gateway, b.id, 'events')).toBe(bEvents);
    // The /v1 path with A's publishable key lands in A too.
    const page = await postSegment(gateway, '/v1/page', { anonymousId: 'b-phone', name: 'Home' }, { key: a.publishableKey });
    expect(page.status).toBe(200);
    expect(await countRows(gateway, b.id, 'events')).toBe(bEvents);
    expect(await countRows(gateway, a.id, 'events')).toBe(3);
  });
});
