import type { DnsServer } from './dns-server.js';
import type { TestGateway } from './test-gateway.js';

export interface DnsRecordView {
  readonly type: 'TXT' | 'CNAME';
  readonly name: string;
  readonly value: string;
}

export interface PixelHostView {
  readonly host: string;
  readonly status: 'PENDING' | 'ACTIVE';
  readonly origin: 'TENANT' | 'OPERATOR' | 'LEGACY';
  readonly record: DnsRecordView | null;
  readonly cnameRecord: DnsRecordView | null;
  readonly provenBy: string | null;
  readonly verifiedAt: string | null;
  readonly lastCheckedAt: string | null;
  readonly failedChecks: number;
  readonly lastCheckError: string | null;
}

const FIELDS = 'host status origin record { type name value } cnameRecord { type name value } provenBy verifiedAt lastCheckedAt failedChecks lastCheckError';
export const CLAIM_HOST = `mutation ($host: String!) { claimPixelHost(host: $host) { ${FIELDS} } }`;
export const VERIFY_HOST = `mutation ($host: String!) { verifyPixelHost(host: $host) { ${FIELDS} } }`;
export const HOST_CLAIMS = `{ pixelHostClaims { ${FIELDS} } }`;

/** A gateway's setting that sends pixel-host proofs to the local DNS server. */
export const dnsServersFor = (dns: DnsServer): string => `127.0.0.1:${dns.port}`;

/**
 * Proves a host as a tenant would: claim it, publish the record the API
 * hands out (on the local DNS server standing for the tenant's provider),
 * verify. Throws unless the host ends up ACTIVE.
 */
export async function provePixelHost(
  gateway: TestGateway,
  dns: DnsServer,
  secretKey: string,
  host: string,
  via: 'TXT' | 'CNAME' = 'TXT',
): Promise<PixelHostView> {
  const claimed = await gateway.gql<{ claimPixelHost: PixelHostView }>(secretKey, CLAIM_HOST, { host });
  const claim = claimed.data?.claimPixelHost;
  const record = via === 'TXT' ? claim?.record : claim?.cnameRecord;
  if (record === undefined || record === null) throw new Error(`no ${via} record handed out for ${host}: ${JSON.stringify(claimed.errors ?? claimed.data)}`);
  dns.set(record.name, via === 'TXT' ? { txt: [record.value] } : { cname: record.value });
  const verified = await gateway.gql<{ verifyPixelHost: PixelHostView }>(secretKey, VERIFY_HOST, { host });
  const view = verified.data?.verifyPixelHost;
  if (view?.status !== 'ACTIVE') throw new Error(`${host} not proven: ${JSON.stringify(verified.errors ?? view)}`);
  return view;
}
