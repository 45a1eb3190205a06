import type { Config } from '../../platform/config/config.js';
import type { NetworkCompanies } from '../../modules/companies/network-company-lookup.js';
import type { SecretBox } from '../../tenants/secrets/secret-box.js';
import { createProviderCatalog, type ProviderCatalog } from '../../modules/enrichment/provider-catalog.js';
import type { CompanyHomepageSettings } from '../../modules/enrichment/providers/company-homepage.provider.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { createDnsRecordsResolver } from '../../modules/enrichment/providers/dns-records.provider.js';
import { createDnsMxResolver } from '../../modules/enrichment/providers/email-verification.provider.js';
import { createDnsHostResolver, createSmtpProbe } from '../../modules/enrichment/providers/smtp-probe.js';
import type { AsnTable } from '../../intelligence/ip/asn-table.js';
import { peeringDbNetworkKind } from '../../intelligence/network/peeringdb-network.js';
import type { GeoLookup } from '../../platform/ip-dataset/geo-lookup.js';
import { createPeeringDbNetworks } from '../../platform/network/peeringdb-networks.js';
import { createRdapCache, createRdapLookup } from '../../platform/network/rdap-cache.js';
import { createRdapClient } from '../../platform/network/rdap-client.js';
import { createReverseDns } from '../../platform/network/reverse-dns.js';
import type { ControlDb } from '../../platform/postgres/control-db.js';
import type { IpNetworkSources } from '../../modules/enrichment/providers/ip-network.provider.js';

/** The deployment's providers as configured; `homepage` lets a caller point the homepage fetch elsewhere (a test's local server). */
export function providerCatalogFromConfig(
  config: Pick<
    Config,
    'ENRICHMENT_DNS_SERVERS' | 'ENRICHMENT_DNS_TIMEOUT_MS' | 'ENRICHMENT_SMTP_PROBE' | 'ENRICHMENT_SMTP_HELO' | 'RDAP_BOOTSTRAP_URL' | 'RDAP_CACHE_DAYS' | 'RDAP_TIMEOUT_MS' | 'PEERINGDB_URL'
  >,
  deps: {
    readonly secrets: SecretBox;
    readonly networkCompanies: NetworkCompanies;
    readonly outbound: GuardedHttpClient;
    readonly homepage?: CompanyHomepageSettings;
    /** The control schema's handle: RDAP answers and PeeringDB records are public data every tenant shares. */
    readonly control: ControlDb;
    readonly asnTable: () => Promise<AsnTable>;
    readonly geoLookup: () => Promise<GeoLookup>;
  },
): ProviderCatalog {
  const servers = config.ENRICHMENT_DNS_SERVERS;
  const timeoutMs = config.ENRICHMENT_DNS_TIMEOUT_MS;
  return createProviderCatalog({
    secrets: deps.secrets,
    networkCompanies: deps.networkCompanies,
    resolveMx: createDnsMxResolver(servers, timeoutMs),
    dnsRecords: createDnsRecordsResolver(servers, timeoutMs),
    ...(config.ENRICHMENT_SMTP_PROBE
      ? {
          smtpProbe: createSmtpProbe({
            heloName: config.ENRICHMENT_SMTP_HELO,
            mailFrom: `probe@${config.ENRICHMENT_SMTP_HELO}`,
            timeoutMs: 10_000,
            resolveHost: createDnsHostResolver(servers, timeoutMs),
          }),
        }
      : {}),
    ...(deps.homepage ? { homepage: deps.homepage } : {}),
    outbound: deps.outbound,
    vendorOptions: { allowInsecureHttp: deps.outbound.allowLocal },
    ipNetwork: ipNetworkSources(config, deps),
  });
}

/** What the ip-network provider reads: the installed datasets, the resolvers, the registries behind their cache, PeeringDB where synced. */
function ipNetworkSources(
  config: Pick<Config, 'ENRICHMENT_DNS_SERVERS' | 'ENRICHMENT_DNS_TIMEOUT_MS' | 'RDAP_BOOTSTRAP_URL' | 'RDAP_CACHE_DAYS' | 'RDAP_TIMEOUT_MS' | 'PEERINGDB_URL'>,
  deps: { readonly outbound: GuardedHttpClient; readonly control: ControlDb; readonly asnTable: () => Promise<AsnTable>; readonly geoLookup: () => Promise<GeoLookup> },
): IpNetworkSources {
  const peeringDb = createPeeringDbNetworks(deps.control);
  return {
    asnTable: deps.asnTable,
    geoLookup: deps.geoLookup,
    reverseDns: createReverseDns({ servers: config.ENRICHMENT_DNS_SERVERS, timeoutMs: config.ENRICHMENT_DNS_TIMEOUT_MS }),
    rdap: createRdapLookup({
      client: createRdapClient({ http: deps.outbound, bootstrapUrl: config.RDAP_BOOTSTRAP_URL, timeoutMs: config.RDAP_TIMEOUT_MS }),
      cache: createRdapCache({ control: deps.control, ttlDays: config.RDAP_CACHE_DAYS, now: () => new Date() }),
    }),
    // Unsynced deployments ask nothing: the table stays empty without PEERINGDB_URL.
    peeringDb:
      config.PEERINGDB_URL === undefined
        ? undefined
        : {
            async find(asn) {
              const stored = await peeringDb.find(asn);
              if (stored === undefined) return undefined;
              const { kind, infoType } = peeringDbNetworkKind(stored);
              return { name: stored.name, infoType, kind, website: stored.website };
            },
          },
  };
}
