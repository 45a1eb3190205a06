import { Resolver } from 'node:dns/promises';

/**
 * DNS over the protocol, as every lookup of the platform asks it: at the
 * deployment's servers (`host` or `host:port`, `[v6]:port`; the system's
 * when none), `tries` attempts each. Node checks c-ares' deadlines on a
 * timer of `timeoutMs` period, so a silent server is given up on between
 * once and twice `timeoutMs` after the query.
 */
export function dnsResolver(settings: { readonly servers?: readonly string[] | undefined; readonly timeoutMs: number; readonly tries?: number }): Resolver {
  const resolver = new Resolver({ timeout: settings.timeoutMs, tries: settings.tries ?? 1 });
  if (settings.servers !== undefined && settings.servers.length > 0) resolver.setServers([...settings.servers]);
  return resolver;
}

/** The name does not exist (NXDOMAIN) or holds no record of the type (NODATA): an answer about the name, not a failure to get one. */
export const NO_RECORD_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'ENODATA']);

/** The question itself was wrong: asking again gets the same answer. */
export const PERMANENT_DNS_CODES: ReadonlySet<string> = new Set(['EBADNAME', 'EBADQUERY', 'EFORMERR', 'ENOTIMP', 'EBADFAMILY', 'EINVAL']);

/** The c-ares code of a failed lookup (`ETIMEOUT`, `ESERVFAIL`...), when it has one. */
export function dnsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
