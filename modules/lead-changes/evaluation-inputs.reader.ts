/**
 * Everything one evaluation reads, in one statement: the scoring model in
 * force, the live segments, the leads with their companies, their open
 * segment stays and their events. Under load every round trip waits for a
 * busy CPU, so a visitor's page view is evaluated on one read and one write.
 *
 * Which events to read follows from the model and the segments, which come
 * back in the same statement; the caller passes the event filter it expects
 * (the one the last evaluation of the tenant needed). Only when that guess
 * proves wrong (the model or a segment changed) are the events read again.
 */
import type { HeldCompany } from '../../intelligence/companies/company-link.js';
import type { CompanyFacts, EventFact, LeadFacts } from '../../intelligence/leads/lead-facts.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { scoringModelOf, type StoredModel, type ScoringModelVersion } from '../scoring/scoring-models.js';
import { CURRENT_SCORING_MODEL_JSON } from '../scoring/scoring.repository.js';
import { LIVE_SEGMENTS_JSON, segmentRecordOf, type SegmentRecord, type SegmentRow } from '../segments/segment-records.js';

/** A lead's company as the evaluation reads it; whether a visit's network gave it is asked only when it matters. */
export type HeldCompanyLink = Omit<HeldCompany, 'onNetwork'>;

/** A lead's events beyond this many (newest first) are not looked at by rules: a bound on one evaluation's memory. */
export const MAX_EVENTS_PER_LEAD = 5_000;

/** The events rules look at: these names, since this moment. */
export interface EventFilter {
  readonly names: readonly string[];
  readonly since: Date;
}

export interface EvaluationInputs {
  readonly model: ScoringModelVersion;
  readonly segments: SegmentRecord[];
  /** Live (unmerged) leads among those asked for, with the events of the filter given. */
  readonly leads: Map<string, LeadFacts>;
  /** Open stays of these leads, as `segmentId \u0000 leadId`. */
  readonly open: Set<string>;
  /** The company of each lead with an email, and its stored link, by lead id: what a business email is weighed against. */
  readonly heldCompanies: Map<string, HeldCompanyLink>;
}

export const stayKey = (segmentId: string, leadId: string): string => `${segmentId}\u0000${leadId}`;

interface LeadJson {
  readonly id: string;
  readonly email: string | null;
  readonly score: number;
  readonly traits: Record<string, unknown>;
  readonly company: CompanyFacts | null;
  /** Of a lead with an email and a company only (what identify-time linking weighs). */
  readonly companyLink?: unknown;
}

interface SegmentJson extends Omit<SegmentRow, 'createdAt'> {
  readonly createdAt: string;
}

// A lead's company link is read only for a lead with an email and a company: what identify-time linking weighs.
const LEADS_JSON = `(select coalesce(json_agg(json_build_object(
    'id', l.id, 'email', l.email, 'score', l.score, 'traits', l.traits,
    'companyLink', case when l.email is not null and c.id is not null then l.company_link end,
    'company', case when c.id is null then null else json_build_object(
      'domain', c.domain, 'name', c.name, 'industry', c.industry, 'employees', c.employees,
      'revenue', c.revenue, 'country', c.country, 'mailProvider', c.mail_provider, 'dmarcPolicy', c.dmarc_policy,
      'techStack', c.tech_stack, 'saas', c.saas) end)), '[]')
   from {t}.leads l left join {t}.companies c on c.id = l.company_id
  where l.id = any($1) and l.merged_into is null)`;

const OPEN_JSON = `(select coalesce(json_agg(json_build_array(m.segment_id, m.lead_id)), '[]')
   from {t}.segment_memberships m where m.lead_id = any($1) and m.exited_at is null)`;

// Of the given leads (merged ones have no events of their own), the newest MAX_EVENTS_PER_LEAD events of the names since the moment, as rows.
// Parameters: $1 the lead ids, $2 since, $3 the names, $4 the bound.
const EVENT_ROWS = `select "leadId", name, at, properties from (
     select e.lead_id as "leadId", e.name, e.at, e.properties,
            row_number() over (partition by e.lead_id order by e.at desc) as position
       from {t}.events e
      where e.lead_id = any($1) and e.at >= $2 and e.name = any($3)
   ) newest where position <= $4`;

interface EventRow extends EventFact {
  readonly leadId: string;
}

function eventsByLead(rows: readonly EventRow[]): Map<string, EventFact[]> {
  const byLead = new Map<string, EventFact[]>();
  for (const { leadId, name, at, properties } of rows) {
    const event: EventFact = { name, at, properties };
    const list = byLead.get(leadId);
    if (list === undefined) byLead.set(leadId, [event]);
    else list.push(event);
  }
  return byLead;
}

interface Head {
  readonly model: StoredModel | null;
  readonly segments: SegmentJson[];
  readonly leads: LeadJson[];
  readonly open: Array<[string, string]>;
}

/** The inputs of an evaluation of `leadIds`, with the events of `guess` (none read when it names none). */
export async function readEvaluationInputs(sql: TenantSql, leadIds: readonly string[], guess: EventFilter): Promise<EvaluationInputs> {
  const ids = [...new Set(leadIds)];
  // The first row carries the model, segments, leads and stays as JSON; the events follow as plain rows, cheaper than JSON to build and parse by the thousand.
  const rows = await sql.query<{ head: Head | null } & Partial<EventRow>>(
    `select 0 as part, null::text as "leadId", null::text as name, null::timestamptz as at, null::jsonb as properties,
            json_build_object('model', ${CURRENT_SCORING_MODEL_JSON}, 'segments', ${LIVE_SEGMENTS_JSON}, 'leads', ${LEADS_JSON}, 'open', ${OPEN_JSON}) as head
     union all
     select 1, "leadId", name, at, properties, null from (${EVENT_ROWS}) events
     order by part, "leadId", at desc`,
    [ids, guess.since, [...guess.names], MAX_EVENTS_PER_LEAD],
  );
  const head = rows[0]?.head;
  if (head === undefined || head === null) throw new Error('the evaluation read returned no head row');
  const events = eventsByLead(rows.slice(1) as EventRow[]);
  return {
    model: scoringModelOf(sql.schema, head.model),
    segments: head.segments.map(segmentRecordOf),
    leads: new Map(
      head.leads.map(({ companyLink: _link, ...lead }) => [lead.id, { ...lead, events: events.get(lead.id) ?? [] }]),
    ),
    open: new Set(head.open.map(([segmentId, leadId]) => stayKey(segmentId, leadId))),
    heldCompanies: new Map(
      head.leads.flatMap((lead): Array<[string, HeldCompanyLink]> =>
        lead.email === null || lead.company === null ? [] : [[lead.id, { domain: lead.company.domain, link: lead.companyLink ?? null }]],
      ),
    ),
  };
}

/** The events of `filter` for leads already read: when the guess of the first read was not what the rules need. */
export async function readLeadEvents(sql: TenantSql, leadIds: readonly string[], filter: EventFilter): Promise<Map<string, EventFact[]>> {
  if (leadIds.length === 0 || filter.names.length === 0) return new Map();
  const rows = await sql.query<EventRow>(`${EVENT_ROWS} order by "leadId", at desc`, [[...leadIds], filter.since, [...filter.names], MAX_EVENTS_PER_LEAD]);
  return eventsByLead(rows);
}
