/**
 * The providers a tenant's waterfall can name: the built-in ones, with the
 * deployment's settings, and the HTTP vendors the tenant configured, each
 * with its price, rate limit and concurrency. Built per activity from the
 * tenant's rows, so a change of configuration applies to the next call.
 */
import type { NetworkCompanies } from '../companies/network-company-lookup.js';
import type { EnrichmentProvider, EnrichmentSubject } from '../../intelligence/enrichment/enrichment-types.js';
import { parseVendorConfig, type SubjectField, type VendorConfigOptions } from '../../intelligence/enrichment/vendor-config.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { vendorsWithKeys } from './enrichment.repository.js';
import { vendorSecretAad, type SecretBox } from '../../tenants/secrets/secret-box.js';
import { createCompanyHomepageProvider, type CompanyHomepageSettings } from './providers/company-homepage.provider.js';
import { createDnsRecordsProvider, DNS_RECORDS_PROVIDER_DEFAULTS, DNS_RECORDS_PROVIDER_ID, type DnsRecordsResolver } from './providers/dns-records.provider.js';
import { createEmailVerificationProvider, EMAIL_VERIFICATION_PROVIDER_ID, type MxResolver } from './providers/email-verification.provider.js';
import { createHttpVendorProvider } from './providers/http-vendor.provider.js';
import { createIpNetworkProvider, IP_NETWORK_PROVIDER_DEFAULTS, IP_NETWORK_PROVIDER_ID, type IpNetworkSources } from './providers/ip-network.provider.js';
import { createIpOrganizationProvider, IP_ORGANIZATION_PROVIDER_ID } from './providers/ip-organization.provider.js';
import type { SmtpProbe } from './providers/smtp-probe.js';
import { createTenantDatasetProvider, TENANT_DATASET_PROVIDER_ID } from './providers/tenant-dataset.provider.js';

export const COMPANY_HOMEPAGE_PROVIDER_ID = 'company-homepage';

export interface BuiltInProviderDefaults {
  readonly name: string;
  readonly priceCredits: number;
  readonly rateLimitPerMinute: number;
  readonly concurrency: number;
  readonly supplies: readonly string[];
  /** The subject's values its answer depends on: the cache key. */
  readonly keyedBy: readonly SubjectField[];
  readonly local: boolean;
}

export interface ProviderEntry extends BuiltInProviderDefaults {
  readonly provider: EnrichmentProvider;
  readonly builtIn: boolean;
}

const COMPANY_FIELDS = ['company.name', 'company.industry', 'company.employees', 'company.revenue', 'company.country'];

export const BUILT_IN_PROVIDERS: Readonly<Record<string, BuiltInProviderDefaults>> = {
  [TENANT_DATASET_PROVIDER_ID]: {
    name: 'Tenant dataset (imported companies)',
    priceCredits: 0,
    rateLimitPerMinute: 0,
    concurrency: 0,
    supplies: COMPANY_FIELDS,
    keyedBy: ['domain'],
    local: true,
  },
  [IP_ORGANIZATION_PROVIDER_ID]: {
    name: 'IP address to organisation',
    priceCredits: 0,
    rateLimitPerMinute: 0,
    concurrency: 0,
    supplies: ['company.domain', 'company.name'],
    keyedBy: ['ip'],
    local: true,
  },
  [IP_NETWORK_PROVIDER_ID]: IP_NETWORK_PROVIDER_DEFAULTS,
  [EMAIL_VERIFICATION_PROVIDER_ID]: {
    name: 'Email verification (syntax, lists, MX)',
    priceCredits: 1,
    rateLimitPerMinute: 600,
    concurrency: 10,
    supplies: ['email.syntaxValid', 'email.mxFound'],
    keyedBy: ['email'],
    local: false,
  },
  [COMPANY_HOMEPAGE_PROVIDER_ID]: {
    name: 'Company from its homepage',
    priceCredits: 2,
    // Each call is to another company's site; the bound is the worker's CPU (parsing and detection, ~40 ms a page),
    // and at 4 at a time a tenant's 20 concurrent enrichments queued ~1 s for a slot (bench/default-enrichment.bench.ts).
    rateLimitPerMinute: 600,
    concurrency: 20,
    supplies: ['company.name', 'company.description', 'company.techStack'],
    keyedBy: ['domain'],
    local: false,
  },
  [DNS_RECORDS_PROVIDER_ID]: DNS_RECORDS_PROVIDER_DEFAULTS,
};

/** The operator's price of each built-in provider: the floor a tenant's own price may not go under. */
export const BUILT_IN_PRICES: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(BUILT_IN_PROVIDERS).map(([id, p]) => [id, p.priceCredits]));

