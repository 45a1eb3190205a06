/** API.md's tiers: HOT 80–100, WARM 60–79, QUALIFIED 40–59, COLD 0–39. */
export type LeadTier = 'HOT' | 'WARM' | 'QUALIFIED' | 'COLD';

/** Scores are sums of rule contributions; the published score is clamped to 0..100 and whole. */
export function clampScore(raw: number): number {
  if (!Number.isFinite(raw)) return 0;
  return Math.min(100, Math.max(0, Math.round(raw)));
}

export function tierOf(score: number): LeadTier {
  const clamped = clampScore(score);
  if (clamped >= 80) return 'HOT';
  if (clamped >= 60) return 'WARM';
  if (clamped >= 40) return 'QUALIFIED';
  return 'COLD';
}

/** The scores a tier covers, both bounds inclusive: a tier filter is a score range. */
export function scoreRangeOf(tier: LeadTier): { readonly min: number; readonly max: number } {
  switch (tier) {
    case 'HOT':
      return { min: 80, max: 100 };
    case 'WARM':
      return { min: 60, max: 79 };
    case 'QUALIFIED':
      return { min: 40, max: 59 };
    case 'COLD':
      return { min: 0, max: 39 };
  }
}
