import { organizationNameKey } from '../ip/network-companies.js';
import { domainOf } from './group-company.js';
import { failure, invalidInput, success, type Outcome } from '../../platform/outcome.js';

/** A company row as a tenant imports it (its own firmographics). */
export interface CompanyImportRow {
  readonly domain: string;
  readonly name?: string | null;
  readonly industry?: string | null;
  readonly employees?: number | null;
  readonly revenue?: number | null;
  readonly country?: string | null;
  readonly techStack?: readonly string[] | null;
}

export interface ValidCompany {
  readonly domain: string;
  readonly name: string | null;
  readonly nameKey: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  readonly techStack: string[] | null;
}

export const MAX_IMPORT_ROWS = 1000;

const text = (value: string | null | undefined, max: number): string | null | 'too-long' => {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  return trimmed.length > max ? 'too-long' : trimmed;
};

/**
 * Checks every row before anything is written, naming the first bad field
 * (`companies[3].employees`). The same domain twice in one import is refused:
 * which of the two the tenant meant cannot be guessed.
 */
export function validateCompanyImport(rows: readonly CompanyImportRow[]): Outcome<ValidCompany[]> {
  if (rows.length === 0) return failure(invalidInput(['companies'], 'at least one company is required'));
  if (rows.length > MAX_IMPORT_ROWS) return failure(invalidInput(['companies'], `at most ${MAX_IMPORT_ROWS} companies a call`));
  const seen = new Map<string, number>();
  const companies: ValidCompany[] = [];
  for (const [index, row] of rows.entries()) {
    const at = (field: string) => ['companies', index, field];
    const domain = domainOf(row.domain);
    if (domain === undefined) return failure(invalidInput(at('domain'), 'not a domain name (e.g. acme.com)'));
    const earlier = seen.get(domain);
    if (earlier !== undefined) return failure(invalidInput(at('domain'), `${domain} is also companies[${earlier}]`));
    seen.set(domain, index);
    const name = text(row.name, 200);
    const industry = text(row.industry, 200);
    const country = text(row.country, 100);
    for (const [field, value] of [['name', name], ['industry', industry], ['country', country]] as const) {
      if (value === 'too-long') return failure(invalidInput(at(field), 'too long'));
    }
    if (row.employees !== null && row.employees !== undefined && (!Number.isSafeInteger(row.employees) || row.employees < 0)) {
      return failure(invalidInput(at('employees'), 'must be a whole number, zero or more'));
    }
    if (row.revenue !== null && row.revenue !== undefined && (!Number.isFinite(row.revenue) || row.revenue < 0)) {
      return failure(invalidInput(at('revenue'), 'must be a number, zero or more'));
    }
    let techStack: string[] | null = null;
    if (row.techStack !== null && row.techStack !== undefined) {
      if (row.techStack.length > 200) return failure(invalidInput(at('techStack'), 'at most 200 entries'));
      const bad = row.techStack.findIndex((t) => t.trim() === '' || t.length > 100);
      if (bad >= 0) return failure(invalidInput([...at('techStack'), bad], 'an entry must be 1 to 100 characters'));
      techStack = [...new Set(row.techStack.map((t) => t.trim()))];
    }
    const validName = name as string | null;
    companies.push({
      domain,
      name: validName,
      nameKey: validName === null ? null : (organizationNameKey(validName) ?? null),
      industry: industry as string | null,
      employees: row.employees ?? null,
      revenue: row.revenue ?? null,
      country: country as string | null,
      techStack,
    });
  }
  return success(companies);
}
