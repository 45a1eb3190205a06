/**
 * The evaluation's statements: one read of everything it weighs (joining
 * leads, companies, events, the scoring model, segments and memberships) and
 * one write of what changed. Both stay raw: the read's JSON head and the
 * write's `unnest` CTEs are one round trip each, which is their speed.
 */
import type { Selectable } from 'kysely';
import type { SqlValue } from '../../platform/postgres/database.js';
import type { TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { SCORE_WRITE_CTES } from '../leads/leads.repository.js';
import { CURRENT_SCORING_MODEL_JSON } from '../scoring/scoring.repository.js';
import { closeStaysCte, LIVE_SEGMENTS_JSON, openStaysCte, type SegmentJsonRow } from '../segments/segments.repository.js';

type Lead = Selectable<TenantRows.Leads>;
type Company = Selectable<TenantRows.Companies>;
type Event = Selectable<TenantRows.Events>;
type Stay = Selectable<TenantRows.SegmentMemberships>;

/** A lead's company as the head's JSON carries it: the columns rules read, named as the facts are. */
export type CompanyFactsJson = Pick<Company, 'domain' | 'name' | 'industry' | 'employees' | 'revenue' | 'country' | 'saas'> & {
  readonly mailProvider: Company['mail_provider'];
  readonly dmarcPolicy: Company['dmarc_policy'];
  readonly techStack: Company['tech_stack'];
};

export type LeadJson = Pick<Lead, 'id' | 'email' | 'score' | 'traits'> & {
  readonly company: CompanyFactsJson | null;
  /** Of a lead with an email and a company only (what identify-time linking weighs). */
  readonly companyLink?: Lead['company_link'];
};

/** The newest scoring model as JSON (dates as text). */
export type ScoringModelJson = Pick<Selectable<TenantRows.ScoringModels>, 'version' | 'rules'> & { readonly created_at: string };

export interface EvaluationHead {
  readonly model: ScoringModelJson | null;
  readonly segments: SegmentJsonRow[];
  readonly leads: LeadJson[];
  /** Open stays of the leads as `[segment_id, lead_id]`. */
  readonly open: Array<[Stay['segment_id'], Stay['lead_id']]>;
}

export type EventRow = Pick<Event, 'name' | 'at' | 'properties'> & { readonly leadId: Event['lead_id'] };

/** Which events to read: these names, since this moment, at most `perLead` (newest first) of each lead. */
export interface EventSelection {
  readonly names: readonly string[];
  readonly since: Date;
  readonly perLead: number;
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

// Of the given leads (merged ones have no events of their own), the newest events of the names since the moment, as rows.
// Parameters: $1 the lead ids, $2 since, $3 the names, $4 the bound per lead.
const EVENT_ROWS = `select "leadId", name, at, properties from (
     select e.lead_id as "leadId", e.name, e.at, e.properties,
            row_number() over (partition by e.lead_id order by e.at desc) as position
       from {t}.events e
      where e.lead_id = any($1) and e.at >= $2 and e.name = any($3)
   ) newest where position <= $4`;

const eventValues = (leadIds: readonly string[], events: EventSelection): SqlValue[] => [[...leadIds], events.since, [...events.names], events.perLead];

export type EvaluationReadRow = { readonly part: 0; readonly head: EvaluationHead } | ({ readonly part: 1; readonly head: null } & EventRow);

/**
 * In one statement: the first row carries the model, segments, leads and
 * stays as JSON; the events follow as plain rows, cheaper than JSON to build
 * and parse by the thousand.
 */
export async function readEvaluationRows(db: TenantDb, leadIds: readonly string[], events: EventSelection): Promise<EvaluationReadRow[]> {
  return db.query<EvaluationReadRow>(
    `select 0 as part, null::text as "leadId", null::text as name, null::timestamptz as at, null::jsonb as properties,
            json_build_object('model', ${CURRENT_SCORING_MODEL_JSON}, 'segments', ${LIVE_SEGMENTS_JSON}, 'leads', ${LEADS_JSON}, 'open', ${OPEN_JSON}) as head
     union all
     select 1, "leadId", name, at, properties, null from (${EVENT_ROWS}) events
     order by part, "leadId", at desc`,
    eventValues(leadIds, events),
  );
}

export async function readEventRows(db: TenantDb, leadIds: readonly string[], events: EventSelection): Promise<EventRow[]> {
  return db.query<EventRow>(`${EVENT_ROWS} order by "leadId", at desc`, eventValues(leadIds, events));
}

// ---- The evaluation's write

export interface EvaluationWrite {
  readonly scores: ReadonlyArray<{ readonly leadId: string; readonly score: number; readonly breakdown: unknown }>;
  readonly exits: ReadonlyArray<{ readonly segmentId: string; readonly leadId: string }>;
  readonly entries: ReadonlyArray<{ readonly segmentId: string; readonly leadId: string }>;
  readonly at: Date;
}

export interface EvaluationWriteRow {
  readonly kind: 'scored' | 'exited' | 'entered';
  readonly leadId: Lead['id'];
  readonly segmentId: Stay['segment_id'] | null;
  readonly previous: Lead['score'] | null;
  readonly score: Lead['score'] | null;
}

/**
 * In one statement: scores written (leads.repository.ts), stays closed and opened
 * (segments.repository.ts), and a row for each change made. Only rows this
 * statement changed are returned, so two evaluations racing over one lead
 * report each change once.
 */
export async function writeEvaluation(db: TenantDb, write: EvaluationWrite): Promise<EvaluationWriteRow[]> {
  return db.query<EvaluationWriteRow>(
    `with ${SCORE_WRITE_CTES},
     ${closeStaysCte({ at: '$4', segmentIds: '$5', leadIds: '$6' })},
     ${openStaysCte({ at: '$4', segmentIds: '$7', leadIds: '$8' })}
     select 'scored' as kind, id as "leadId", null::text as "segmentId", previous, score from scored where previous <> score
     union all select 'exited', lead_id, segment_id, null, null from closed
     union all select 'entered', lead_id, segment_id, null, null from opened`,
    [
      write.scores.map((s) => s.leadId),
      write.scores.map((s) => s.score),
      write.scores.map((s) => JSON.stringify(s.breakdown)),
      write.at,
      write.exits.map((e) => e.segmentId),
      write.exits.map((e) => e.leadId),
      write.entries.map((e) => e.segmentId),
      write.entries.map((e) => e.leadId),
    ],
  );
}
