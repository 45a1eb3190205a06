import { placeInSession } from '../../../intelligence/sessions/session-rule.js';
import { landingProperties, progressProperties, type SessionProperties } from '../../../intelligence/sessions/session-properties.js';
import type { OpenSession } from './ingest.repository.js';
import type { PreparedMessage } from './prepared-message.js';

/** A session as a batch changes it: what it was (for existing ones) plus what the batch adds. */
export interface SessionChange {
  readonly id: string;
  readonly leadId: string;
  readonly anonymousId: string | null;
  readonly isNew: boolean;
  /** New sessions only: where the visit came from and from which address. */
  readonly campaign: string | null;
  readonly storedIp: string | null;
  readonly visitorIp: string | null;
  startedAt: Date;
  lastActivityAt: Date;
  pageViews: number;
  eventCount: number;
  properties: SessionProperties;
}

export interface SessionView {
  /** The session the message goes into (opening one if it starts a visit), or null. */
  place(leadId: string, prepared: PreparedMessage, newSessionId: () => string): string | null;
  /** Every session the batch opened or added to. */
  changes(): SessionChange[];
}

/** The batch's open sessions, kept current in memory as its events are placed. */
export function sessionViewOf(rows: readonly OpenSession[]): SessionView {
  const open = new Map<string, { id: string; anonymousId: string | null; lastActivityAt: Date; campaign: string | null; startedAt: Date }[]>();
  for (const r of rows) {
    const list = open.get(r.lead_id) ?? [];
    list.push({ id: r.id, anonymousId: r.anonymous_id, lastActivityAt: r.last_activity_at, campaign: r.campaign, startedAt: r.started_at });
    open.set(r.lead_id, list);
  }
  const changes = new Map<string, SessionChange>();

  // The visitor's latest session: of this anonymous id, or of the lead when the message names none.
  const latest = (leadId: string, anonymousId: string | undefined) => {
    let best: { id: string; lastActivityAt: Date; campaign: string | null } | undefined;
    for (const s of open.get(leadId) ?? []) {
      if (anonymousId !== undefined && s.anonymousId !== anonymousId) continue;
      const last = changes.get(s.id)?.lastActivityAt ?? s.lastActivityAt;
      if (best === undefined || last > best.lastActivityAt) best = { id: s.id, lastActivityAt: last, campaign: s.campaign };
    }
    return best;
  };

  return {
    place(leadId, prepared, newSessionId) {
      const { message } = prepared;
      const current = latest(leadId, message.anonymousId);
      const placement = placeInSession(current, { at: message.at, campaign: prepared.campaign, visit: prepared.visit });
      if (placement === 'none') return null;
      let change: SessionChange;
      if (placement === 'join' && current !== undefined) {
        const known = open.get(leadId)?.find((s) => s.id === current.id);
        change = changes.get(current.id) ?? {
          id: current.id,
          leadId,
          anonymousId: known?.anonymousId ?? null,
          isNew: false,
          campaign: current.campaign,
          storedIp: null,
          visitorIp: null,
          startedAt: known?.startedAt ?? message.at,
          lastActivityAt: current.lastActivityAt,
          pageViews: 0,
          eventCount: 0,
          properties: {},
        };
      } else {
        const id = newSessionId();
        change = {
          id,
          leadId,
          anonymousId: message.anonymousId ?? null,
          isNew: true,
          campaign: prepared.campaign,
          storedIp: prepared.storedIp,
          visitorIp: prepared.visitorIp,
          startedAt: message.at,
          lastActivityAt: message.at,
          pageViews: 0,
          eventCount: 0,
          properties: landingProperties({ context: prepared.context, properties: message.properties }),
        };
        const list = open.get(leadId) ?? [];
        list.push({ id, anonymousId: change.anonymousId, lastActivityAt: message.at, campaign: prepared.campaign, startedAt: message.at });
        open.set(leadId, list);
      }
      if (message.at < change.startedAt) change.startedAt = message.at;
      if (message.at > change.lastActivityAt) change.lastActivityAt = message.at;
      change.pageViews += prepared.pageView ? 1 : 0;
      change.eventCount += 1;
      Object.assign(change.properties, progressProperties({ type: message.type, context: prepared.context, properties: message.properties }));
      changes.set(change.id, change);
      return change.id;
    },
    changes: () => [...changes.values()],
  };
}
