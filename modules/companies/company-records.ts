import { mergeCompanyFacts, type CompanyColumnName, type CompanyFact, type StoredCompanyFact } from '../../intelligence/companies/company-facts.js';
import { GROUP_CONFIDENCE } from '../../intelligence/companies/company-link.js';
import { organizationNameKey } from '../../intelligence/ip/network-companies.js';
import type { SqlValue } from '../../platform/postgres/database.js';
import type { CompanyFacts } from '../../intelligence/companies/group-company.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';

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
  sql: TenantSql,
  facts: readonly CompanyFacts[],
  provenance: { readonly source: string; readonly confidence: number } = { source: 'group', confidence: GROUP_CONFIDENCE },
): Promise<Map<string, string>> {
  const byDomain = new Map<string, CompanyFacts>();
  for (const f of facts) byDomain.set(f.domain, { ...byDomain.get(f.domain), ...f });
  if (byDomain.size === 0) return new Map();
  const rows = [...byDomain.values()];
  const column = (pick: (f: CompanyFacts) => string | number | undefined) =>
    rows.map((f) => {
      const value = pick(f);
      return value === undefined ? null : String(value);
    });
  const domains = rows.map((f) => f.domain);
  const fetchedAt = new Date().toISOString();
  const factsOf = (f: CompanyFacts) => {
    const given: Record<string, unknown> = {};
    for (const [field, value] of [['company.domain', f.domain], ['company.name', f.name], ['company.industry', f.industry], ['company.employees', f.employees], ['company.country', f.country]] as const) {
      if (value !== undefined) given[field] = { value, source: provenance.source, confidence: provenance.confidence, fetchedAt };
    }
    return JSON.stringify(given);
  };
  // A fact is recorded only for the column this statement fills: a value held already keeps its own provenance.
  const filled = (column: string, field: string) => `'${field}', case when c.${column} is null then v.facts -> '${field}' end`;
  await sql.query(
    `with v as (
       select v.id, v.domain, v.name, v.name_key, v.industry, v.employees, v.country, v.facts::jsonb as facts
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[])
         as v(id, domain, name, name_key, industry, employees, country, facts)
     ), inserted as (
       insert into {t}.companies (id, domain, name, name_key, industry, employees, country, facts)
       select * from v on conflict (domain) do nothing returning id
     )
     update {t}.companies c set
       name = coalesce(c.name, v.name), name_key = coalesce(c.name_key, v.name_key), industry = coalesce(c.industry, v.industry),
       employees = coalesce(c.employees, v.employees), country = coalesce(c.country, v.country),
       facts = c.facts || jsonb_strip_nulls(jsonb_build_object(${filled('name', 'company.name')}, ${filled('industry', 'company.industry')},
         ${filled('employees', 'company.employees')}, ${filled('country', 'company.country')})),
       updated_at = now()
       from v
      where c.domain = v.domain
        and ((c.name is null and v.name is not null) or (c.industry is null and v.industry is not null)
          or (c.employees is null and v.employees is not null) or (c.country is null and v.country is not null))`,
    [
      rows.map(() => newId('co')),
      domains,
      column((f) => f.name),
      column((f) => f.nameKey),
      column((f) => f.industry),
      column((f) => f.employees),
      column((f) => f.country),
      rows.map(factsOf),
    ],
  );
  const held = await sql.query<{ id: string; domain: string }>('select id, domain from {t}.companies where domain = any($1)', [domains]);
  return new Map(held.map((r) => [r.domain, r.id]));
}

interface CompanyRow {
  readonly id: string;
  readonly facts: Record<string, StoredCompanyFact>;
  readonly name: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  readonly tech_stack: string[];
  readonly mail_provider: string | null;
  readonly saas: string[];
  readonly dmarc_policy: string | null;
}

// The columns a fact may set, as written: the names come from COMPANY_FACT_COLUMNS, never from input.
const COLUMN_CASTS: Readonly<Record<CompanyColumnName, string>> = {
  name: 'text',
  industry: 'text',
  employees: 'int',
  revenue: 'double precision',
  country: 'text',
  tech_stack: 'text[]',
  mail_provider: 'text',
  saas: 'text[]',
  dmarc_policy: 'text',
};

/**
 * Merges claims into one company's facts (the surer claim of each field wins;
 * see mergeCompanyFacts) and the columns they set, with the row locked so two
 * writers about one company do not lose each other's facts. Whether anything
 * changed.
 */
export async function mergeFactsIntoCompany(sql: TenantSql, id: string, claims: readonly CompanyFact[]): Promise<boolean> {
  if (claims.length === 0) return false;
  const rows = await sql.query<CompanyRow>(
    `select id, facts, name, industry, employees, revenue, country, tech_stack, mail_provider, saas, dmarc_policy
       from {t}.companies where id = $1 for update`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) return false;
  const merged = mergeCompanyFacts(row.facts, row, claims);
  if (merged.changed.length === 0) return false;
  const sets = ['facts = $2::jsonb', 'updated_at = now()'];
  const values: SqlValue[] = [id, JSON.stringify(merged.facts)];
  for (const [column, value] of merged.columns) {
    values.push(value);
    sets.push(`${column} = $${values.length}::${COLUMN_CASTS[column]}`);
  }
  if (merged.columns.has('name')) {
    values.push(organizationNameKey(String(merged.columns.get('name'))) ?? null);
    sets.push(`name_key = coalesce(name_key, $${values.length}::text)`);
  }
  await sql.query(`update {t}.companies set ${sets.join(', ')} where id = $1`, values);
  return true;
}
