import type { TestGateway } from '../../support/test-gateway.js';

/** A lead as these tests read it back through the public API. */
export interface LeadView {
  readonly id: string;
  readonly email: string | null;
  readonly userId: string | null;
  readonly anonymousIds: string[];
  readonly traits: Record<string, unknown>;
  readonly score: number;
  readonly tier: string;
  readonly scoreBreakdown: unknown[];
  readonly enrichment: unknown[];
  readonly needsManualEnrichment: boolean;
  readonly company: { domain: string | null; name: string | null } | null;
  readonly sessions: Array<{ id: string; startedAt: string; endedAt: string | null; pageViews: number; ip: string | null }>;
  readonly events: Array<{ id: string; name: string; at: string; properties: Record<string, unknown> | null }>;
}

export const LEAD_FIELDS = `id email userId anonymousIds traits score tier scoreBreakdown { rule points }
  enrichment { field } needsManualEnrichment company { domain name }
  sessions { id startedAt endedAt pageViews ip } events(first: 100) { id name at properties }`;

/**
 * Whether a lead read back shows one consistent moment: its sessions and its
 * events are read by separate statements, and a chunk processed between them
 * shows in one only (page views counted on the sessions, not yet the events, or the reverse).
 */
export const sessionsMatchEvents = (lead: Pick<LeadView, 'sessions' | 'events'>): boolean =>
  lead.sessions.reduce((sum, session) => sum + session.pageViews, 0) === lead.events.filter((event) => event.name === 'page_view').length;

export const LEAD = `query ($id: ID!) { lead(id: $id) { ${LEAD_FIELDS} } }`;
export const LEAD_BY_EMAIL = `query ($email: String!) { leadByEmail(email: $email) { ${LEAD_FIELDS} } }`;
export const LEADS = `query ($first: Int, $after: String, $filter: LeadFilter) {
  leads(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id email score tier } } }
}`;
export const COMPANY = `query ($domain: String!) { company(domain: $domain) { id domain name industry employees revenue country techStack } }`;
export const TRACK = `mutation ($events: [TrackInput!]!) { track(events: $events) { accepted duplicates } }`;
export const IDENTIFY = `mutation ($input: IdentifyInput!) { identify(input: $input) { ${LEAD_FIELDS} } }`;
export const SPLIT_LEAD = `mutation ($leadId: ID!, $anonymousId: String!) { splitLead(leadId: $leadId, anonymousId: $anonymousId) { id email userId anonymousIds } }`;

export const minutesAgo = (minutes: number): string => new Date(Date.now() - minutes * 60_000).toISOString();

/** Tracks through the public mutation; fails loudly so a broken setup is not mistaken for the behaviour under test. */
export async function trackEvents(gateway: TestGateway, token: string, events: Record<string, unknown>[]): Promise<{ accepted: number; duplicates: number }> {
  const response = await gateway.gql<{ track: { accepted: number; duplicates: number } }>(token, TRACK, { events });
  if (response.data?.track === undefined) throw new Error(`track failed: ${JSON.stringify(response.errors)}`);
  return response.data.track;
}

export async function identify(gateway: TestGateway, token: string, input: Record<string, unknown>): Promise<LeadView> {
  const response = await gateway.gql<{ identify: LeadView }>(token, IDENTIFY, { input });
  if (response.data?.identify === undefined) throw new Error(`identify failed: ${JSON.stringify(response.errors)}`);
  return response.data.identify;
}

export async function readLead(gateway: TestGateway, token: string, id: string): Promise<LeadView | null> {
  const response = await gateway.gql<{ lead: LeadView | null }>(token, LEAD, { id });
  if (response.errors !== undefined) throw new Error(`lead failed: ${JSON.stringify(response.errors)}`);
  return response.data?.lead ?? null;
}

/** Rows of one tenant's schema, straight from PostgreSQL, for what the API does not show (conflicts, counts). */
export async function tenantRows<T extends object>(gateway: TestGateway, tenantId: string, sql: string, values: string[] = []): Promise<T[]> {
  return gateway.services.db.query<T>(sql.replaceAll('{t}', `"t_${tenantId}"`), values);
}

export async function countRows(gateway: TestGateway, tenantId: string, table: 'events' | 'leads' | 'sessions' | 'identities'): Promise<number> {
  const rows = await tenantRows<{ n: number }>(gateway, tenantId, `select count(*)::int as n from {t}.${table}`);
  return rows[0]?.n ?? 0;
}

/** Two visits of one anonymous visitor, 40 minutes apart: two sessions, four events. */
export function twoVisits(anonymousId: string, startMinutesAgo: number): Record<string, unknown>[] {
  const at = (offset: number) => minutesAgo(startMinutesAgo - offset);
  return [
    { anonymousId, event: 'Viewed Pricing', timestamp: at(0), properties: { path: '/pricing' } },
    { anonymousId, event: 'Clicked Demo', timestamp: at(5), properties: { button: 'demo' } },
    { anonymousId, event: 'Viewed Docs', timestamp: at(45), properties: { path: '/docs' } },
    { anonymousId, event: 'Started Trial', timestamp: at(50) },
  ];
}
