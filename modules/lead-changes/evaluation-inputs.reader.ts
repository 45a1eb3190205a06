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
import type { EventFact, LeadFacts } from '../../intelligence/leads/lead-facts.js';
import type { TenantRows } from '../../schema/tables/tables.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { scoringModelOf, type ScoringModelVersion } from '../scoring/scoring-models.js';
import { segmentRecordOf, type SegmentRecord } from '../segments/segment-records.js';
import { readEvaluationRows, readEventRows, type EvaluationReadRow, type EventRow } from './lead-changes.repository.js';

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

/** Traits and event properties are JSON objects as ingestion writes them; anything else reads as empty. */
function objectOf(value: TenantRows.Json): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function eventsByLead(rows: Iterable<EventRow>): Map<string, EventFact[]> {
  const byLead = new Map<string, EventFact[]>();
  for (const { leadId, name, at, properties } of rows) {
    const event: EventFact = { name, at, properties: objectOf(properties) };
    const list = byLead.get(leadId);
    if (list === undefined) byLead.set(leadId, [event]);
    else list.push(event);
  }
  return byLead;
}

const selectionOf = (filter: EventFilter) => ({ names: filter.names, since: filter.since, perLead: MAX_EVENTS_PER_LEAD });

/** The inputs of an evaluation of `leadIds`, with the events of `guess` (none read when it names none). */
export async function readEvaluationInputs(db: TenantDb, leadIds: readonly string[], guess: EventFilter): Promise<EvaluationInputs> {
  const rows = await readEvaluationRows(db, [...new Set(leadIds)], selectionOf(guess));
  const first = rows[0];
  if (first?.part !== 0) throw new Error('the evaluation read returned no head row');
  const { head } = first;
  const events = eventsByLead(rows.filter((row): row is Extract<EvaluationReadRow, { part: 1 }> => row.part === 1));
  return {
    model: scoringModelOf(db.schema, head.model),
    segments: head.segments.map(segmentRecordOf),
    leads: new Map(
      head.leads.map(({ companyLink: _link, traits, ...lead }) => [lead.id, { ...lead, traits: objectOf(traits), events: events.get(lead.id) ?? [] }]),
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
export async function readLeadEvents(db: TenantDb, leadIds: readonly string[], filter: EventFilter): Promise<Map<string, EventFact[]>> {
  if (leadIds.length === 0 || filter.names.length === 0) return new Map();
  return eventsByLead(await readEventRows(db, leadIds, selectionOf(filter)));
}
