import type { CompanyImportRow } from '../../intelligence/companies/company-import.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { companyById } from '../companies/companies.repository.js';
import { importCompanies, type ImportResult } from '../companies/company-import.service.js';
import type { NetworkCompanies } from '../companies/network-company-lookup.js';
import type { EventStore } from './ingest/event-store.js';
import { splitLead } from './ingest/lead-merges.js';
import { identifyMessage, trackMessages, type IdentifyPersonInput, type TrackEventInput } from './ingest-inputs.js';
import { createLeadBatchLoaders, type LeadBatchLoaders } from './lead-batch-loaders.js';
import { findCompanyByDomain, findLead, findLeadByEmail, findLeads, listLeads, type LeadListFilter, type LeadPage } from './lead-queries.js';
import type { CompanyRecord, LeadRecord } from './lead-records.js';

export interface TrackOutcome {
  readonly accepted: number;
  readonly duplicates: number;
  readonly suppressed: number;
  readonly unconsented: number;
}

/** Every method takes the caller's tenant handle: a service holds no pool of its own. */
export interface LeadService {
  lead(tenant: TenantDb, id: string): Promise<LeadRecord | undefined>;
  leadByEmail(tenant: TenantDb, email: string): Promise<LeadRecord | undefined>;
  leads(tenant: TenantDb, opts: { first: number; after?: string; filter: LeadListFilter }): Promise<Outcome<LeadPage>>;
  company(tenant: TenantDb, domain: string): Promise<CompanyRecord | undefined>;
  importCompanies(tenant: TenantDb, rows: readonly CompanyImportRow[]): Promise<Outcome<ImportResult>>;
  /** The tenant's company of the network an address belongs to, where its domain is known. */
  companyOfNetwork(tenant: TenantDb, ip: string): Promise<CompanyRecord | undefined>;
  /** Per-request batching of a lead's sessions, events, anonymous ids and companies. */
  loaders(tenant: TenantDb): LeadBatchLoaders;
  track(tenant: TenantDb, events: readonly TrackEventInput[]): Promise<Outcome<TrackOutcome>>;
  identify(tenant: TenantDb, input: IdentifyPersonInput): Promise<Outcome<LeadRecord>>;
  split(tenant: TenantDb, leadId: string, anonymousId: string): Promise<Outcome<LeadRecord[]>>;
}

/** Writes go through the same EventStore as /v1, so GraphQL and Segment clients stitch alike. */
export function createLeadService(deps: { events: EventStore; networkCompanies: NetworkCompanies; now: () => Date }): LeadService {
  return {
    lead: (tenant, id) => findLead(tenant, id),
    leadByEmail: (tenant, email) => findLeadByEmail(tenant, email),
    leads: (tenant, opts) => listLeads(tenant, opts),
    company: (tenant, domain) => findCompanyByDomain(tenant, domain),
    loaders: (tenant) => createLeadBatchLoaders(tenant),

    importCompanies: (tenant, rows) => importCompanies(tenant, rows),

    async companyOfNetwork(tenant, ip) {
      const id = (await deps.networkCompanies.companyIdsOf(tenant, [ip])).get(ip);
      return id === undefined ? undefined : companyById(tenant, id);
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
      const lead = await findLead(tenant, written.leadIds[0] ?? '');
      return lead === undefined ? failure(notFound('Lead')) : success(lead);
    },

    async split(tenant, leadId, anonymousId) {
      // splitLead holds the visitor's identity lock for its transaction: ingestion about them waits for the split.
      const ids = await splitLead(tenant, leadId, anonymousId);
      if (ids === undefined) return failure(notFound('Merge of that anonymous id into that lead'));
      return success(await findLeads(tenant, ids));
    },
  };
}
