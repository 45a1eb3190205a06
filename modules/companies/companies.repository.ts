/** The companies module's table, `companies`: one record per domain a tenant knows, each value with its provenance in `facts`. */
import { sql, type Updateable } from 'kysely';
import type { CompanyColumnName, CompanyColumnValue } from '../../intelligence/companies/company-facts.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import type { TenantRows } from '../../schema/tables/tables.js';

// --- Reads --------------------------------------------------------------------------------------

/** The firmographic columns, as rules and the API name them. */
const FIRMOGRAPHICS = [
  'id',
  'domain',
  'name',
  'industry',
  'employees',
  'revenue',
  'country',
  'mail_provider as mailProvider',
  'dmarc_policy as dmarcPolicy',
  'tech_stack as techStack',
  'saas',
] as const;

/** A company as the API shows it (CompanyRecord's fields). */
function companyRecords(db: TenantDb) {
  return db.kysely.selectFrom('companies').select([...FIRMOGRAPHICS, 'facts']);
}

export type StoredCompany = NonNullable<Awaited<ReturnType<typeof companyById>>>;

export async function companyById(db: TenantDb, id: string) {
  return companyRecords(db).where('id', '=', id).executeTakeFirst();
}

export async function companiesByIds(db: TenantDb, ids: readonly string[]) {
  return companyRecords(db)
    .where('id', '=', (eb) => eb.fn.any(eb.val(ids)))
    .execute();
}

/** Case-insensitive, as the API promises. */
export async function companyByDomain(db: TenantDb, domain: string) {
  return companyRecords(db)
    .where((eb) => eb(eb.fn('lower', ['domain']), '=', eb.fn('lower', [eb.val(domain)])))
    .executeTakeFirst();
}

/** The facts rules read of these companies (lead-facts.ts's CompanyFacts), with their ids. */
export async function companyFactsByIds(db: TenantDb, ids: readonly string[]) {
  return db.kysely
    .selectFrom('companies')
    .select(FIRMOGRAPHICS)
    .where('id', '=', (eb) => eb.fn.any(eb.val(ids)))
    .execute();
}

export async function companyIdsByDomain(db: TenantDb, domains: readonly string[]) {
  return db.kysely
    .selectFrom('companies')
    .select(['id', 'domain'])
    .where('domain', '=', (eb) => eb.fn.any(eb.val(domains)))
    .execute();
}

/** The oldest record of each name key, so an address keeps pointing at the same company. */
export async function oldestCompanyIdsByNameKey(db: TenantDb, nameKeys: readonly string[]) {
  return db.kysely
    .selectFrom('companies')
    .distinctOn('name_key')
    .select(['id', 'name_key'])
    .where('name_key', '=', (eb) => eb.fn.any(eb.val(nameKeys)))
    .orderBy('name_key')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

// --- Writes -------------------------------------------------------------------------------------

/** One company of a set-based upsert, every value as text (the statement casts); facts as JSON text. */
export interface CompanyUpsertRow {
  readonly id: string;
  readonly domain: string;
  readonly name: string | null;
  readonly nameKey: string | null;
  readonly industry: string | null;
  readonly employees: string | null;
  readonly country: string | null;
  readonly facts: string;
}

// A fact is recorded only for the column the statement fills: a value held already keeps its own provenance.
const filled = (column: string, field: string) => `'${field}', case when c.${column} is null then v.facts -> '${field}' end`;

/**
 * Inserts the missing companies and fills only the fields the others lack, in
 * one statement (ingestion's hot path: arrays as parameters, whatever the
 * number of rows). A record with nothing to fill is not touched, so a busy
 * company's row is not locked by every batch that mentions it.
 */
export async function upsertCompanyRows(db: TenantDb, rows: readonly CompanyUpsertRow[]): Promise<void> {
  await db.query(
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
      rows.map((r) => r.id),
      rows.map((r) => r.domain),
      rows.map((r) => r.name),
      rows.map((r) => r.nameKey),
      rows.map((r) => r.industry),
      rows.map((r) => r.employees),
      rows.map((r) => r.country),
      rows.map((r) => r.facts),
    ],
  );
}

