// PostgreSQL's query_canceled; the same code also covers a cancel request, which is not ours to map.
const QUERY_CANCELED = '57014';

/** Whether `error` is PostgreSQL cancelling a statement because it ran past `statement_timeout`. */
export function isStatementTimeout(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === QUERY_CANCELED && typeof message === 'string' && message.includes('statement timeout');
}

/** `SET LOCAL` takes no parameters, so the value is checked here before it is written into SQL. */
export function setLocalStatementTimeout(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`a statement timeout is a whole number of ms >= 0, got ${ms}`);
  return `set local statement_timeout = ${ms}`;
}
