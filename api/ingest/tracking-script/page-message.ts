/**
 * The shape of the page messages that t.js and p.gif both produce, so that a page view
 * reads the same whichever way it arrived. Segment's `page` call, with the page in
 * `properties` and again in `context.page`.
 */
export interface PageProperties {
  url: string;
  path: string;
  referrer: string;
  title: string;
  search: string;
}

export type CampaignField = 'source' | 'medium' | 'name' | 'term' | 'content';
export type CampaignContext = Partial<Record<CampaignField, string>>;

/** utm_* query parameter → `context.campaign` field, as Segment's analytics.js names them. */
export const CAMPAIGN_PARAMETERS: Readonly<Record<string, CampaignField>> = Object.freeze({
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'name',
  utm_term: 'term',
  utm_content: 'content',
});

export interface PageMessage {
  type: 'page';
  messageId: string;
  timestamp: string;
  /** Absent when p.gif was hit without a visitor cookie: the route assigns one. */
  anonymousId?: string;
  /** The publishable key, when the request named one; on a pixel host the Host implies it. */
  writeKey?: string;
  properties: PageProperties;
  context: {
    page: PageProperties;
    /** Only when the page URL carried at least one utm_* parameter. */
    campaign?: CampaignContext;
    library: { name: string; version: string };
  };
}

/** The campaign of a query string, or undefined when it names none (so that no empty campaign starts a session). */
export function campaignOf(search: URLSearchParams): CampaignContext | undefined {
  const campaign: CampaignContext = {};
  let any = false;
  for (const [parameter, field] of Object.entries(CAMPAIGN_PARAMETERS)) {
    const value = search.get(parameter);
    if (value !== null && value !== '') {
      campaign[field] = value;
      any = true;
    }
  }
  return any ? campaign : undefined;
}