/** One imported company, as jsonb_to_recordset reads it. */
export interface ImportedCompanyRow {
  readonly id: string;
  readonly domain: string;
  readonly name: string | null;
  readonly name_key: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  readonly tech_stack: string[] | null;
  readonly facts: Record<string, unknown>;
}

/**
 * An import in one statement, all rows or none: the given fields replace the
 * held ones, omitted ones stay; the tech stack is replaced only for the
 * domains in `techStackGiven`. Whether each row was created (or updated).
 */
export async function importCompanyRows(db: TenantDb, rows: readonly ImportedCompanyRow[], techStackGiven: readonly string[]): Promise<boolean[]> {
  const written = await db.query<{ created: boolean }>(
    `insert into {t}.companies as c (id, domain, name, name_key, industry, employees, revenue, country, tech_stack, facts, imported_at)
     select v.id, v.domain, v.name, v.name_key, v.industry, v.employees, v.revenue, v.country, coalesce(v.tech_stack, '{}'), v.facts, now()
       from jsonb_to_recordset($1::jsonb) as v(id text, domain text, name text, name_key text, industry text, employees int,
                                              revenue double precision, country text, tech_stack text[], facts jsonb)
     on conflict (domain) do update set
       name = coalesce(excluded.name, c.name), name_key = coalesce(excluded.name_key, c.name_key),
       industry = coalesce(excluded.industry, c.industry), employees = coalesce(excluded.employees, c.employees),
       revenue = coalesce(excluded.revenue, c.revenue), country = coalesce(excluded.country, c.country),
       tech_stack = case when $2::text[] @> array[excluded.domain] then excluded.tech_stack else c.tech_stack end,
       facts = c.facts || excluded.facts,
       imported_at = now(), updated_at = now()
     returning (xmax = 0) as created`,
    [JSON.stringify(rows), techStackGiven],
  );
  return written.map((row) => row.created);
}

/** A company's facts and the columns they set, locked until the transaction ends, so two writers do not lose each other's facts. */
export async function lockCompanyFacts(db: TenantDb, id: string) {
  return db.kysely
    .selectFrom('companies')
    .select(['id', 'facts', 'name', 'industry', 'employees', 'revenue', 'country', 'tech_stack', 'mail_provider', 'saas', 'dmarc_policy'])
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** The column values a merge changed, each checked against its column's type (a list, a number or text). */
function columnValues(columns: ReadonlyMap<CompanyColumnName, CompanyColumnValue>): Updateable<TenantRows.Companies> {
  const values: Updateable<TenantRows.Companies> = {};
  for (const [column, value] of columns) {
    switch (column) {
      case 'tech_stack':
      case 'saas':
        if (Array.isArray(value)) values[column] = value;
        break;
      case 'employees':
      case 'revenue':
        if (typeof value === 'number') values[column] = value;
        break;
      default:
        if (typeof value === 'string') values[column] = value;
    }
  }
  return values;
}

/** The merged facts and the columns they changed; a new name also gives the record its name key where it has none. */
export async function updateCompanyFacts(
  db: TenantDb,
  id: string,
  change: { readonly facts: unknown; readonly columns: ReadonlyMap<CompanyColumnName, CompanyColumnValue>; readonly nameKey?: string | null },
): Promise<void> {
  await db.kysely
    .updateTable('companies')
    .set((eb) => ({
      ...columnValues(change.columns),
      facts: JSON.stringify(change.facts),
      updated_at: sql<Date>`now()`,
      ...(change.nameKey === undefined ? {} : { name_key: eb.fn.coalesce('name_key', eb.val(change.nameKey)) }),
    }))
    .where('id', '=', id)
    .execute();
}
