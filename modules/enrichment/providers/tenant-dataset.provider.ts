import type { EnrichmentProvider, FieldCandidate } from '../../../intelligence/enrichment/enrichment-types.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';

export const TENANT_DATASET_PROVIDER_ID = 'tenant-dataset';

// The tenant's word about a company it sells to: trusted, but not evidence (imports go out of date).
const IMPORTED_CONFIDENCE = 0.9;

interface ImportedCompany {
  readonly name: string | null;
  readonly industry: string | null;
  readonly employees: number | null;
  readonly revenue: number | null;
  readonly country: string | null;
  readonly techStack: string[];
}

/** The companies the tenant imported (`importCompanies`), by domain; what it gives is tenant-supplied. */
export function createTenantDatasetProvider(sql: TenantSql): EnrichmentProvider {
  return {
    id: TENANT_DATASET_PROVIDER_ID,
    accepts: (subject) => subject.domain !== undefined,
    async enrich(subject) {
      const rows = await sql.query<ImportedCompany>(
        `select name, industry, employees, revenue, country, tech_stack as "techStack"
           from {t}.companies where domain = $1 and imported_at is not null`,
        [subject.domain ?? ''],
      );
      const company = rows[0];
      if (company === undefined) return { kind: 'no-match' };
      const supplied = (field: string, value: unknown): FieldCandidate[] =>
        value === null || (Array.isArray(value) && value.length === 0)
          ? []
          : [{ field, value, confidence: IMPORTED_CONFIDENCE, verified: false, supplied: true }];
      return {
        kind: 'match',
        fields: [
          ...supplied('company.domain', subject.domain),
          ...supplied('company.name', company.name),
          ...supplied('company.industry', company.industry),
          ...supplied('company.employees', company.employees),
          ...supplied('company.revenue', company.revenue),
          ...supplied('company.country', company.country),
          ...supplied('company.techStack', company.techStack),
        ],
      };
    },
  };
}
