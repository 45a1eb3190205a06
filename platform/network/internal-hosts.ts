/**
 * Where a URL a tenant or a lead's data named would take us: requests on
 * their behalf (a homepage, a vendor endpoint, later a webhook) must not reach
 * the deployment's own network (metadata services, databases, admin ports).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from '../../intelligence/ip/public-address.js';

export type ResolveHost = (host: string) => Promise<string[]>;

/** Loopback, private and link-local addresses and `localhost`. */
export function isInternalHost(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(host) !== 0 && !isPublicAddress(host);
}

export const systemResolve: ResolveHost = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/**
 * Internal by its address, or a public name that resolves to an internal
 * address (DNS made to point at our network). The address fetch then connects
 * to may differ (DNS can change in between), so this narrows the door rather
 * than closing it; a deployment also runs workers without access to internal services.
 */
export async function pointsInside(url: URL, resolve: ResolveHost): Promise<boolean> {
  if (isInternalHost(url)) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return false;
  // A name that does not resolve is fetch's to fail on, with its own error.
  const addresses = await resolve(host).catch(() => []);
  return addresses.some((address) => !isPublicAddress(address));
}
