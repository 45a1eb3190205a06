import { describe, expect, it } from 'vitest';
import { consentDecisionOf, consentStateOf } from '../../../intelligence/privacy/consent.js';

describe("a message's consent state", () => {
  it.each([
    ['no consent at all', {}, 'unknown'],
    ['not an object', { consent: 'yes' }, 'unknown'],
    ['an explicit grant (the tracking script after consent(true))', { consent: { required: true, granted: true } }, 'granted'],
    ['a grant where none is required', { consent: { required: false, granted: true } }, 'granted'],
    ['a refusal where consent is required', { consent: { required: true, granted: false } }, 'denied'],
    // The script sends this on every message of a site that never asks: nobody refused anything.
    ['no grant where none is required', { consent: { required: false, granted: false } }, 'unknown'],
    ['every Segment category allowed', { consent: { categoryPreferences: { analytics: true, ads: true } } }, 'granted'],
    ['one Segment category refused', { consent: { categoryPreferences: { analytics: true, ads: false } } }, 'denied'],
    ['a grant contradicted by a refused category', { consent: { granted: true, categoryPreferences: { ads: false } } }, 'denied'],
    ['no categories', { consent: { categoryPreferences: {} } }, 'unknown'],
    ['categories that are not booleans', { consent: { categoryPreferences: { ads: 'no' } } }, 'unknown'],
  ] as const)('%s: %s', (_name, context, state) => {
    expect(consentStateOf(context)).toBe(state);
  });
});

describe('the decision a consent event announces', () => {
  const event = (name: string, context: Record<string, unknown>, type = 'track') => ({ type, name, context });

  it("records Segment's and the tracking script's events with their source", () => {
    expect(
      consentDecisionOf(event('Segment Consent Preference Updated', { library: { name: 'analytics.js' }, consent: { categoryPreferences: { a: true, b: 1 } } })),
    ).toEqual({ granted: true, categories: { a: true }, source: 'analytics.js' });
    expect(consentDecisionOf(event('Consent Updated', { library: { name: 'bee' }, consent: { required: true, granted: true } }))).toEqual({
      granted: true,
      categories: {},
      source: 'bee',
    });
    expect(consentDecisionOf(event('Consent Updated', { consent: { categoryPreferences: { ads: false } } }))).toEqual({
      granted: false,
      categories: { ads: false },
      source: 'api',
    });
  });

  it('ignores other events, other types, and consent events that decide nothing', () => {
    expect(consentDecisionOf(event('Signed Up', { consent: { granted: true } }))).toBeUndefined();
    expect(consentDecisionOf(event('Consent Updated', { consent: { granted: true } }, 'identify'))).toBeUndefined();
    expect(consentDecisionOf(event('Consent Updated', {}))).toBeUndefined();
  });
});
