/** The lead query service: reads of live leads and their companies, as domain records, on the tenant's tables only. */
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { companyByDomain } from '../companies/companies.repository.js';
import { decodeLeadCursor, encodeLeadCursor } from './lead-cursor.js';
import { leadRecordOf, type CompanyRecord, type LeadRecord } from './lead-records.js';
import { countLiveLeads, liveLeadByEmail, liveLeadById, liveLeadsByIds, liveLeadsPage, type LeadListFilter } from './leads.repository.js';

export type { LeadListFilter } from './leads.repository.js';

export interface LeadPage {
  readonly edges: ReadonlyArray<{ readonly cursor: string; readonly node: LeadRecord }>;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
  readonly totalCount: number;
}

export async function findLead(db: TenantDb, id: string): Promise<LeadRecord | undefined> {
  const row = await liveLeadById(db, id);
  return row === undefined ? undefined : leadRecordOf(row);
}

/** In the order of `ids`; ids of no live lead are left out. */
export async function findLeads(db: TenantDb, ids: readonly string[]): Promise<LeadRecord[]> {
  const rows = await liveLeadsByIds(db, ids);
  return ids.flatMap((id) => rows.filter((row) => row.id === id).map(leadRecordOf));
}

export async function findLeadByEmail(db: TenantDb, email: string): Promise<LeadRecord | undefined> {
  const row = await liveLeadByEmail(db, email.trim());
  return row === undefined ? undefined : leadRecordOf(row);
}

export async function findCompanyByDomain(db: TenantDb, domain: string): Promise<CompanyRecord | undefined> {
  return companyByDomain(db, domain.trim());
}

/**
 * One page in the order (created_at desc, id desc), after the cursor `after`
 * when given (one this listing did not hand out is invalid input);
 * totalCount counts the whole filtered set.
 */
export async function listLeads(db: TenantDb, opts: { first: number; after?: string; filter: LeadListFilter }): Promise<Outcome<LeadPage>> {
  const after = opts.after === undefined ? undefined : decodeLeadCursor(opts.after);
  if (opts.after !== undefined && after === undefined) return failure(invalidInput(['after'], 'not a cursor of this listing'));
  const [rows, totalCount] = await Promise.all([
    liveLeadsPage(db, { limit: opts.first + 1, after, filter: opts.filter }),
    countLiveLeads(db, opts.filter),
  ]);
  const edges = rows.slice(0, opts.first).map(({ position, ...row }) => ({
    cursor: encodeLeadCursor({ createdAt: position, id: row.id }),
    node: leadRecordOf(row),
  }));
  return success({ edges, hasNextPage: rows.length > opts.first, endCursor: edges.at(-1)?.cursor ?? null, totalCount });
}
