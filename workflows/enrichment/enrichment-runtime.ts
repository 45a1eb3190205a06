import type { Config } from '../../api/config.js';
import type { NetworkCompanies } from '../../api/companies/network-companies.js';
import type { SecretBox } from '../../tenants/secrets/secret-box.js';
import { createProviderCatalog, type ProviderCatalog } from './provider-catalog.js';
import type { CompanyHomepageSettings } from './providers/company-homepage.provider.js';
import type { GuardedHttpClient } from '../../platform/outbound/guarded-http-client.js';
import { createDnsRecordsResolver } from './providers/dns-records.provider.js';
import { createDnsMxResolver } from './providers/email-verification.provider.js';
import { createDnsHostResolver, createSmtpProbe } from './providers/smtp-probe.js';

/** The deployment's providers as configured; `homepage` lets a caller point the homepage fetch elsewhere (a test's local server). */
export function providerCatalogFromConfig(
  config: Pick<Config, 'ENRICHMENT_DNS_SERVERS' | 'ENRICHMENT_DNS_TIMEOUT_MS' | 'ENRICHMENT_SMTP_PROBE' | 'ENRICHMENT_SMTP_HELO'>,
  deps: {
    readonly secrets: SecretBox;
    readonly networkCompanies: NetworkCompanies;
    readonly outbound: GuardedHttpClient;
    readonly homepage?: CompanyHomepageSettings;
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
  });
}
