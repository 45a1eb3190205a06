import type { TenantSql } from '../../platform/postgres/tenant-sql.js';

export interface ConsentChangeRecord {
  readonly id: string;
  readonly leadId: string | null;
  readonly anonymousId: string | null;
  readonly granted: boolean;
  readonly categories: Record<string, boolean>;
  readonly source: string;
  readonly at: Date;
}

export interface NewConsentChange {
  readonly leadId: string | null;
  readonly anonymousId: string | null;
  readonly granted: boolean;
  readonly categories: Readonly<Record<string, boolean>>;
  readonly source: string;
  readonly at: Date;
}

const COLUMNS = `id::text as id, lead_id as "leadId", anonymous_id as "anonymousId", granted, categories, source, at`;

const rowsOf = (changes: readonly NewConsentChange[]) =>
  JSON.stringify(
    changes.map((c) => ({ lead_id: c.leadId, anonymous_id: c.anonymousId, granted: c.granted, categories: c.categories, source: c.source, at: c.at })),
  );

/**
 * Consent events seen by ingestion. The tracking script announces a grant on
 * every page that calls consent(true), so a decision equal to the lead's
 * latest one is not a change and is not recorded again.
 */
export async function recordConsentEvents(sql: TenantSql, changes: readonly NewConsentChange[]): Promise<void> {
  if (changes.length === 0) return;
  await sql.query(
    `insert into {t}.consent_changes (lead_id, anonymous_id, granted, categories, source, at)
     select v.lead_id, v.anonymous_id, v.granted, v.categories, v.source, v.at
       from jsonb_to_recordset($1::jsonb) as v(lead_id text, anonymous_id text, granted boolean, categories jsonb, source text, at timestamptz)
      where not exists (
        select 1 from (select c.granted, c.categories from {t}.consent_changes c where c.lead_id = v.lead_id order by c.at desc, c.id desc limit 1) latest
         where latest.granted = v.granted and latest.categories = v.categories)`,
    [rowsOf(changes)],
  );
}

/** A decision the tenant reports itself: always recorded, it is the tenant's evidence. */
export async function insertConsentChange(sql: TenantSql, change: NewConsentChange): Promise<ConsentChangeRecord> {
  const [row] = await sql.query<ConsentChangeRecord>(
    `insert into {t}.consent_changes (lead_id, anonymous_id, granted, categories, source, at)
     select lead_id, anonymous_id, granted, categories, source, at
       from jsonb_to_recordset($1::jsonb) as v(lead_id text, anonymous_id text, granted boolean, categories jsonb, source text, at timestamptz)
     returning ${COLUMNS}`,
    [rowsOf([change])],
  );
  if (row === undefined) throw new Error('consent change not recorded');
  return row;
}

/**
 * A lead's decisions, newest first: its own, those of leads merged into it,
 * and those recorded under its anonymous ids before it was known.
 */
export async function consentChangesOfLead(sql: TenantSql, leadId: string, limit: number): Promise<ConsentChangeRecord[]> {
  return sql.query<ConsentChangeRecord>(
    `select ${COLUMNS} from {t}.consent_changes
      where lead_id = $1
         or lead_id in (select id from {t}.leads where merged_into = $1)
         or anonymous_id in (select anonymous_id from {t}.identities where lead_id = $1)
      order by at desc, id desc
      limit $2`,
    [leadId, limit],
  );
}
