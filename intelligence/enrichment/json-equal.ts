/**
 * Enriched values are JSON; two are the same value when their JSON is, whatever
 * the order of an object's keys (providers build objects in their own order).
 */
export function stableStringify(value: unknown): string {
  const text: string | undefined = JSON.stringify(value, (_key, v: unknown) => (isPlainObject(v) ? sortedKeys(v) : v));
  // JSON.stringify answers undefined (not a string) for undefined, functions and symbols.
  return text ?? 'undefined';
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sortedKeys(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v).sort()) out[key] = v[key];
  return out;
}
