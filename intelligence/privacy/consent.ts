/**
 * A message's consent, read from what senders already put in its context: the
 * tracking script's `consent = { required, granted }` and Segment's consent
 * spec, `consent.categoryPreferences = { category: boolean }`.
 */
export type ConsentState = 'granted' | 'denied' | 'unknown';

/** Track events that announce a consent decision: Segment's consent spec, and the tracking script's own. */
export const CONSENT_EVENTS: ReadonlySet<string> = new Set(['Segment Consent Preference Updated', 'Consent Updated']);

export interface ConsentDecision {
  readonly granted: boolean;
  readonly categories: Readonly<Record<string, boolean>>;
  /** Where the decision came from: the sending library's name, else `api`. */
  readonly source: string;
}

const MAX_SOURCE_LENGTH = 100;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The boolean category preferences a consent object carries; other values say nothing and are left out. */
export function categoryPreferencesOf(consent: unknown): Record<string, boolean> {
  const preferences = isRecord(consent) ? consent['categoryPreferences'] : undefined;
  if (!isRecord(preferences)) return {};
  return Object.fromEntries(Object.entries(preferences).filter((entry): entry is [string, boolean] => typeof entry[1] === 'boolean'));
}

/**
 * Granted on an explicit grant or when every category is allowed; denied on a
 * refusal where consent is required, or when any category is refused (a
 * refused category outweighs a grant: the narrower answer is the visitor's).
 * `granted: false` alone is not a refusal: the tracking script sends it on
 * every message of a site that does not ask.
 */
export function consentStateOf(context: Readonly<Record<string, unknown>>): ConsentState {
  const consent = context['consent'];
  if (!isRecord(consent)) return 'unknown';
  const categories = Object.values(categoryPreferencesOf(consent));
  if (categories.includes(false)) return 'denied';
  if (consent['granted'] === true || categories.length > 0) return 'granted';
  if (consent['granted'] === false && consent['required'] === true) return 'denied';
  return 'unknown';
}

function sourceOf(context: Readonly<Record<string, unknown>>): string {
  const library = context['library'];
  const name = isRecord(library) && typeof library['name'] === 'string' ? library['name'].trim() : '';
  return name === '' ? 'api' : name.slice(0, MAX_SOURCE_LENGTH);
}

/** The decision a consent event announces; undefined for any other message, or one that decides nothing. */
export function consentDecisionOf(message: {
  readonly type: string;
  readonly name: string;
  readonly context: Readonly<Record<string, unknown>>;
}): ConsentDecision | undefined {
  if (message.type !== 'track' || !CONSENT_EVENTS.has(message.name)) return undefined;
  const state = consentStateOf(message.context);
  if (state === 'unknown') return undefined;
  return { granted: state === 'granted', categories: categoryPreferencesOf(message.context['consent']), source: sourceOf(message.context) };
}
