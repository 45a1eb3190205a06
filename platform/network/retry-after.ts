/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds: delay-seconds, or an
 * HTTP date counted from `nowMs` (never negative); undefined when absent or
 * neither. One reading for every party we call: homepages, vendors, webhook receivers.
 */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
