import { companyOfGroup, type CompanyFacts } from '../../../intelligence/companies/group-company.js';
import { maskIp, type IpStorage } from '../../../intelligence/ip/mask-ip.js';
import { consentDecisionOf, type ConsentDecision } from '../../../intelligence/privacy/consent.js';
import { campaignKey, VISIT_TYPES, type Campaign } from '../../../intelligence/sessions/session-rule.js';
import type { IngestMessage } from './segment-message.js';

/** A message with what storing it needs worked out once: addresses as the tenant keeps them, campaign, company. */
export interface PreparedMessage {
  readonly message: IngestMessage;
  /** The visitor's address, unmasked: used to find the network's company, never stored. */
  readonly visitorIp: string | null;
  /** The visitor's address as the tenant's ipStorage lets it be stored. */
  readonly storedIp: string | null;
  /** The message's context with any address in it masked the same way. */
  readonly context: Record<string, unknown>;
  readonly campaign: string | null;
  readonly visit: boolean;
  readonly pageView: boolean;
  /** The company a `group` call names. */
  readonly groupCompany: CompanyFacts | undefined;
  /** The decision a consent event announces, recorded with the event. */
  readonly consent: ConsentDecision | undefined;
  /**
   * The event's stored columns other than its lead and session, as JSON object
   * members: serialised when the request is read, not while its group holds
   * the identity locks.
   */
  readonly eventColumnsJson: string;
}

function campaignOf(context: Record<string, unknown>): Campaign | undefined {
  const campaign = context['campaign'];
  if (typeof campaign !== 'object' || campaign === null) return undefined;
  const field = (key: string) => {
    const value = (campaign as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  return { source: field('source'), medium: field('medium'), name: field('name') };
}

export function prepareMessage(message: IngestMessage, peerIp: string | null, storage: IpStorage): PreparedMessage {
  // As Segment does: a server-side sender names the visitor's address in context.ip; else the peer's counts.
  const namedIp = typeof message.context['ip'] === 'string' ? message.context['ip'] : undefined;
  const visitorIp = namedIp ?? peerIp;
  const context = namedIp === undefined ? message.context : { ...message.context, ip: maskIp(namedIp, storage) };
  const eventColumns = {
    message_id: message.messageId,
    type: message.type,
    name: message.name,
    anonymous_id: message.anonymousId ?? null,
    user_id: message.userId ?? null,
    at: message.at,
    properties: message.properties,
    context,
  };
  return {
    message,
    visitorIp,
    // The tenant's choice applies before anything is stored: the session's address and the event's context alike.
    storedIp: maskIp(visitorIp, storage),
    context,
    campaign: campaignKey(campaignOf(message.context)),
    visit: VISIT_TYPES.has(message.type),
    pageView: message.type === 'page' || message.type === 'screen',
    groupCompany: message.type === 'group' ? companyOfGroup(message.groupId, message.traits) : undefined,
    consent: consentDecisionOf(message),
    eventColumnsJson: JSON.stringify(eventColumns).slice(1, -1),
  };
}
