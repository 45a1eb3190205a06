import { describe, expect, it } from 'vitest';
import { landingProperties, progressProperties } from '../../../intelligence/sessions/session-properties.js';
import { SESSION_TIMEOUT_MS, campaignKey, placeInSession, startsNewSession } from '../../../intelligence/sessions/session-rule.js';

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

describe('placing an event in a session', () => {
  const open = { lastActivityAt: at(0), campaign: 'google|cpc|spring' };
  it('joins an open session, opens one for a visit, and never opens one for identify, group or alias', () => {
    expect(placeInSession(open, { at: at(5), campaign: null, visit: true })).toBe('join');
    expect(placeInSession(open, { at: at(45), campaign: null, visit: true })).toBe('open');
    expect(placeInSession(undefined, { at: at(0), campaign: null, visit: true })).toBe('open');
    expect(placeInSession(open, { at: at(5), campaign: null, visit: false })).toBe('join');
    expect(placeInSession(open, { at: at(45), campaign: null, visit: false })).toBe('none');
    expect(placeInSession(undefined, { at: at(0), campaign: null, visit: false })).toBe('none');
  });

  it('a new campaign opens a new visit; a non-visit never switches campaign', () => {
    expect(placeInSession(open, { at: at(5), campaign: 'newsletter|email|may', visit: true })).toBe('open');
    expect(placeInSession(open, { at: at(5), campaign: 'newsletter|email|may', visit: false })).toBe('join');
  });
});

describe('session properties', () => {
  const context = {
    page: { url: 'https://acme.test/pricing?utm_source=ads', path: '/pricing', referrer: 'https://google.com/', title: 'Pricing' },
    campaign: { source: 'ads', medium: 'cpc', name: 'spring' },
    userAgent: 'Mozilla/5.0',
  };
  it('keeps where the visit landed and came from', () => {
    expect(landingProperties({ context, properties: {} })).toEqual({
      landingUrl: 'https://acme.test/pricing?utm_source=ads',
      landingPath: '/pricing',
      referrer: 'https://google.com/',
      utmSource: 'ads',
      utmMedium: 'cpc',
      utmCampaign: 'spring',
      userAgent: 'Mozilla/5.0',
    });
    expect(landingProperties({ context: {}, properties: { path: '/docs' } })).toEqual({ landingPath: '/docs' });
  });

  it('tracks the last page of page and screen views only', () => {
    expect(progressProperties({ type: 'page', context, properties: {} })).toEqual({ lastUrl: 'https://acme.test/pricing?utm_source=ads', lastPath: '/pricing' });
    expect(progressProperties({ type: 'screen', context: {}, properties: { name: 'Settings' } })).toEqual({ lastPath: 'Settings' });
    expect(progressProperties({ type: 'track', context, properties: {} })).toEqual({});
  });
});
