import type { CompanyFacts, EventFact, LeadFacts } from '../../intelligence/leads/lead-facts.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

/** A lead's events beyond this many (newest first) are not looked at by rules: a bound on one evaluation's memory. */
export const MAX_EVENTS_PER_LEAD = 5_000;

interface LeadRow {
  readonly id: string;
  readonly email: string | null;
  readonly score: number;
  readonly traits: Record<string, unknown>;
  readonly company: CompanyFacts | null;
}

interface EventRow extends EventFact {
  readonly leadId: string;
}

/**
 * The facts of live (unmerged) leads, with their events of the given names
 * since `eventsSince` (the only ones the tenant's rules look at), in two
 * statements whatever the number of leads; one when no rule counts events.
 */
export async function readLeadFacts(
  sql: TenantSql,
  leadIds: readonly string[],
  events: { readonly names: readonly string[]; readonly since: Date },
): Promise<Map<string, LeadFacts>> {
  if (leadIds.length === 0) return new Map();
  const ids = [...new Set(leadIds)];
  const leads = await sql.query<LeadRow>(
    `select l.id, l.email, l.score, l.traits,
            case when c.id is null then null else jsonb_build_object(
              'domain', c.domain, 'name', c.name, 'industry', c.industry, 'employees', c.employees,
              'revenue', c.revenue, 'country', c.country) end as company
       from {t}.leads l left join {t}.companies c on c.id = l.company_id
      where l.id = any($1) and l.merged_into is null`,
    [ids],
  );
  if (leads.length === 0) return new Map();
  if (events.names.length === 0) return new Map(leads.map((lead) => [lead.id, { ...lead, events: [] }]));
  const rows = await sql.query<EventRow>(
    `select "leadId", name, at, properties from (
       select e.lead_id as "leadId", e.name, e.at, e.properties,
              row_number() over (partition by e.lead_id order by e.at desc) as position
         from {t}.events e
        where e.lead_id = any($1) and e.at >= $2 and e.name = any($4)
     ) newest where position <= $3
     order by "leadId", at desc`,
    [leads.map((l) => l.id), events.since, MAX_EVENTS_PER_LEAD, [...events.names]],
  );
  const byLead = new Map<string, EventFact[]>();
  for (const { leadId, ...event } of rows) {
    const list = byLead.get(leadId);
    if (list === undefined) byLead.set(leadId, [event]);
    else list.push(event);
  }
  return new Map(leads.map((lead) => [lead.id, { ...lead, events: byLead.get(lead.id) ?? [] }]));
}
