import type { CompanyImportRow } from '../../intelligence/companies/company-import.js';
import { importCompanies, type ImportResult } from '../companies/company-import.service.js';
import type { NetworkCompanies } from '../companies/network-company-lookup.js';
import type { Database } from '../../platform/postgres/database.js';
import { tenantSql } from '../../platform/postgres/tenant-sql.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import { anonymousIdLockKey, lockIdentities, type EventStore, type IngestTenant } from './ingest/event-store.js';
import { splitLead } from './ingest/lead-merges.js';
import { identifyMessage, trackMessages, type IdentifyPersonInput, type TrackEventInput } from './ingest-inputs.js';
import { decodeLeadCursor } from './lead-cursor.js';
import { createLeadLoaders, type LeadLoaders } from './lead-loaders.js';
import type { CompanyRecord, LeadRecord } from './lead-records.js';
import { findCompanyByDomain, findCompanyById, findLead, findLeadByEmail, findLeads, listLeads, type LeadListFilter, type LeadPage } from './lead-reads.js';

export interface TrackOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly suppressed: number;
  readonly unconsented: number;
}

export interface LeadService {
  lead(tenant: IngestTenant, id: string): Promise<LeadRecord | undefined>;
  leadByEmail(tenant: IngestTenant, email: string): Promise<LeadRecord | undefined>;
  leads(tenant: IngestTenant, opts: { first: number; after?: string; filter: LeadListFilter }): Promise<Outcome<LeadPage>>;
  company(tenant: IngestTenant, domain: string): Promise<CompanyRecord | undefined>;
  importCompanies(tenant: IngestTenant, rows: readonly CompanyImportRow[]): Promise<Outcome<ImportResult>>;
  /** The tenant's company of the network an address belongs to, where its domain is known. */
  companyOfNetwork(tenant: IngestTenant, ip: string): Promise<CompanyRecord | undefined>;
  /** Per-request batching of a lead's sessions, events, anonymous ids and companies. */
  loaders(tenant: IngestTenant): LeadLoaders;
  track(tenant: IngestTenant, events: readonly TrackEventInput[]): Promise<Outcome<TrackOutcome>>;
  identify(tenant: IngestTenant, input: IdentifyPersonInput): Promise<Outcome<LeadRecord>>;
  split(tenant: IngestTenant, leadId: string, anonymousId: string): Promise<Outcome<LeadRecord[]>>;
}

/**
 * Reads go through the tenant's schema only (tenantSql); writes go through
 * the same EventStore as /v1, so GraphQL and Segment clients stitch alike.
 */
export function createLeadService(deps: { db: Database; events: EventStore; networkCompanies: NetworkCompanies; now: () => Date }): LeadService {
  const sqlOf = (tenant: IngestTenant) => tenantSql(deps.db, tenant.schema);

  return {
    lead: (tenant, id) => findLead(sqlOf(tenant), id),
    leadByEmail: (tenant, email) => findLeadByEmail(sqlOf(tenant), email),
    company: (tenant, domain) => findCompanyByDomain(sqlOf(tenant), domain),
    loaders: (tenant) => createLeadLoaders(sqlOf(tenant)),

    importCompanies: (tenant, rows) => importCompanies(sqlOf(tenant), rows),

    async companyOfNetwork(tenant, ip) {
      const id = (await deps.networkCompanies.companyIdsOf(sqlOf(tenant), [ip])).get(ip);
      return id === undefined ? undefined : findCompanyById(sqlOf(tenant), id);
    },

    async leads(tenant, opts) {
      const after = opts.after === undefined ? undefined : decodeLeadCursor(opts.after);
      if (opts.after !== undefined && after === undefined) return failure(invalidInput(['after'], 'not a cursor of this listing'));
      return success(await listLeads(sqlOf(tenant), { first: opts.first, after, filter: opts.filter }));
    },

    async track(tenant, events) {
      const messages = trackMessages(events, deps.now());
      if (!messages.ok) return messages;
      // The tenant's own back end (a secret key): what it sends is the tenant's intent.
      const written = await deps.events.write(tenant, messages.value, { source: 'tenant' });
      return success({ accepted: written.accepted, duplicates: written.duplicates, suppressed: written.suppressed, unconsented: written.unconsented });
    },

    async identify(tenant, input) {
      const message = identifyMessage(input, deps.now());
      if (!message.ok) return message;
      const written = await deps.events.write(tenant, [message.value], { source: 'tenant' });
      // The tenant asked for both: telling its own back end is telling no one new.
      if (written.suppressed > 0) return failure(invalidInput(['input'], 'this person was erased: events about them are dropped'));
      if (written.unconsented > 0) {
        return failure(invalidInput(['input', 'consent'], 'this tenant requires consent to identify a person: send the consent, or an anonymousId to keep the visit anonymously'));
      }
      const lead = await findLead(sqlOf(tenant), written.leadIds[0] ?? '');
      return lead === undefined ? failure(notFound('Lead')) : success(lead);
    },

    async split(tenant, leadId, anonymousId) {
      const ids = await deps.db.transaction(async (tx) => {
        // Ingestion about this visitor waits until the split is committed.
        await lockIdentities(tx, [anonymousIdLockKey(tenant.schema, anonymousId)]);
        return splitLead(tenantSql(tx, tenant.schema), leadId, anonymousId);
      });
      if (ids === undefined) return failure(notFound('Merge of that anonymous id into that lead'));
      return success(await findLeads(sqlOf(tenant), ids));
    },
  };
}