/**
 * What a built-in provider's answer costs the tenant: its own price where it
 * raised it, never below the operator's (a lower price stored before the
 * floor existed is ignored).
 */
export function builtInPrice(id: string, prices: Readonly<Record<string, number>>): number {
  const floor = BUILT_IN_PRICES[id] ?? 0;
  const own = Object.hasOwn(prices, id) ? prices[id] : undefined;
  return typeof own === 'number' && Number.isSafeInteger(own) && own > floor ? own : floor;
}

export interface ProviderCatalogDeps {
  readonly secrets: SecretBox;
  readonly networkCompanies: NetworkCompanies;
  readonly resolveMx: MxResolver;
  /** MX and TXT lookups of the DNS records provider, at the same servers as `resolveMx`. */
  readonly dnsRecords: DnsRecordsResolver;
  readonly smtpProbe?: SmtpProbe;
  readonly homepage?: CompanyHomepageSettings;
  readonly vendorOptions: VendorConfigOptions;
  /** Homepages and vendors are reached through it only. */
  readonly outbound: GuardedHttpClient;
  /** The visitor's network: datasets, reverse DNS, RDAP and PeeringDB. */
  readonly ipNetwork: IpNetworkSources;
}

export interface TenantProviders {
  get(id: string): ProviderEntry | undefined;
  readonly ids: readonly string[];
}

export interface ProviderCatalog {
  /** `tenant`: whose vendors, and whose tables the local providers read. */
  forTenant(tenant: TenantDb, prices: Readonly<Record<string, number>>): Promise<TenantProviders>;
}

export function createProviderCatalog(deps: ProviderCatalogDeps): ProviderCatalog {
  const builtIn = (id: string, db: TenantDb): EnrichmentProvider => {
    switch (id) {
      case TENANT_DATASET_PROVIDER_ID:
        return createTenantDatasetProvider(db);
      case IP_ORGANIZATION_PROVIDER_ID:
        return createIpOrganizationProvider({ db, networkCompanies: deps.networkCompanies });
      case EMAIL_VERIFICATION_PROVIDER_ID:
        return createEmailVerificationProvider({ resolveMx: deps.resolveMx, ...(deps.smtpProbe ? { smtpProbe: deps.smtpProbe } : {}) });
      case COMPANY_HOMEPAGE_PROVIDER_ID:
        return createCompanyHomepageProvider({ ...deps.homepage, client: deps.outbound });
      case DNS_RECORDS_PROVIDER_ID:
        return createDnsRecordsProvider({ resolver: deps.dnsRecords });
      case IP_NETWORK_PROVIDER_ID:
        return createIpNetworkProvider(deps.ipNetwork);
      default:
        throw new Error(`no built-in provider ${id}`);
    }
  };

  return {
    async forTenant(tenant, prices) {
      const entries = new Map<string, ProviderEntry>();
      for (const [id, defaults] of Object.entries(BUILT_IN_PROVIDERS)) {
        entries.set(id, { ...defaults, provider: builtIn(id, tenant), builtIn: true, priceCredits: builtInPrice(id, prices) });
      }
      const vendors = await vendorsWithKeys(tenant);
      for (const row of vendors) {
        // Stored configurations were validated when saved; one that no longer parses (a stricter
        // deployment setting) is left out rather than failing every job.
        const parsed = parseVendorConfig(row.config, deps.vendorOptions);
        if (!parsed.ok) continue;
        const config = parsed.value;
        const provider = createHttpVendorProvider(config, {
          apiKey: async () => deps.secrets.open(row.sealedKey, vendorSecretAad(tenant.tenantId, row.id)) ?? '',
          client: deps.outbound,
        });
        entries.set(provider.id, {
          provider,
          name: config.name,
          builtIn: false,
          priceCredits: config.priceCredits,
          rateLimitPerMinute: config.rateLimitPerMinute,
          concurrency: config.concurrency,
          supplies: [...new Set(config.mapping.map((m) => m.field))],
          keyedBy: config.accepts,
          local: false,
        });
      }
      return { get: (id) => entries.get(id), ids: [...entries.keys()] };
    },
  };
}

/** The subject's values a provider's answer depends on, as one string; undefined when one is missing. */
export function subjectKey(entry: Pick<ProviderEntry, 'keyedBy'>, subject: EnrichmentSubject): string | undefined {
  const parts: string[] = [];
  for (const field of entry.keyedBy) {
    const value = subject[field];
    if (value === undefined) return undefined;
    parts.push(`${field}=${field === 'email' || field === 'domain' ? value.toLowerCase() : value}`);
  }
  return parts.join('&');
}
