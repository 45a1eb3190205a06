import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, startTestGateway, type TestGateway, type TestTenant } from '../../support/test-gateway.js';
import { tenantRows, trackEvents, twoVisits } from './lead-operations.js';

const PAGE = `{ leads(first: 20) { edges { node {
  id anonymousIds company { name }
  sessions(first: 5) { id company { domain } }
  events(first: 3) { name }
} } } }`;

describe('a page of leads with their sessions, events, anonymous ids and companies', () => {
  let gateway: TestGateway;
  let statements: string[] = [];
  const clientQuery = pg.Client.prototype.query;
  beforeAll(async () => {
    gateway = await startTestGateway();
    // Every statement of the pool, raw or built by Kysely, goes through a pg client of this process: count what reaches PostgreSQL.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config: unknown = args[0];
      if (typeof config === 'string') statements.push(config);
      else if (typeof config === 'object' && config !== null && 'text' in config && typeof config.text === 'string') statements.push(config.text);
      return Reflect.apply(clientQuery, this, args) as unknown;
    } as typeof clientQuery;
  });
  afterAll(async () => {
    pg.Client.prototype.query = clientQuery;
    await gateway.close();
  });

  const seedLeads = async (tenant: TestTenant, count: number) => {
    await tenantRows(gateway, tenant.id, "insert into {t}.companies (id, domain, name) values ('co_1', 'acme.test', 'Acme')");
    for (let n = 0; n < count; n += 1) await trackEvents(gateway, tenant.secretKey, twoVisits(`visitor-${n}`, 120));
    await tenantRows(gateway, tenant.id, "update {t}.leads set company_id = 'co_1'");
    await tenantRows(gateway, tenant.id, "update {t}.sessions set company_id = 'co_1'");
  };

  /** Statements against the tenant's schema that one read of the page costs. */
  const queriesFor = async (tenant: TestTenant) => {
    // Scoring of the seeded leads runs after their writes; its statements are not the read's.
    await gateway.services.leadChanges.drain();
    statements = [];
    const response = await gateway.gql<{ leads: { edges: Array<{ node: { sessions: unknown[]; events: unknown[] } }> } }>(
      tenant.secretKey,
      PAGE,
    );
    expect(response.errors).toBeUndefined();
    return { statements: statements.filter((text) => text.includes(`"t_${tenant.id}"`)), edges: response.data!.leads.edges };
  };

  it('costs the same few queries for 2 leads as for 12: no N+1', async () => {
    const few = await createTenant(gateway);
    const many = await createTenant(gateway);
    await seedLeads(few, 2);
    await seedLeads(many, 12);

    const small = await queriesFor(few);
    const large = await queriesFor(many);
    expect(small.edges).toHaveLength(2);
    expect(large.edges).toHaveLength(12);
    expect(large.edges.every((edge) => edge.node.sessions.length === 2 && edge.node.events.length === 3)).toBe(true);
    // Page, count, anonymous ids, sessions, events, companies (leads' and sessions' may share one batch).
    expect(large.statements.length).toBeGreaterThanOrEqual(5);
    expect(large.statements.length).toBeLessThanOrEqual(7);
    expect(large.statements.length).toBe(small.statements.length);
  });
});
