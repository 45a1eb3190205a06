import { describe, expect, it } from 'vitest';
import { clampScore, tierOf } from '../../intelligence/scoring/lead-tier.js';

describe('lead tiers', () => {
  it.each([
    [100, 'HOT'],
    [80, 'HOT'],
    [79, 'WARM'],
    [60, 'WARM'],
    [59, 'QUALIFIED'],
    [40, 'QUALIFIED'],
    [39, 'COLD'],
    [0, 'COLD'],
  ])('score %i is %s', (score, tier) => {
    expect(tierOf(score)).toBe(tier);
  });

  it('clamps scores outside 0..100 and rounds to whole points', () => {
    expect(clampScore(140)).toBe(100);
    expect(clampScore(-12)).toBe(0);
    expect(clampScore(79.6)).toBe(80);
    expect(clampScore(Number.NaN)).toBe(0);
    expect(tierOf(250)).toBe('HOT');
    expect(tierOf(-5)).toBe('COLD');
  });
});
