import ipaddr from 'ipaddr.js';
import { HOSTNAME } from '../../tenants/provisioning/hostname.js';

/**
 * Which names may be a tenant's pixel host. A pixel host answers collection
 * only, so a name the platform itself answers on (its API, health and
 * metrics) or an address that is not a DNS name would shadow the platform.
 */

/** The names the platform answers on: PLATFORM_HOSTS, PUBLIC_URL's host and the pixel CNAME domain. */
export function platformHostNames(settings: {
  readonly platformHosts: readonly string[];
  readonly publicUrl?: string | undefined;
  readonly cnameTarget?: string | undefined;
}): string[] {
  const names = new Set(settings.platformHosts.map((name) => normaliseHost(name)));
  if (settings.publicUrl !== undefined) names.add(normaliseHost(new URL(settings.publicUrl).host));
  if (settings.cnameTarget !== undefined) names.add(normaliseHost(settings.cnameTarget));
  names.delete('');
  return [...names];
}

/** A Host header or an input as a bare lower-case name: no port, no trailing dot (brackets kept for IPv6). */
export function normaliseHost(raw: string): string {
  let host = raw.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  // One colon is a port; more mean a bare IPv6 address, which keeps them.
  if (host.split(':').length === 2) host = host.slice(0, host.indexOf(':'));
  return host.replace(/\.$/, '');
}

/** Numeric last labels are read as IPv4 by URL parsers (WHATWG), so `1.2.3.0x4` or `a.1` are addresses too. */
const NUMERIC_LABEL = /^(\d+|0x[0-9a-f]*)$/;

function isAddressLiteral(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare !== host || ipaddr.isValid(bare)) return true;
  return NUMERIC_LABEL.test(host.split('.').pop() ?? '');
}

const isUnder = (host: string, name: string): boolean => host === name || host.endsWith(`.${name}`);

/** Whether the name is one of the platform's own, or under one. */
export function isPlatformHost(host: string, platformNames: readonly string[]): boolean {
  return platformNames.some((name) => isUnder(host, name));
}

/** Why `host` (normalised) can never be a pixel host, or undefined when it may be claimed. */
export function pixelHostRefusal(host: string, platformNames: readonly string[]): string | undefined {
  if (isAddressLiteral(host)) return 'is an IP address; a pixel host is a DNS name on your own domain, like t.example.com';
  if (isUnder(host, 'localhost')) return 'is a local name; a pixel host is a DNS name on your own domain, like t.example.com';
  if (!host.includes('.')) return 'must have at least two labels, like t.example.com';
  if (!HOSTNAME.test(host)) return 'must be a host name like t.example.com';
  if (isPlatformHost(host, platformNames)) return "is the service's own host name, or under it";
  return undefined;
}
