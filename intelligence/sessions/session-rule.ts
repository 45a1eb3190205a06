/** A visit ends after 30 minutes without activity, as in web analytics at large. */
export const SESSION_TIMEOUT_MS = 30 * 60 * 1000;

export interface OpenSession {
  readonly lastActivityAt: Date;
  readonly campaign: string | null;
}

export interface Campaign {
  readonly source?: string;
  readonly medium?: string;
  readonly name?: string;
}

/** One key for the campaign a visit came from; null when the event carries none. */
export function campaignKey(campaign: Campaign | undefined): string | null {
  if (campaign === undefined) return null;
  const parts = [campaign.source, campaign.medium, campaign.name].map((p) => (p ?? '').trim().toLowerCase());
  return parts.some((p) => p !== '') ? parts.join('|') : null;
}

/**
 * Whether an event opens a new session: none open, too long since the last
 * activity, or arriving through a different campaign.
 */
export function startsNewSession(open: OpenSession | undefined, event: { at: Date; campaign: string | null }): boolean {
  if (open === undefined) return true;
  if (event.at.getTime() - open.lastActivityAt.getTime() > SESSION_TIMEOUT_MS) return true;
  return event.campaign !== null && event.campaign !== open.campaign;
}

/** Page and screen views, and custom events, are visits; identify, group and alias are not. */
export const VISIT_TYPES: ReadonlySet<string> = new Set(['page', 'screen', 'track']);

export type SessionPlacement = 'join' | 'open' | 'none';

/**
 * Where an event goes: into the visitor's open session, into a new one, or
 * (identify, group, alias) into none: those join an open session but never
 * open one, as they are not visits.
 */
export function placeInSession(open: OpenSession | undefined, event: { at: Date; campaign: string | null; visit: boolean }): SessionPlacement {
  if (!event.visit) return open !== undefined && !startsNewSession({ ...open, campaign: null }, { at: event.at, campaign: null }) ? 'join' : 'none';
  return startsNewSession(open, event) ? 'open' : 'join';
}
