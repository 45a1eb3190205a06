/**
 * Who a privacy request is about, as the tenant's rows know them: the lead
 * asked for (or the live leads holding the email), every lead merged into
 * them at any depth, and every identifier they were seen by.
 */
import { subjectOfLead } from '../../intelligence/enrichment/enrichment-subject.js';
import type { EnrichmentSubject } from '../../intelligence/enrichment/enrichment-types.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import type { PersonRef } from './privacy-requests.js';

export interface PersonRecords {
  readonly leadIds: string[];
  readonly emails: string[];
  readonly userIds: string[];
  readonly anonymousIds: string[];
  /** What enrichment could have asked about the person: answer-cache keys derive from these. */
  readonly subjects: EnrichmentSubject[];
}

interface LeadRow {
  readonly id: string;
  readonly email: string | null;
  readonly userId: string | null;
  readonly traits: Record<string, unknown>;
  readonly companyDomain: string | null;
  readonly lastIp: string | null;
}

/** The lead a request names, or the lead it was merged into: the person lives on there. */
async function rootOf(sql: TenantSql, leadId: string): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `with recursive up as (
       select id, merged_into, 0 as depth from {t}.leads where id = $1
       union all
       select l.id, l.merged_into, up.depth + 1 from {t}.leads l join up on l.id = up.merged_into where up.depth < 100
     )
     select id from up where merged_into is null`,
    [leadId],
  );
  return rows.map((row) => row.id);
}

async function rootsOf(sql: TenantSql, person: PersonRef): Promise<string[]> {
  if ('leadId' in person) return rootOf(sql, person.leadId);
  const rows = await sql.query<{ id: string }>('select id from {t}.leads where lower(email) = lower($1) and merged_into is null', [person.email.trim()]);
  return rows.map((row) => row.id);
}

/** The leads and every lead merged into them, recursively (`union` stops at a cycle). */
async function leadTree(sql: TenantSql, roots: readonly string[]): Promise<LeadRow[]> {
  if (roots.length === 0) return [];
  return sql.query<LeadRow>(
    `with recursive tree as (
       select id from {t}.leads where id = any($1)
       union
       select l.id from {t}.leads l join tree on l.merged_into = tree.id
     )
     select l.id, l.email, l.user_id as "userId", l.traits, c.domain as "companyDomain",
            (select s.ip from {t}.sessions s where s.lead_id = l.id and s.ip is not null order by s.started_at desc limit 1) as "lastIp"
       from {t}.leads l join tree on tree.id = l.id left join {t}.companies c on c.id = l.company_id
      order by l.id`,
    [[...roots]],
  );
}

async function seenBy(sql: TenantSql, leadIds: readonly string[]): Promise<{ anonymousIds: string[]; userIds: string[] }> {
  if (leadIds.length === 0) return { anonymousIds: [], userIds: [] };
  const [row] = await sql.query<{ anonymousIds: string[]; userIds: string[] }>(
    `select
       array(select anonymous_id from {t}.identities where lead_id = any($1)
             union select anonymous_id from {t}.sessions where lead_id = any($1) and anonymous_id is not null
             union select anonymous_id from {t}.events where lead_id = any($1) and anonymous_id is not null
             union select anonymous_id from {t}.consent_changes where lead_id = any($1) and anonymous_id is not null
             union select jsonb_array_elements_text(moved->'anonymousIds') from {t}.merges
                    where (survivor_id = any($1) or absorbed_id = any($1)) and jsonb_typeof(moved->'anonymousIds') = 'array') as "anonymousIds",
       array(select distinct user_id from {t}.events where lead_id = any($1) and user_id is not null) as "userIds"`,
    [[...leadIds]],
  );
  return { anonymousIds: row?.anonymousIds ?? [], userIds: row?.userIds ?? [] };
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
const distinct = (values: ReadonlyArray<string | undefined | null>): string[] =>
  [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))].sort();

export async function resolvePerson(sql: TenantSql, person: PersonRef): Promise<PersonRecords> {
  const leads = await leadTree(sql, await rootsOf(sql, person));
  const leadIds = leads.map((lead) => lead.id);
  const seen = await seenBy(sql, leadIds);
  const given = 'email' in person ? person.email.trim() : undefined;
  const emails = distinct([given, ...leads.flatMap((lead) => [text(lead.email), text(lead.traits['email'])])]);
  const subjects = [
    ...leads.map((lead) => subjectOfLead(lead)),
    // An email alone (an unknown person, a trait email): what verification was asked with.
    ...emails.map((email) => subjectOfLead({ email, traits: {}, companyDomain: null, lastIp: null })),
  ].filter((subject): subject is EnrichmentSubject => subject?.email !== undefined);
  return {
    leadIds,
    emails,
    userIds: distinct([...leads.map((lead) => lead.userId), ...seen.userIds]),
    anonymousIds: distinct(seen.anonymousIds),
    subjects,
  };
}
