import { mergeCompanyFacts, type CompanyFact, type StoredCompanyFact } from '../../intelligence/companies/company-facts.js';
import { GROUP_CONFIDENCE } from '../../intelligence/companies/company-link.js';
import type { CompanyFacts } from '../../intelligence/companies/group-company.js';
import { organizationNameKey } from '../../intelligence/ip/network-companies.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import { companyIdsByDomain, lockCompanyFacts, updateCompanyFacts, upsertCompanyRows } from './companies.repository.js';

const FACT_FIELDS = ['domain', 'name', 'industry', 'employees', 'country'] as const;

/**
 * Creates the tenant's company records for these domains where missing and
 * fills only the fields they lack: a value already held (from enrichment, an
 * import or an earlier call) is never overwritten, and a record with nothing
 * to fill is not touched at all, so a busy company's row is not locked by
 * every batch that mentions it. Each value filled is recorded in the
 * record's `facts` with `provenance` (by default a `group` call's, which is
 * what ingestion upserts). Returns domain → company id.
 */
export async function upsertCompanies(
  db: TenantDb,
  facts: readonly CompanyFacts[],
  provenance: { readonly source: string; readonly confidence: number } = { source: 'group', confidence: GROUP_CONFIDENCE },
): Promise<Map<string, string>> {
  const byDomain = new Map<string, CompanyFacts>();
  for (const f of facts) byDomain.set(f.domain, { ...byDomain.get(f.domain), ...f });
  if (byDomain.size === 0) return new Map();
  const fetchedAt = new Date().toISOString();
  const factsOf = (f: CompanyFacts) => {
    const given: Record<string, unknown> = {};
    for (const field of FACT_FIELDS) {
      const value = f[field];
      if (value !== undefined) given[`company.${field}`] = { value, source: provenance.source, confidence: provenance.confidence, fetchedAt };
    }
    return JSON.stringify(given);
  };
  const rows = [...byDomain.values()];
  await upsertCompanyRows(
    db,
    rows.map((f) => ({
      id: newId('co'),
      domain: f.domain,
      name: f.name ?? null,
      nameKey: f.nameKey ?? null,
      industry: f.industry ?? null,
      employees: f.employees === undefined ? null : String(f.employees),
      country: f.country ?? null,
      facts: factsOf(f),
    })),
  );
  const held = await companyIdsByDomain(
    db,
    rows.map((f) => f.domain),
  );
  return new Map(held.flatMap((r) => (r.domain === null ? [] : [[r.domain, r.id] as const])));
}

const isFactRecord = (facts: unknown): facts is Record<string, StoredCompanyFact> => typeof facts === 'object' && facts !== null && !Array.isArray(facts);

/**
 * Merges claims into one company's facts (the surer claim of each field wins;
 * see mergeCompanyFacts) and the columns they set, with the row locked so two
 * writers about one company do not lose each other's facts. Whether anything
 * changed.
 */
export async function mergeFactsIntoCompany(db: TenantDb, id: string, claims: readonly CompanyFact[]): Promise<boolean> {
  if (claims.length === 0) return false;
  const row = await lockCompanyFacts(db, id);
  if (row === undefined) return false;
  const merged = mergeCompanyFacts(isFactRecord(row.facts) ? row.facts : {}, row, claims);
  if (merged.changed.length === 0) return false;
  const name = merged.columns.get('name');
  await updateCompanyFacts(db, id, {
    facts: merged.facts,
    columns: merged.columns,
    ...(name === undefined ? {} : { nameKey: organizationNameKey(String(name)) ?? null }),
  });
  return true;
}
