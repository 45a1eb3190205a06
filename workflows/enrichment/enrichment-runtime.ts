import type { Config } from '../../api/config.js';
import type { NetworkCompanies } from '../../api/companies/network-companies.js';
import type { SecretBox } from '../../tenants/secrets/secret-box.js';
import { createProviderCatalog, type ProviderCatalog } from './provider-catalog.js';
import type { CompanyHomepageDeps } from './providers/company-homepage.provider.js';
import { createDnsMxResolver } from './providers/email-verification.provider.js';
import { createDnsHostResolver, createSmtpProbe } from './providers/smtp-probe.js';

/** The deployment's providers as configured; `homepage` lets a caller point the homepage fetch elsewhere (a test's local server). */
export function providerCatalogFromConfig(
  config: Pick<Config, 'ENRICHMENT_DNS_SERVERS' | 'ENRICHMENT_DNS_TIMEOUT_MS' | 'ENRICHMENT_SMTP_PROBE' | 'ENRICHMENT_SMTP_HELO' | 'ENRICHMENT_ALLOW_HTTP_VENDORS' | 'NODE_ENV'>,
  deps: { readonly secrets: SecretBox; readonly networkCompanies: NetworkCompanies; readonly homepage?: CompanyHomepageDeps },
): ProviderCatalog {
  const servers = config.ENRICHMENT_DNS_SERVERS;
  const timeoutMs = config.ENRICHMENT_DNS_TIMEOUT_MS;
  return createProviderCatalog({
    secrets: deps.secrets,
    networkCompanies: deps.networkCompanies,
    resolveMx: createDnsMxResolver(servers, timeoutMs),
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
    vendorOptions: { allowInsecureHttp: config.ENRICHMENT_ALLOW_HTTP_VENDORS, production: config.NODE_ENV === 'production' },
  });
}
