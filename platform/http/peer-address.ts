import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { failure, invalidInput, success, type Outcome } from '../outcome.js';

/**
 * Which hops in front of the gateway the operator vouches for (`TRUST_PROXY`):
 * none, the nearest `hops` of them, or those at the listed addresses and ranges.
 */
export type TrustProxySetting = false | { readonly hops: number } | { readonly addresses: readonly string[] };

/** Whether the hop at `address`, `index` steps from the gateway (0: the socket's peer), is a trusted proxy. */
export type TrustProxy = (address: string, index: number) => boolean;

const FORMS = 'false, the number of proxies in front of the gateway (e.g. 1), or their addresses and ranges (e.g. loopback,10.0.0.0/8)';

/**
 * `true` is refused rather than read as "trust every hop": that would believe
 * the leftmost X-Forwarded-For entry, which the client writes itself. A
 * refusal's path is [] as the text is one value; the config names its variable.
 */
export function parseTrustProxy(text: string): Outcome<TrustProxySetting> {
  const value = text.trim().toLowerCase();
  if (value === 'false' || value === 'no' || value === '0') return success(false);
  if (value === 'true' || value === 'yes') {
    return failure(invalidInput([], `"${text}" would trust every hop, so a client could name its own address; give ${FORMS}`));
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 32) return failure(invalidInput([], 'at most 32 proxy hops'));
    return success({ hops });
  }
  const addresses = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (addresses.length === 0) return failure(invalidInput([], `give ${FORMS}`));
  try {
    // proxy-addr knows the names loopback, linklocal and uniquelocal, and refuses what is not an address or range.
    proxyaddr.compile(addresses);
  } catch (error) {
    return failure(invalidInput([], `${error instanceof Error ? error.message : 'not an address'}; give ${FORMS}`));
  }
  return success({ addresses });
}

export function compileTrustProxy(setting: TrustProxySetting): TrustProxy {
  if (setting === false) return () => false;
  if ('hops' in setting) {
    const { hops } = setting;
    return (_address, index) => index < hops;
  }
  return proxyaddr.compile([...setting.addresses]);
}

/**
 * The caller's address: walking X-Forwarded-For from the right (the entries
 * the trusted proxies appended), the first hop that is not a trusted proxy.
 * Entries left of it were written by the client and are never believed.
 */
export function peerAddress(req: IncomingMessage, trust: TrustProxy): string {
  // A socket already closed has no address: proxy-addr then answers undefined, whatever its types say.
  return (proxyaddr(req, trust) as string | undefined) ?? '';
}

/**
 * The scheme the browser used. X-Forwarded-Proto, like X-Forwarded-For, has
 * one entry per proxy that appends it: the entry of the outermost trusted
 * proxy is the one to believe (a proxy that overwrites leaves just its own).
 */
export function forwardedProto(req: IncomingMessage, trust: TrustProxy): string | undefined {
  const chain = proxyaddr.all(req, trust);
  // The socket's peer, then the forwarded hops up to the first untrusted one; with no forwarded hop, just the peer.
  const trustedHops = chain.length > 1 ? chain.length - 1 : trust(chain[0] ?? '', 0) ? 1 : 0;
  if (trustedHops === 0) return undefined;
  const header = req.headers['x-forwarded-proto'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return undefined;
  const entry = entries[Math.max(0, entries.length - trustedHops)];
  return entry === 'https' || entry === 'http' ? entry : undefined;
}
