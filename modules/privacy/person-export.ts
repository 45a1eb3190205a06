/**
 * Everything held about a person as one JSON document, built by PostgreSQL
 * in the statement that stores it (a person with 50,000 events never passes
 * through the worker's memory). `$2`: the person's lead ids, `$3`: the
 * anonymous ids they were seen by. Conflicts with other people are left out:
 * they are about someone else too.
 */
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import type { PersonRecords } from './person-resolution.js';

const SECTIONS: ReadonlyArray<readonly [string, string]> = [
  [
    'leads',
    `select l.id, l.email, l.user_id as "userId", l.traits, l.score, l.score_breakdown as "scoreBreakdown", l.merged_into as "mergedInto",
            l.needs_manual_enrichment as "needsManualEnrichment", l.last_enriched_at as "lastEnrichedAt",
            l.first_seen_at as "firstSeenAt", l.created_at as "createdAt", l.updated_at as "updatedAt",
            case when c.id is null then null else jsonb_build_object('domain', c.domain, 'name', c.name) end as company
       from {t}.leads l left join {t}.companies c on c.id = l.company_id where l.id = any($2) order by l.created_at, l.id`,
  ],
  ['identities', `select anonymous_id as "anonymousId", lead_id as "leadId", first_seen_at as "firstSeenAt" from {t}.identities where lead_id = any($2) order by first_seen_at`],
  [
    'sessions',
    `select id, lead_id as "leadId", anonymous_id as "anonymousId", started_at as "startedAt", last_activity_at as "lastActivityAt",
            page_views as "pageViews", event_count as "eventCount", campaign, ip, properties
       from {t}.sessions where lead_id = any($2) order by started_at, id`,
  ],
  [
    'events',
    `select id, message_id as "messageId", type, name, lead_id as "leadId", session_id as "sessionId", anonymous_id as "anonymousId",
            user_id as "userId", at, received_at as "receivedAt", properties, context
       from {t}.events where lead_id = any($2) order by at, id`,
  ],
  [
    'enrichment',
    `select lead_id as "leadId", field, value, confidence, source, verified, supplied, fetched_at as "fetchedAt", expires_at as "expiresAt",
            below_threshold as "belowThreshold", conflicts, edited_by as "editedBy", edit_note as "editNote"
       from {t}.lead_fields where lead_id = any($2) order by lead_id, field`,
  ],
  [
    'enrichmentCalls',
    `select j.lead_id as "leadId", c.job_id as "jobId", c.provider, c.outcome, c.credits, c.reason, c.raw, c.at
       from {t}.enrichment_calls c join {t}.enrichment_jobs j on j.id = c.job_id where j.lead_id = any($2) order by c.at, c.id`,
  ],
  [
    'segmentMemberships',
    `select m.segment_id as "segmentId", s.name as segment, m.lead_id as "leadId", m.entered_at as "enteredAt", m.exited_at as "exitedAt"
       from {t}.segment_memberships m join {t}.segments s on s.id = m.segment_id where m.lead_id = any($2) order by m.entered_at`,
  ],
  [
    'consentChanges',
    `select lead_id as "leadId", anonymous_id as "anonymousId", granted, categories, source, at
       from {t}.consent_changes where lead_id = any($2) or anonymous_id = any($3) order by at, id`,
  ],
  [
    'merges',
    `select id, survivor_id as "survivorId", absorbed_id as "absorbedId", cause, at, undone_at as "undoneAt"
       from {t}.merges where survivor_id = any($2) or absorbed_id = any($2) order by at, id`,
  ],
];

const DOCUMENT = `jsonb_build_object('exportedAt', now(), ${SECTIONS.map(
  ([name, select]) => `'${name}', (select coalesce(jsonb_agg(to_jsonb(x)), '[]'::jsonb) from (${select}) x)`,
).join(', ')})`;

/** Writes the document and completes the request; false when the request was no longer running. */
export async function writePersonExport(sql: TenantSql, requestId: string, person: Pick<PersonRecords, 'leadIds' | 'anonymousIds'>): Promise<boolean> {
  const rows = await sql.query(
    `update {t}.export_requests set document = ${DOCUMENT}, status = 'COMPLETED', completed_at = now()
      where id = $1 and status = 'RUNNING' returning id`,
    [requestId, person.leadIds, person.anonymousIds],
  );
  return rows.length > 0;
}
