import type { CompanyFacts } from '../../intelligence/companies/group-company.js';
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { newId } from '../../tenants/api-keys/api-key-secret.js';

/**
 * Creates the tenant's company records for these domains where missing and
 * fills only the fields they lack: a value already held (from enrichment, an
 * import or an earlier call) is never overwritten, and a record with nothing
 * to fill is not touched at all, so a busy company's row is not locked by
 * every batch that mentions it. Returns domain → company id.
 */
export async function upsertCompanies(sql: TenantSql, facts: readonly CompanyFacts[]): Promise<Map<string, string>> {
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
  await sql.query(
    `with v as (
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[])
         as v(id, domain, name, name_key, industry, employees, country)
     ), inserted as (
       insert into {t}.companies (id, domain, name, name_key, industry, employees, country)
       select * from v on conflict (domain) do nothing returning id
     )
     update {t}.companies c set
       name = coalesce(c.name, v.name), name_key = coalesce(c.name_key, v.name_key), industry = coalesce(c.industry, v.industry),
       employees = coalesce(c.employees, v.employees), country = coalesce(c.country, v.country), updated_at = now()
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
    ],
  );
  const held = await sql.query<{ id: string; domain: string }>('select id, domain from {t}.companies where domain = any($1)', [domains]);
  return new Map(held.map((r) => [r.domain, r.id]));
}
