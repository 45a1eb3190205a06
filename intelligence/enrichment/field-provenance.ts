/**
 * One enriched field as it is stored: the winning value, where it came from,
 * how far it is trusted and until when, and the values it beat.
 */

/** A different value that lost to the one held, kept so a disagreement can be shown and explained. */
export interface FieldConflict {
  readonly value: unknown;
  readonly confidence: number;
  readonly source: string;
  readonly fetchedAt: Date;
}

export interface EnrichedFieldState {
  /** Dotted path, e.g. `company.employees`. */
  readonly field: string;
  readonly value: unknown;
  /** 0 to 1. */
  readonly confidence: number;
  /** The provider id, or the tenant's channel (an import, identify traits) when `supplied`. */
  readonly source: string;
  readonly verified: boolean;
  /** The tenant itself gave the value (an import, identify traits). */
  readonly supplied: boolean;
  readonly fetchedAt: Date;
  readonly expiresAt: Date;
  /** Confidence under the tenant's threshold: held, but shown as unverified. */
  readonly belowThreshold: boolean;
  /** Most recent first. */
  readonly conflicts: readonly FieldConflict[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function expiresAtFor(fetchedAt: Date, ttlDays: number): Date {
  if (!Number.isFinite(ttlDays) || ttlDays < 0) throw new RangeError(`ttlDays must be a finite number ≥ 0, got ${ttlDays}`);
  return new Date(fetchedAt.getTime() + ttlDays * DAY_MS);
}

/** Stale from the instant it expires: `expiresAt` is the first moment the value is no longer trusted as current. */
export function isStale(state: Pick<EnrichedFieldState, 'expiresAt'>, now: Date): boolean {
  return now.getTime() >= state.expiresAt.getTime();
}
