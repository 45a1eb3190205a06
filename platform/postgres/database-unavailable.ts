/**
 * Whether `error` says the database cannot be reached or is not taking work
 * now (a restart, a crash, a failover, a dropped connection), as opposed to
 * the request or our code being wrong: the caller's to send again later, so
 * an edge answers 503 with Retry-After, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // The socket: refused, reset, timed out, or closed under the write.
    if (NETWORK_CODES.has(code)) return true;
    // PostgreSQL: class 08 (connection exception), and 57P01–57P03 (shut down by an administrator or a crash, or starting up).
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  // node-postgres's own words for a connection that went away mid-query or could not be had in time.
  return typeof message === 'string' && (message.startsWith('Connection terminated') || message === 'timeout exceeded when trying to connect');
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
