/**
 * Retention's deletes by age in every personal store but events (those are
 * walked by id in erasure.repository.ts). Like erasure, retention reaches
 * other modules' tables by design: it is the one place that says how long
 * anything about a person is kept. Each statement takes one page, oldest
 * first, through an index on the time the window counts from, so a
 * transaction stays short whatever the table's size, and a page run again
 * finds nothing more to do.
 */
import type { TenantDb } from '../../tenants/tenant-db.js';

/** The stores retention empties by age, beside events. */
export type PersonalStore = 'sessions' | 'webhookDeliveries' | 'vendorBodies' | 'companyAnswers' | 'consentChanges' | 'exports' | 'deadLetters';

export interface ExpiredPage {
  /** Rows of the store deleted (vendor bodies: bodies cleared). */
  readonly rows: number;
  /** Events that went with their sessions. */
  readonly events: number;
}

/** `$1` the cutoff, `$2` the page size; each answers `rows` (and `events`). */
const STATEMENTS: Readonly<Record<PersonalStore, string>> = {
  // A session's events go with it: an event never points at a session that is gone (events carry no foreign keys).
  sessions: `with gone as (
       delete from {t}.sessions where id in (select id from {t}.sessions where started_at < $1 order by started_at limit $2) returning id, lead_id
     ), events as (
       delete from {t}.events e using gone where e.lead_id = gone.lead_id and e.session_id = gone.id returning e.id
     )
     select (select count(*) from gone)::int as rows, (select count(*) from events)::int as events`,
  webhookDeliveries: `with gone as (
       delete from {t}.webhook_deliveries where id in (select id from {t}.webhook_deliveries where created_at < $1 order by created_at limit $2) returning id
     ) select count(*)::int as rows, 0 as events from gone`,
  // The call's record (provider, outcome, credits) stays for the job's history; the vendor's body goes.
  vendorBodies: `with gone as (
       update {t}.enrichment_calls set raw = null
        where id in (select id from {t}.enrichment_calls where raw is not null and at < $1 order by at limit $2) returning id
     ) select count(*)::int as rows, 0 as events from gone`,
  companyAnswers: `with gone as (
       delete from {t}.company_answers where (domain, provider) in
         (select domain, provider from {t}.company_answers where fetched_at < $1 order by fetched_at limit $2) returning domain
     ) select count(*)::int as rows, 0 as events from gone`,
  consentChanges: `with gone as (
       delete from {t}.consent_changes where id in (select id from {t}.consent_changes where at < $1 order by at limit $2) returning id
     ) select count(*)::int as rows, 0 as events from gone`,
  // Past its own expiry, or requested before the window (a window shortened since applies to exports already made).
  exports: `with gone as (
       delete from {t}.export_requests where id in
         (select id from {t}.export_requests where expires_at <= now() or requested_at < $1 order by requested_at limit $2) returning id
     ) select count(*)::int as rows, 0 as events from gone`,
  // Messages the processor could not write hold what events hold, and keep the events' window.
  deadLetters: `with gone as (
       delete from {t}.ingest_dead_letters where (lane, position) in
         (select lane, position from {t}.ingest_dead_letters where received_at < $1 order by received_at limit $2) returning position
     ) select count(*)::int as rows, 0 as events from gone`,
};

/** Deletes one page of the store's rows past `cutoff`; fewer rows than `limit`: the store is done. */
export async function expireStorePage(db: TenantDb, store: PersonalStore, page: { cutoff: Date; limit: number }): Promise<ExpiredPage> {
  const [row] = await db.query<ExpiredPage>(STATEMENTS[store], [page.cutoff, page.limit]);
  return { rows: row?.rows ?? 0, events: row?.events ?? 0 };
}
