/**
 * What a session keeps from its events: where the visit landed and came
 * from (set by the event that opened it) and where it last was. Event
 * properties flow up into these; the events themselves keep everything.
 */
export type SessionProperties = Record<string, string>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value.slice(0, 2048) : undefined);

/** A page field from `context.page`, else from the properties (Segment's page calls carry it in both). Runs for every event: no copies. */
function pageField(context: Record<string, unknown>, properties: Record<string, unknown>, key: string): unknown {
  const page = context['page'];
  const fromPage = typeof page === 'object' && page !== null ? (page as Record<string, unknown>)[key] : undefined;
  return fromPage ?? properties[key];
}

function compact(entries: Array<[string, string | undefined]>): SessionProperties {
  const out: SessionProperties = {};
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out;
}

/** The first-touch properties of a session, from the event that opened it. */
export function landingProperties(event: { context: Record<string, unknown>; properties: Record<string, unknown> }): SessionProperties {
  const page = (key: string) => pageField(event.context, event.properties, key);
  const campaign = typeof event.context['campaign'] === 'object' && event.context['campaign'] !== null ? (event.context['campaign'] as Record<string, unknown>) : {};
  return compact([
    ['landingUrl', text(page('url'))],
    ['landingPath', text(page('path'))],
    ['referrer', text(page('referrer'))],
    ['utmSource', text(campaign['source'])],
    ['utmMedium', text(campaign['medium'])],
    ['utmCampaign', text(campaign['name'])],
    ['utmTerm', text(campaign['term'])],
    ['utmContent', text(campaign['content'])],
    ['userAgent', text(event.context['userAgent'])],
  ]);
}

/** What a later event of the session updates: the last page seen. */
export function progressProperties(event: { type: string; context: Record<string, unknown>; properties: Record<string, unknown> }): SessionProperties {
  if (event.type !== 'page' && event.type !== 'screen') return {};
  const page = (key: string) => pageField(event.context, event.properties, key);
  return compact([
    ['lastUrl', text(page('url'))],
    ['lastPath', text(page('path')) ?? text(page('name'))],
  ]);
}
