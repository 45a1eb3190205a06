import type { NetworkCompanies } from '../../companies/network-company-lookup.js';
import type { EnrichmentProvider } from '../../../intelligence/enrichment/enrichment-types.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { companyDomainAndName } from '../enrichment-subjects.repository.js';

export const IP_ORGANIZATION_PROVIDER_ID = 'ip-organization';

// A business network's owner is probably, not certainly, the visitor's employer (contractors, shared offices).
const NETWORK_CONFIDENCE = 0.6;

/** The company of the network the lead last visited from (the tracking issue's IP → organisation). */
export function createIpOrganizationProvider(deps: { db: TenantDb; networkCompanies: NetworkCompanies }): EnrichmentProvider {
  return {
    id: IP_ORGANIZATION_PROVIDER_ID,
    accepts: (subject) => subject.ip !== undefined,
    async enrich(subject) {
      const ip = subject.ip ?? '';
      const id = (await deps.networkCompanies.companyIdsOf(deps.db, [ip])).get(ip);
      if (id === undefined) return { kind: 'no-match' };
      const company = await companyDomainAndName(deps.db, id);
      if (company?.domain === null || company?.domain === undefined) return { kind: 'no-match' };
      return {
        kind: 'match',
        fields: [
          { field: 'company.domain', value: company.domain, confidence: NETWORK_CONFIDENCE, verified: false },
          ...(company.name === null ? [] : [{ field: 'company.name', value: company.name, confidence: NETWORK_CONFIDENCE, verified: false }]),
        ],
      };
    },
  };
}
