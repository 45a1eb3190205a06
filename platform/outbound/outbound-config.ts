import type { Config } from '../config/config.js';
import { createGuardedHttpClient, type GuardedHttpClient, type GuardedHttpClientOptions } from './guarded-http-client.js';
import { dnsServerResolver, systemResolver } from './outbound-resolver.js';

export type OutboundConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'ALLOW_LOCAL_OUTBOUND'
  | 'ENRICHMENT_ALLOW_HTTP_VENDORS'
  | 'OUTBOUND_TIMEOUT_MS'
  | 'OUTBOUND_MAX_BODY_BYTES'
  | 'OUTBOUND_MAX_REDIRECTS'
  | 'OUTBOUND_DNS_SERVERS'
  | 'ENRICHMENT_DNS_TIMEOUT_MS'
>;

/** ALLOW_LOCAL_OUTBOUND, or its older name where that name ever had an effect (outside production). */
export const allowLocalOutbound = (config: Pick<OutboundConfig, 'NODE_ENV' | 'ALLOW_LOCAL_OUTBOUND' | 'ENRICHMENT_ALLOW_HTTP_VENDORS'>): boolean =>
  config.ALLOW_LOCAL_OUTBOUND || (config.ENRICHMENT_ALLOW_HTTP_VENDORS && config.NODE_ENV !== 'production');

/** One client per process, built from configuration; `overrides` for tests (a trusted CA, a stand-in public address). */
export function outboundClientFromConfig(config: OutboundConfig, overrides: Partial<GuardedHttpClientOptions> = {}): GuardedHttpClient {
  const servers = config.OUTBOUND_DNS_SERVERS;
  return createGuardedHttpClient({
    allowLocal: allowLocalOutbound(config),
    timeoutMs: config.OUTBOUND_TIMEOUT_MS,
    maxBodyBytes: config.OUTBOUND_MAX_BODY_BYTES,
    maxRedirects: config.OUTBOUND_MAX_REDIRECTS,
    resolve: servers === undefined || servers.length === 0 ? systemResolver : dnsServerResolver(servers, config.ENRICHMENT_DNS_TIMEOUT_MS),
    ...overrides,
  });
}
