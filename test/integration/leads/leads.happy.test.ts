import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { postSegment } from '../ingest/segment-http.js';
import {
  COMPANY,
  LEAD_BY_EMAIL,
  LEADS,
  SPLIT_LEAD,
  countRows,
  identify,
  minutesAgo,
  readLead,
  tenantRows,
  trackEvents,
  twoVisits,
  type LeadView,
} from './lead-operations.js';

interface LeadsPage {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ cursor: string; node: { id: string; email: string | null; score: number; tier: string } }>;
}

describe('leads over GraphQL', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  const leadsPage = async (token: string, variables: Record<string, unknown>): Promise<LeadsPage> => {
    const response = await gateway.gql<{ leads: LeadsPage }>(token, LEADS, variables);
    if (response.data?.leads === undefined) throw new Error(`leads failed: ${JSON.stringify(response.errors)}`);
    return response.data.leads;
  };

  describe('identity stitching', () => {
    it('gives anonymous browsing over two sessions, then identify, one lead with every session and event', async () => {
      const tenant = await createTenant(gateway);
      await trackEvents(gateway, tenant.secretKey, twoVisits('anon-1', 120));
      // A page view through /v1 with the publishable key: the same store, the same lead.
      const page = await postSegment(
        gateway,
        '/v1/page',
        { anonymousId: 'anon-1', name: 'Home', timestamp: minutesAgo(68), properties: { path: '/' } },
        { key: tenant.publishableKey },
      );
      expect(page.status).toBe(200);

      const lead = await identify(gateway, tenant.secretKey, {
        anonymousId: 'anon-1',
        userId: 'user-1',
        email: 'Jane@Example.com',
        traits: { name: 'Jane', plan: 'pro' },
      });

      expect(lead).toMatchObject({ email: 'jane@example.com', userId: 'user-1', anonymousIds: ['anon-1'], tier: 'COLD' });
      expect(lead.traits).toMatchObject({ name: 'Jane', plan: 'pro' });
      // Scoring follows the write by a few milliseconds; whatever it has reached, the breakdown explains it.
      expect((lead.scoreBreakdown as Array<{ points: number }>).reduce((sum, c) => sum + c.points, 0)).toBe(lead.score);
      expect(lead.enrichment).toEqual([]);
      expect(lead.sessions).toHaveLength(2);
      expect(lead.sessions.map((s) => s.pageViews).sort()).toEqual([0, 1]);
      expect(lead.events.map((e) => e.name).sort()).toEqual(
        ['Clicked Demo', 'Started Trial', 'Viewed Docs', 'Viewed Pricing', 'identify', 'page_view'].sort(),
      );
      // Newest first.
      expect(lead.events[0]?.name).toBe('identify');
      expect(lead.events.find((e) => e.name === 'Viewed Docs')?.properties).toEqual({ path: '/docs' });
      expect(await countRows(gateway, tenant.id, 'leads')).toBe(1);
    });

    it('absorbs a second anonymous id of the same person identified later, and splitLead restores both sides', async () => {
      const tenant = await createTenant(gateway);
      await trackEvents(gateway, tenant.secretKey, twoVisits('laptop', 300));
      const person = await identify(gateway, tenant.secretKey, { anonymousId: 'laptop', userId: 'user-7', email: 'sam@acme.test' });

      // Later, another device browses anonymously; until identify it is its own lead.
      await trackEvents(gateway, tenant.secretKey, [
        { anonymousId: 'phone', event: 'Viewed Pricing', timestamp: minutesAgo(200) },
        { anonymousId: 'phone', event: 'Viewed Blog', timestamp: minutesAgo(150) },
      ]);
      const phoneLead = await tenantRows<{ lead_id: string }>(gateway, tenant.id, "select lead_id from {t}.identities where anonymous_id = 'phone'");
      const phoneLeadId = phoneLead[0]!.lead_id;
      const phoneBefore = (await readLead(gateway, tenant.secretKey, phoneLeadId))!;
      const personBefore = (await readLead(gateway, tenant.secretKey, person.id))!;
      expect(phoneBefore.sessions).toHaveLength(2);
      expect(phoneBefore.events).toHaveLength(2);

      const merged = await identify(gateway, tenant.secretKey, { anonymousId: 'phone', userId: 'user-7' });
      expect(merged.id).toBe(person.id);
      expect([...merged.anonymousIds].sort()).toEqual(['laptop', 'phone']);
      expect(merged.sessions).toHaveLength(personBefore.sessions.length + phoneBefore.sessions.length);
      // The identify event itself belongs to the person.
      expect(merged.events).toHaveLength(personBefore.events.length + phoneBefore.events.length + 1);
      expect(await readLead(gateway, tenant.secretKey, phoneLeadId)).toBeNull();

      const split = await gateway.gql<{ splitLead: Array<{ id: string }> }>(tenant.secretKey, SPLIT_LEAD, {
        leadId: person.id,
        anonymousId: 'phone',
      });
      expect(split.errors).toBeUndefined();
      expect(split.data?.splitLead.map((lead) => lead.id)).toEqual([person.id, phoneLeadId]);
      const survivor = await readLead(gateway, tenant.secretKey, person.id);
      const restored = await readLead(gateway, tenant.secretKey, phoneLeadId);
      expect(survivor).toMatchObject({ id: person.id, anonymousIds: ['laptop'], email: 'sam@acme.test' });
      expect(survivor!.sessions.map((s) => s.id).sort()).toEqual(personBefore.sessions.map((s) => s.id).sort());
      expect(survivor!.events).toHaveLength(personBefore.events.length + 1);
      expect(restored).toMatchObject({ id: phoneLeadId, anonymousIds: ['phone'], email: null, userId: null });
      expect(restored!.sessions.map((s) => s.id).sort()).toEqual(phoneBefore.sessions.map((s) => s.id).sort());
      expect(restored!.events.map((e) => e.id).sort()).toEqual(phoneBefore.events.map((e) => e.id).sort());
    });

    it('never merges two known people claiming the same email: a conflict is recorded and both leads stay', async () => {
      const tenant = await createTenant(gateway);
      const alice = await identify(gateway, tenant.secretKey, { anonymousId: 'a-1', userId: 'alice', email: 'shared@acme.test' });
      const bob = await identify(gateway, tenant.secretKey, { anonymousId: 'b-1', userId: 'bob' });

      const claimed = await identify(gateway, tenant.secretKey, { userId: 'bob', email: 'SHARED@acme.test' });
      expect(claimed.id).toBe(bob.id);
      expect(claimed.email).toBeNull();

      const conflicts = await tenantRows<{ lead_id: string; other_lead_id: string; cause: string }>(
        gateway,
        tenant.id,
        'select lead_id, other_lead_id, cause from {t}.identity_conflicts',
      );
      expect(conflicts).toEqual([{ lead_id: bob.id, other_lead_id: alice.id, cause: expect.stringContaining('email') as string }]);
      expect((await readLead(gateway, tenant.secretKey, alice.id))?.email).toBe('shared@acme.test');
      expect((await readLead(gateway, tenant.secretKey, bob.id))?.anonymousIds).toEqual(['b-1']);
    });
  });

  describe('reads', () => {
    it('finds a lead by email whatever its case, and a company by domain', async () => {
      const tenant = await createTenant(gateway);
      const lead = await identify(gateway, tenant.secretKey, { anonymousId: 'v-1', email: 'Mixed.Case@Example.com' });
      const byEmail = await gateway.gql<{ leadByEmail: LeadView | null }>(tenant.secretKey, LEAD_BY_EMAIL, { email: 'MIXED.case@example.COM' });
      expect(byEmail.data?.leadByEmail?.id).toBe(lead.id);
      const unknown = await gateway.gql<{ leadByEmail: LeadView | null }>(tenant.secretKey, LEAD_BY_EMAIL, { email: 'nobody@example.com' });
      expect(unknown.data?.leadByEmail).toBeNull();

      await tenantRows(
        gateway,
        tenant.id,
        `insert into {t}.companies (id, domain, name, industry, employees, revenue, country, tech_stack)
         values ('co_1', 'acme.test', 'Acme', 'Software', 120, 1.5e7, 'US', '{react,postgres}')`,
      );
      await tenantRows(gateway, tenant.id, "update {t}.leads set company_id = 'co_1' where id = $1", [lead.id]);
      const company = await gateway.gql<{ company: unknown }>(tenant.secretKey, COMPANY, { domain: 'ACME.test' });
      expect(company.data?.company).toEqual({
        id: 'co_1',
        domain: 'acme.test',
        name: 'Acme',
        industry: 'Software',
        employees: 120,
        revenue: 1.5e7,
        country: 'US',
        techStack: ['react', 'postgres'],
      });
      expect((await readLead(gateway, tenant.secretKey, lead.id))?.company).toEqual({ domain: 'acme.test', name: 'Acme' });
      const none = await gateway.gql<{ company: unknown }>(tenant.secretKey, COMPANY, { domain: 'nowhere.test' });
      expect(none.data?.company).toBeNull();
    });

    it('pages through leads newest first with an opaque cursor and a total that honours the filter', async () => {
      const tenant = await createTenant(gateway);
      // One call, one transaction: the five leads share created_at, so the id breaks the tie.
      await trackEvents(
        gateway,
        tenant.secretKey,
        ['v1', 'v2', 'v3', 'v4', 'v5'].map((anonymousId) => ({ anonymousId, event: 'Visited' })),
      );
      await identify(gateway, tenant.secretKey, { anonymousId: 'v6', email: 'Lead.Six@Example.com' });

      const seen: string[] = [];
      let after: string | null = null;
      const pages: LeadsPage[] = [];
      do {
        const page = await leadsPage(tenant.secretKey, { first: 2, after });
        pages.push(page);
        seen.push(...page.edges.map((edge) => edge.node.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after !== null);
      expect(pages.map((page) => page.edges.length)).toEqual([2, 2, 2]);
      expect(pages.every((page) => page.totalCount === 6)).toBe(true);
      expect(new Set(seen).size).toBe(6);
      expect(pages[0]?.edges[0]?.node.email).toBe('lead.six@example.com');
      expect(pages[2]?.pageInfo).toEqual({ hasNextPage: false, endCursor: pages[2]?.edges[1]?.cursor });

      const byEmail = await leadsPage(tenant.secretKey, { filter: { email: 'LEAD.SIX@example.com' } });
      expect(byEmail.totalCount).toBe(1);
      expect(byEmail.edges[0]?.node.email).toBe('lead.six@example.com');

      // Scoring is a later issue; set scores directly to exercise the score filters.
      const [hot, warm] = seen;
      await tenantRows(gateway, tenant.id, 'update {t}.leads set score = 85 where id = $1', [hot!]);
      await tenantRows(gateway, tenant.id, 'update {t}.leads set score = 65 where id = $1', [warm!]);
      const hotOnes = await leadsPage(tenant.secretKey, { filter: { tier: 'HOT' } });
      expect(hotOnes.totalCount).toBe(1);
      expect(hotOnes.edges.map((edge) => edge.node)).toEqual([expect.objectContaining({ id: hot, score: 85, tier: 'HOT' })]);
      const aboveSixty = await leadsPage(tenant.secretKey, { first: 1, filter: { minScore: 60 } });
      expect(aboveSixty.totalCount).toBe(2);
      expect(aboveSixty.pageInfo.hasNextPage).toBe(true);
      const cold = await leadsPage(tenant.secretKey, { filter: { tier: 'COLD' } });
      expect(cold.totalCount).toBe(4);
      const warmCold = await leadsPage(tenant.secretKey, { filter: { tier: 'WARM', minScore: 70 } });
      expect(warmCold.totalCount).toBe(0);
    });

    it("lists a segment's members, with other filters and a cursor alike", async () => {
      const tenant = await createTenant(gateway);
      for (const [anonymousId, email] of [['s1', 'one@example.com'], ['s2', 'two@example.com'], ['s3', 'three@other.test']]) {
        await identify(gateway, tenant.secretKey, { anonymousId, email });
      }
      const created = await gateway.gql<{ createSegment: { id: string } }>(tenant.secretKey, 'mutation ($i: SegmentInput!) { createSegment(input: $i) { id } }', {
        i: { name: 'Example people', rule: { field: 'email', op: 'contains', value: '@example.com' } },
      });
      const segmentId = created.data?.createSegment.id;
      expect(segmentId).toBeDefined();

      const first = await leadsPage(tenant.secretKey, { first: 1, filter: { segmentId } });
      expect(first.totalCount).toBe(2);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const second = await leadsPage(tenant.secretKey, { first: 1, after: first.pageInfo.endCursor, filter: { segmentId } });
      expect(second.pageInfo.hasNextPage).toBe(false);
      expect([...first.edges, ...second.edges].map((edge) => edge.node.email).sort()).toEqual(['one@example.com', 'two@example.com']);

      const narrowed = await leadsPage(tenant.secretKey, { filter: { segmentId, email: 'TWO@example.com' } });
      expect(narrowed.edges.map((edge) => edge.node.email)).toEqual(['two@example.com']);
      expect(narrowed.totalCount).toBe(1);
    });

    it('limits sessions and events per lead with first', async () => {
      const tenant = await createTenant(gateway);
      await trackEvents(gateway, tenant.secretKey, twoVisits('limits', 120));
      const response = await gateway.gql<{ leads: { edges: Array<{ node: { sessions: unknown[]; events: Array<{ name: string }> } }> } }>(
        tenant.secretKey,
        '{ leads { edges { node { sessions(first: 1) { id } events(first: 2) { name } } } } }',
      );
      const node = response.data?.leads.edges[0]?.node;
      expect(node?.sessions).toHaveLength(1);
      expect(node?.events.map((e) => e.name)).toEqual(['Started Trial', 'Viewed Docs']);
    });
  });

  describe('track', () => {
    it('stores a messageId once and counts the repeats as duplicates', async () => {
      const tenant = await createTenant(gateway);
      const event = { messageId: 'msg-1', anonymousId: 'dup', event: 'Signed Up', context: { ip: '203.0.113.9', page: { path: '/signup' } } };
      expect(await trackEvents(gateway, tenant.secretKey, [event, event])).toEqual({ accepted: 1, duplicates: 1 });
      expect(await trackEvents(gateway, tenant.secretKey, [event])).toEqual({ accepted: 0, duplicates: 1 });
      expect(await countRows(gateway, tenant.id, 'events')).toBe(1);
      const stored = await tenantRows<{ context: Record<string, unknown> }>(gateway, tenant.id, 'select context from {t}.events');
      expect(stored[0]?.context).toEqual({ ip: '203.0.113.9', page: { path: '/signup' } });
      const sessions = await tenantRows<{ ip: string }>(gateway, tenant.id, 'select ip from {t}.sessions');
      expect(sessions).toEqual([{ ip: '203.0.113.9' }]);
    });

    it('stores each of 10 messageIds exactly once when 50 calls race with them', async () => {
      const tenant = await createTenant(gateway);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, call) =>
          trackEvents(gateway, tenant.secretKey, [{ messageId: `race-${call % 10}`, anonymousId: `racer-${call % 3}`, event: 'Raced' }]),
        ),
      );
      expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(10);
      expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(40);
      expect(await countRows(gateway, tenant.id, 'events')).toBe(10);
    });
  });
});
