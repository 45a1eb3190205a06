import { validateCompanyImport, type CompanyImportRow } from '../../intelligence/companies/company-import.js';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';

export interface ImportResult {
  readonly created: number;
  readonly updated: number;
}

/**
 * The tenant's own firmographics, keyed by domain, in one statement: all rows
 * or none. The tenant is the authority on its own data, so an import replaces
 * the fields it gives and leaves the fields it omits as they are.
 */
export async function importCompanies(sql: TenantSql, rows: readonly CompanyImportRow[]): Promise<Outcome<ImportResult>> {
  const valid = validateCompanyImport(rows);
  if (!valid.ok) return failure(invalidInput(valid.path, valid.message));
  const written = await sql.query<{ created: boolean }>(
    `insert into {t}.companies as c (id, domain, name, name_key, industry, employees, revenue, country, tech_stack, imported_at)
     select v.id, v.domain, v.name, v.name_key, v.industry, v.employees, v.revenue, v.country, coalesce(v.tech_stack, '{}'), now()
       from jsonb_to_recordset($1::jsonb) as v(id text, domain text, name text, name_key text, industry text, employees int,
                                              revenue double precision, country text, tech_stack text[])
     on conflict (domain) do update set
       name = coalesce(excluded.name, c.name), name_key = coalesce(excluded.name_key, c.name_key),
       industry = coalesce(excluded.industry, c.industry), employees = coalesce(excluded.employees, c.employees),
       revenue = coalesce(excluded.revenue, c.revenue), country = coalesce(excluded.country, c.country),
       tech_stack = case when $2::text[] @> array[excluded.domain] then excluded.tech_stack else c.tech_stack end,
       imported_at = now(), updated_at = now()
     returning (xmax = 0) as created`,
    [
      JSON.stringify(
        valid.companies.map((c) => ({
          id: newId('co'),
          domain: c.domain,
          name: c.name,
          name_key: c.nameKey,
          industry: c.industry,
          employees: c.employees,
          revenue: c.revenue,
          country: c.country,
          tech_stack: c.techStack,
        })),
      ),
      valid.companies.filter((c) => c.techStack !== null).map((c) => c.domain),
    ],
  );
  const created = written.filter((r) => r.created).length;
  return success({ created, updated: written.length - created });
}
