/**
 * The durations rules count behaviour over (segment windows, scoring boosts
 * and half-lives): ISO 8601 in weeks, days, hours and minutes, `P14D`,
 * `PT12H`, `P2W`, `P1DT6H`. Months and years are refused: they have no fixed length.
 */
const DURATION = /^P(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?)?$/;
const MINUTE_MS = 60_000;

/** Milliseconds, or undefined for anything outside the grammar (`P`, `PT`, `P1DT`, `P1Y`, fractions, seconds). */
export function isoDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || text === 'P' || text.endsWith('T')) return undefined;
  const [weeks, days, hours, minutes] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number];
  return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * MINUTE_MS;
}
