import { describe, expect, it } from 'vitest';
import { SESSION_TIMEOUT_MS, campaignKey, startsNewSession } from '../../../intelligence/sessions/session-rule.js';

const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, 0) + minutes * 60_000);

describe('sessions', () => {
  it('opens one for the first event and after 30 idle minutes, not before', () => {
    expect(startsNewSession(undefined, { at: at(0), campaign: null })).toBe(true);
    const open = { lastActivityAt: at(0), campaign: null };
    expect(startsNewSession(open, { at: at(30), campaign: null })).toBe(false);
    expect(startsNewSession(open, { at: new Date(at(0).getTime() + SESSION_TIMEOUT_MS + 1), campaign: null })).toBe(true);
  });

  it('opens one on a new campaign, but not for an event without one', () => {
    const open = { lastActivityAt: at(0), campaign: 'google|cpc|spring' };
    expect(startsNewSession(open, { at: at(1), campaign: 'newsletter|email|may' })).toBe(true);
    expect(startsNewSession(open, { at: at(1), campaign: 'google|cpc|spring' })).toBe(false);
    expect(startsNewSession(open, { at: at(1), campaign: null })).toBe(false);
  });

  it('keys campaigns by source, medium and name, case-insensitively', () => {
    expect(campaignKey({ source: 'Google', medium: 'CPC', name: 'Spring' })).toBe('google|cpc|spring');
    expect(campaignKey({})).toBeNull();
    expect(campaignKey(undefined)).toBeNull();
  });
});
