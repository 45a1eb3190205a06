/**
 * What a page of leads needs beyond the lead rows, batched: built once per
 * GraphQL request on that request's tenant, it answers every field of the
 * page with one statement per kind, whatever the number of leads.
 */
import type { EnrichedFieldState } from '../../intelligence/enrichment/field-provenance.js';
import { createBatchLoader } from '../../platform/batching/batch-loader.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { companiesByIds } from '../companies/companies.repository.js';
import { readFieldsOfLeads } from '../enrichment/lead-fields.js';
import { eventRecordOf, sessionRecordOf, type CompanyRecord, type EventRecord, type SessionRecord } from './lead-records.js';
import { anonymousIdsOfLeads, newestEventsOfLeads, newestSessionsOfLeads } from './leads.repository.js';

export interface LeadBatchLoaders {
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

/** A loader per `first`: each lead gets its own newest `first` rows from a single windowed statement. */
function perFirst<T extends { leadId: string }>(newest: (leadIds: readonly string[], first: number) => Promise<T[]>) {
  const loaders = new Map<number, (leadId: string) => Promise<T[]>>();
  return (leadId: string, first: number): Promise<T[]> => {
    let loader = loaders.get(first);
    if (loader === undefined) {
      loader = createBatchLoader(async (leadIds) => groupBy(await newest(leadIds, first)), []);
      loaders.set(first, loader);
    }
    return loader(leadId);
  };
}

export function createLeadBatchLoaders(db: TenantDb): LeadBatchLoaders {
  const anonymousIds = createBatchLoader(async (leadIds) => {
    const groups = groupBy(await anonymousIdsOfLeads(db, leadIds));
    return new Map([...groups].map(([leadId, group]) => [leadId, group.map((row) => row.anonymousId)]));
  }, []);
  const sessions = perFirst(async (leadIds, first) => (await newestSessionsOfLeads(db, leadIds, first)).map(sessionRecordOf));
  const events = perFirst(async (leadIds, first) => (await newestEventsOfLeads(db, leadIds, first)).map(eventRecordOf));
  const company = createBatchLoader<CompanyRecord | null>(async (ids) => new Map((await companiesByIds(db, ids)).map((row) => [row.id, row])), null);
  const enrichment = createBatchLoader<EnrichedFieldState[]>((leadIds) => readFieldsOfLeads(db, leadIds), []);
  return { anonymousIds, sessions, events, company, enrichment };
}
