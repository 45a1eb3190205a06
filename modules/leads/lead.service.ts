import type { CompanyImportRow } from '../../intelligence/companies/company-import.js';
import { failure, invalidInput, notFound, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { companyById } from '../companies/companies.repository.js';
import { importCompanies, type ImportResult } from '../companies/company-import.service.js';
import type { NetworkCompanies } from '../companies/network-company-lookup.js';
import type { EventStore, WriteResult } from './ingest/event-store.js';
import { leadIdOfMessage } from './ingest/ingest.repository.js';
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
/** How long a mutation waits for the log processor before it answers that its messages are accepted and not processed yet. */
const PROCESSED_WAIT_MS = 30_000;

export function createLeadService(deps: { events: EventStore; networkCompanies: NetworkCompanies; now: () => Date }): LeadService {
  const processedInTime = async (tenant: TenantDb, written: WriteResult): Promise<Outcome<true>> => {
    if (written.position === undefined || (await deps.events.processed(tenant, written.position, PROCESSED_WAIT_MS))) return success(true);
    return failure({ kind: 'unavailable', message: `accepted, and not processed within ${PROCESSED_WAIT_MS / 1000} s: read it again shortly`, retryable: true, retryAfterMs: 1_000 });
  };

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
      // A mutation's answer is read-your-writes: the tenant's back end reads the leads it just wrote.
      const processed = await processedInTime(tenant, written);
      if (!processed.ok) return processed;
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
      const processed = await processedInTime(tenant, written);
      if (!processed.ok) return processed;
      const lead = await findLead(tenant, (await leadIdOfMessage(tenant, message.value.messageId)) ?? '');
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
