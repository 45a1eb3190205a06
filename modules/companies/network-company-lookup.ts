import { NETWORK_CONFIDENCE } from '../../intelligence/companies/company-link.js';
import type { AsnTable } from '../../intelligence/ip/asn-table.js';
import { networkCompanyCandidate, type NetworkCompanyCandidate } from '../../intelligence/ip/network-companies.js';
import { isPublicUnicast } from '../../platform/outbound/address-policy.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { oldestCompanyIdsByNameKey } from './companies.repository.js';
import { upsertCompanies } from './company-records.js';

/** Address → the tenant's company of the network it comes from. */
export interface NetworkCompanies {
  /**
   * For each address on a business network whose company is known (a domain
   * from the curated list, or a tenant company of the same name), the
   * company's id. Records for curated domains are created on first sight.
   */
  companyIdsOf(db: TenantDb, ips: readonly string[]): Promise<Map<string, string>>;
}

export function createNetworkCompanies(asnTable: () => Promise<AsnTable>): NetworkCompanies {
  return {
    async companyIdsOf(db, ips) {
      // Private and loopback addresses never load the dataset (a test on localhost, a proxy without forwarded addresses).
      const lookedUp = [...new Set(ips)].filter(isPublicUnicast);
      if (lookedUp.length === 0) return new Map();
      // One wait for the table, then synchronous lookups: this runs while a write holds its locks.
      const table = await asnTable();
      const candidates = new Map<string, NetworkCompanyCandidate>();
      for (const ip of lookedUp) {
        const candidate = networkCompanyCandidate(table.lookup(ip));
        if (candidate !== undefined && (candidate.known !== undefined || candidate.nameKey !== undefined)) candidates.set(ip, candidate);
      }
      if (candidates.size === 0) return new Map();
      const known = [...candidates.values()].flatMap((c) => (c.known === undefined ? [] : [c.known]));
      const byDomain = await upsertCompanies(
        db,
        known.map((k) => ({ domain: k.domain, name: k.name })),
        { source: 'network', confidence: NETWORK_CONFIDENCE },
      );
      const nameKeys = [...new Set([...candidates.values()].flatMap((c) => (c.known === undefined && c.nameKey !== undefined ? [c.nameKey] : [])))];
      const byName = nameKeys.length === 0 ? [] : await oldestCompanyIdsByNameKey(db, nameKeys);
      const byNameKey = new Map(byName.map((r) => [r.name_key, r.id]));
      const ids = new Map<string, string>();
      for (const [ip, c] of candidates) {
        const id = c.known !== undefined ? byDomain.get(c.known.domain) : c.nameKey === undefined ? undefined : byNameKey.get(c.nameKey);
        if (id !== undefined) ids.set(ip, id);
      }
      return ids;
    },
  };
}
