import type { EnrichedFieldState } from '../../intelligence/enrichment/field-provenance.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { readFieldsOfLeads } from '../enrichment/lead-fields.js';
import { createBatchLoader } from './batch-loader.js';
import {
  COMPANY_COLUMNS,
  EVENT_COLUMNS,
  SESSION_COLUMNS,
  type CompanyRecord,
  type EventRecord,
  type SessionRecord,
} from './lead-records.js';

/** What a page of leads needs beyond the lead rows, one query per kind whatever the number of leads. */
export interface LeadLoaders {
  anonymousIds(leadId: string): Promise<string[]>;
  sessions(leadId: string, first: number): Promise<SessionRecord[]>;
  events(leadId: string, first: number): Promise<EventRecord[]>;
  company(companyId: string): Promise<CompanyRecord | null>;
  /** The lead's enriched fields, ordered by field. */
  enrichment(leadId: string): Promise<EnrichedFieldState[]>;
}

function groupBy<T extends { leadId: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.leadId);
    if (group === undefined) groups.set(row.leadId, [row]);
    else group.push(row);
  }
  return groups;
}

/** A loader per `first`: each lead gets its own newest `first` rows from a single windowed query. */
function perFirst<T>(load: (first: number) => (leadId: string) => Promise<T[]>) {
  const loaders = new Map<number, (leadId: string) => Promise<T[]>>();
  return (leadId: string, first: number): Promise<T[]> => {
    let loader = loaders.get(first);
    if (loader === undefined) {
      loader = load(first);
      loaders.set(first, loader);
    }
    return loader(leadId);
  };
}

/** Built once per GraphQL request on that request's tenant; never shared between requests. */
export function createLeadLoaders(sql: TenantSql): LeadLoaders {
  const anonymousIds = createBatchLoader(async (leadIds) => {
    const rows = await sql.query<{ leadId: string; anonymousId: string }>(
      `select lead_id as "leadId", anonymous_id as "anonymousId" from {t}.identities
        where lead_id = any($1) order by first_seen_at, anonymous_id`,
      [leadIds],
    );
    return new Map([...groupBy(rows)].map(([leadId, group]) => [leadId, group.map((row) => row.anonymousId)]));
  }, []);

  /** The newest `first` rows of a lead-owned table for every lead asked for in this tick, in one query. */
  const newestPerLead = <Row extends { leadId: string }>(table: 'sessions' | 'events', columns: string, newestFirst: string) =>
    perFirst((first) =>
      createBatchLoader(async (leadIds) => {
        const rows = await sql.query<Row>(
          `select ${columns} from (
             select *, row_number() over (partition by lead_id order by ${newestFirst}) as position
               from {t}.${table} where lead_id = any($1)
           ) x where position <= $2 order by lead_id, position`,
          [leadIds, first],
        );
        return groupBy(rows);
      }, []),
    );
  const sessions = newestPerLead<SessionRecord>('sessions', SESSION_COLUMNS, 'started_at desc, id desc');
  const events = newestPerLead<EventRecord>('events', EVENT_COLUMNS, 'at desc, id desc');

  const company = createBatchLoader<CompanyRecord | null>(async (ids) => {
    const rows = await sql.query<CompanyRecord>(`select ${COMPANY_COLUMNS} from {t}.companies where id = any($1)`, [ids]);
    return new Map(rows.map((row) => [row.id, row]));
  }, null);

  const enrichment = createBatchLoader<EnrichedFieldState[]>((leadIds) => readFieldsOfLeads(sql, leadIds), []);

  return { anonymousIds, sessions, events, company, enrichment };
}
