import { validateCompanyImport, type CompanyImportRow, type ValidCompany } from '../../intelligence/companies/company-import.js';
import { failure, success, type Outcome } from '../../platform/outcome.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';
import { DATASET_CONFIDENCE } from '../../intelligence/companies/company-link.js';
import { importCompanyRows } from './companies.repository.js';

/** The tenant's word about its own accounts: replaced only by a surer source (see mergeCompanyFacts). */
export const IMPORT_SOURCE = 'import';

/** The fields the import gives, as facts with their provenance. */
function importedFacts(company: ValidCompany, fetchedAt: string): Record<string, unknown> {
  const given: Array<[string, unknown]> = [
    ['company.name', company.name],
    ['company.industry', company.industry],
    ['company.employees', company.employees],
    ['company.revenue', company.revenue],
    ['company.country', company.country],
    ['company.techStack', company.techStack],
  ];
  return Object.fromEntries(
    // An empty list says nothing is known, not that nothing is used: no fact, so a provider's list can fill it.
    given.filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0)).map(([field, value]) => [field, { value, source: IMPORT_SOURCE, confidence: DATASET_CONFIDENCE, fetchedAt }]),
  );
}

export interface ImportResult {
  readonly created: number;
  readonly updated: number;
}

/**
 * The tenant's own firmographics, keyed by domain, in one statement: all rows
 * or none. The tenant is the authority on its own data, so an import replaces
 * the fields it gives and leaves the fields it omits as they are.
 */
export async function importCompanies(db: TenantDb, rows: readonly CompanyImportRow[]): Promise<Outcome<ImportResult>> {
  const valid = validateCompanyImport(rows);
  if (!valid.ok) return failure(valid.problem);
  const fetchedAt = new Date().toISOString();
  const created = await importCompanyRows(
    db,
    valid.value.map((c) => ({
      id: newId('co'),
      domain: c.domain,
      name: c.name,
      name_key: c.nameKey,
      industry: c.industry,
      employees: c.employees,
      revenue: c.revenue,
      country: c.country,
      tech_stack: c.techStack,
      facts: importedFacts(c, fetchedAt),
    })),
    valid.value.filter((c) => c.techStack !== null).map((c) => c.domain),
  );
  const createdCount = created.filter(Boolean).length;
  return success({ created: createdCount, updated: created.length - createdCount });
}
