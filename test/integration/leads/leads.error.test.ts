import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../api-keys/api-key-operations.js';
import { codeOf, createTenant, startTestGateway, type TestGateway } from '../../support/test-gateway.js';
import { COMPANY, IDENTIFY, LEAD, LEADS, SPLIT_LEAD, TRACK, countRows, identify, minutesAgo, trackEvents } from './lead-operations.js';

/** A property tree `levels` deep: { a: { a: { ... } } }. */
function nested(levels: number): Record<string, unknown> {
  let tree: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < levels; i += 1) tree = { a: tree };
  return tree;
}

describe('leads over GraphQL: refusals', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway.close();
  });

  it.each([
    ['a timestamp far in the future', { timestamp: new Date(Date.now() + 30 * 86_400_000).toISOString() }, ['events', 3, 'timestamp']],
    ['neither anonymousId nor userId', { anonymousId: null }, ['events', 3, 'anonymousId']],
    ['properties nested 20 levels deep', { properties: nested(20) }, ['events', 3, 'properties']],
    ['properties that are not an object', { properties: [1, 2] }, ['events', 3, 'properties']],
  ])('refuses a track batch with %s, naming the event and field, and writes none of it', async (_, bad, argumentPath) => {
    const tenant = await createTenant(gateway);
    const good = (n: number) => ({ messageId: `ok-${n}`, anonymousId: 'visitor', event: 'Fine', timestamp: minutesAgo(5) });
    const response = await gateway.gql(tenant.secretKey, TRACK, { events: [good(0), good(1), good(2), { ...good(3), ...bad }, good(4)] });
    expect(codeOf(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(argumentPath);
    expect(await countRows(gateway, tenant.id, 'events')).toBe(0);
    expect(await countRows(gateway, tenant.id, 'leads')).toBe(0);
  });

  it('refuses an empty track call and an event without a name', async () => {
    const tenant = await createTenant(gateway);
    expect(codeOf(await gateway.gql(tenant.secretKey, TRACK, { events: [] }))).toBe('BAD_USER_INPUT');
    const blank = await gateway.gql(tenant.secretKey, TRACK, { events: [{ anonymousId: 'v', event: '  ' }] });
    expect(codeOf(blank)).toBe('BAD_USER_INPUT');
    expect(blank.errors?.[0]?.extensions?.['argumentPath']).toEqual(['events', 0, 'event']);
    expect(codeOf(await gateway.gql(tenant.secretKey, TRACK, { events: [{ anonymousId: 'v' }] }))).toBe('BAD_USER_INPUT');
    expect(await countRows(gateway, tenant.id, 'events')).toBe(0);
  });

  it('refuses an identify without an id, with a malformed email or with traits that are not an object', async () => {
    const tenant = await createTenant(gateway);
    const cases: Array<[Record<string, unknown>, (string | number)[]]> = [
      [{ email: 'someone@example.com' }, ['input', 'anonymousId']],
      [{ anonymousId: 'v', email: 'not-an-email' }, ['input', 'email']],
      [{ anonymousId: 'v', traits: 'vip' }, ['input', 'traits']],
      [{ anonymousId: 'v', traits: nested(20) }, ['input', 'traits']],
    ];
    for (const [input, argumentPath] of cases) {
      const response = await gateway.gql(tenant.secretKey, IDENTIFY, { input });
      expect(codeOf(response), JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.extensions?.['argumentPath']).toEqual(argumentPath);
    }
    expect(await countRows(gateway, tenant.id, 'leads')).toBe(0);
  });

  it('refuses a foreign cursor, an unknown segment and a page over 100', async () => {
    const tenant = await createTenant(gateway);
    const badCursor = await gateway.gql(tenant.secretKey, LEADS, { after: 'bm90IGEgY3Vyc29y' });
    expect(codeOf(badCursor)).toBe('BAD_USER_INPUT');
    expect(badCursor.errors?.[0]?.extensions?.['argumentPath']).toEqual(['after']);
    const segment = await gateway.gql(tenant.secretKey, LEADS, { filter: { segmentId: 'seg_1' } });
    expect(codeOf(segment)).toBe('NOT_FOUND');
    expect(segment.errors?.[0]?.extensions?.['argumentPath']).toEqual(['filter', 'segmentId']);
    expect(codeOf(await gateway.gql(tenant.secretKey, LEADS, { first: 101 }))).toBe('BAD_USER_INPUT');
  });

  it('answers NOT_FOUND for splitLead of an unknown lead, or of an anonymous id it never absorbed', async () => {
    const tenant = await createTenant(gateway);
    const lead = await identify(gateway, tenant.secretKey, { anonymousId: 'own', userId: 'u-1' });
    expect(codeOf(await gateway.gql(tenant.secretKey, SPLIT_LEAD, { leadId: 'ld_nope', anonymousId: 'own' }))).toBe('NOT_FOUND');
    // Its own first anonymous id came with no merge: there is nothing to undo.
    expect(codeOf(await gateway.gql(tenant.secretKey, SPLIT_LEAD, { leadId: lead.id, anonymousId: 'own' }))).toBe('NOT_FOUND');
    expect(codeOf(await gateway.gql(tenant.secretKey, SPLIT_LEAD, { leadId: lead.id, anonymousId: 'other' }))).toBe('NOT_FOUND');
  });

  it('needs leads:read to read and leads:write to write', async () => {
    const tenant = await createTenant(gateway);
    const reader = await createApiKey(gateway, tenant.secretKey, { name: 'reader', scopes: ['leads:read'] });
    const writer = await createApiKey(gateway, tenant.secretKey, { name: 'writer', scopes: ['leads:write'] });
    const lead = await identify(gateway, writer.key, { anonymousId: 'scoped', userId: 'u-2' });

    expect(codeOf(await gateway.gql(writer.key, LEAD, { id: lead.id }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(writer.key, LEADS))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(writer.key, COMPANY, { domain: 'acme.test' }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(reader.key, TRACK, { events: [{ anonymousId: 'x', event: 'E' }] }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(reader.key, IDENTIFY, { input: { anonymousId: 'x' } }))).toBe('FORBIDDEN');
    expect(codeOf(await gateway.gql(reader.key, SPLIT_LEAD, { leadId: lead.id, anonymousId: 'x' }))).toBe('FORBIDDEN');
    expect((await gateway.gql<{ lead: { id: string } }>(reader.key, LEAD, { id: lead.id })).data?.lead.id).toBe(lead.id);
    // A publishable key ingests through /v1 only; it reads and writes nothing over GraphQL.
    expect(codeOf(await gateway.gql(tenant.publishableKey, LEAD, { id: lead.id }))).toBe('UNAUTHENTICATED');
    await expect(trackEvents(gateway, tenant.publishableKey, [{ anonymousId: 'x', event: 'E' }])).rejects.toThrow(/UNAUTHENTICATED/);
  });
});
