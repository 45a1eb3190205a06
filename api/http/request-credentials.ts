import type { IncomingMessage } from 'node:http';

/** The user name of HTTP Basic auth (where Segment's protocol carries the write key); undefined when absent or empty. */
export function basicUser(authorization: string | undefined): string | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const user = Buffer.from(encoded, 'base64').toString('utf8').split(':')[0];
  return user === '' ? undefined : user;
}

// A comma-separated list of header names, as a preflight's Access-Control-Request-Headers carries it.
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * The headers a CORS preflight may use: those it asks for when they are well-formed header names (SDKs add
 * their own, such as RudderStack's SentAt), else `fallback`. Safe where no credentials are accepted
 * cross-origin and every request still needs its key.
 */
export function allowedRequestHeaders(req: IncomingMessage, fallback: string): string {
  const requested = req.headers['access-control-request-headers']?.trim();
  return requested !== undefined && HEADER_LIST.test(requested) ? requested : fallback;
}
