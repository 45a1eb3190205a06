import type { EnrichmentProvider, FieldCandidate } from '../../../intelligence/enrichment/enrichment-types.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { importedCompany } from '../enrichment-subjects.repository.js';

export const TENANT_DATASET_PROVIDER_ID = 'tenant-dataset';

// The tenant's word about a company it sells to: trusted, but not evidence (imports go out of date).
const IMPORTED_CONFIDENCE = 0.9;

/** The companies the tenant imported (`importCompanies`), by domain; what it gives is tenant-supplied. */
export function createTenantDatasetProvider(db: TenantDb): EnrichmentProvider {
  return {
    id: TENANT_DATASET_PROVIDER_ID,
    accepts: (subject) => subject.domain !== undefined,
    async enrich(subject) {
      const company = await importedCompany(db, subject.domain ?? '');
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
