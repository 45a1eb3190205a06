import { planStitch } from '../../../intelligence/identity/stitch-plan.js';
import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import { upsertCompanies } from '../../companies/company-records.js';
import type { NetworkCompanies } from '../../companies/network-company-lookup.js';
import { readBatchState } from './batch-state.js';
import { identityViewOf } from './identity-view.js';
import { writeBatch, type IdentityLink, type LeadWrite, type SessionWrite } from './ingest.repository.js';
import type { PreparedMessage } from './prepared-message.js';
import { sessionViewOf, type SessionChange } from './session-view.js';

export interface MessageOutcome {
  readonly leadId: string;
  readonly duplicate: boolean;
}

export interface RunResult {
  /** Outcomes of the messages written, from the first; fewer than given when the run stopped early. */
  readonly outcomes: MessageOutcome[];
}

interface LeadChange {
  readonly isNew: boolean;
  firstSeenAt: Date;
  traits: Record<string, unknown>;
  setUserId: string | null;
  setEmail: string | null;
  groupCompanyDomain: string | null;
}

/**
 * Writes messages set-based, in three round trips whatever the run's length:
 * one read (duplicates, identities, open sessions), the plan made in memory,
 * then one statement for every write (plus one for companies, when a message
 * names or reveals one). It stops before the first message whose identity
 * needs a merge or a conflict record (those are written row by row, see
 * resolveLead); `firstLeadId` carries such a message's lead into the next run.
 */
export async function writeRun(
  tx: TenantDb,
  items: readonly PreparedMessage[],
  deps: { networkCompanies: NetworkCompanies; firstLeadId?: string },
): Promise<RunResult> {
  const state = await readBatchState(
    tx,
    items.map((p) => p.message),
  );
  const identities = identityViewOf(state.identities);
  const sessions = sessionViewOf(state.openSessions);
  const seen = state.stored;

  const outcomes: MessageOutcome[] = [];
  const accepted: Array<{ prepared: PreparedMessage; leadId: string; sessionId: string | null }> = [];
  const identityLinks: IdentityLink[] = [];
  const leads = new Map<string, LeadChange>();
  const leadChange = (id: string, at: Date, isNew = false) => {
    let change = leads.get(id);
    if (change === undefined) {
      change = { isNew, firstSeenAt: at, traits: {}, setUserId: null, setEmail: null, groupCompanyDomain: null };
      leads.set(id, change);
    }
    return change;
  };

  for (const [index, prepared] of items.entries()) {
    const { message } = prepared;
    const earlier = seen.get(message.messageId);
    if (earlier !== undefined) {
      outcomes.push({ leadId: earlier, duplicate: true });
      continue;
    }
    let leadId: string;
    if (index === 0 && deps.firstLeadId !== undefined) leadId = deps.firstLeadId;
    else {
      const plan = planStitch({ anonymousId: message.anonymousId, userId: message.userId, email: message.email }, identities.matches(message));
      if (plan.absorb.length > 0 || plan.conflicts.length > 0) break;
      leadId = identities.apply(plan, () => newId('ld'));
      const change = leadChange(leadId, message.at, plan.target.kind === 'new');
      change.setUserId = plan.setUserId ?? change.setUserId;
      change.setEmail = plan.setEmail ?? change.setEmail;
      if (plan.linkAnonymousId !== undefined) identityLinks.push({ anonymous_id: plan.linkAnonymousId, lead_id: leadId, at: message.at });
    }
    seen.set(message.messageId, leadId);
    outcomes.push({ leadId, duplicate: false });
    accepted.push({ prepared, leadId, sessionId: sessions.place(leadId, prepared, () => newId('ses')) });
    const change = leadChange(leadId, message.at);
    if (message.at < change.firstSeenAt) change.firstSeenAt = message.at;
    if (message.type === 'identify') Object.assign(change.traits, message.traits);
    if (prepared.groupCompany !== undefined) change.groupCompanyDomain = prepared.groupCompany.domain;
  }
  if (accepted.length === 0) return { outcomes };

  const sessionChanges = sessions.changes();
  // Companies: those `group` calls name, and those of the networks new sessions come from.
  const groupCompanies = await upsertCompanies(
    tx,
    accepted.flatMap((a) => (a.prepared.groupCompany === undefined ? [] : [a.prepared.groupCompany])),
  );
  const networkCompanies = await deps.networkCompanies.companyIdsOf(
    tx,
    sessionChanges.flatMap((s) => (s.isNew && s.visitorIp !== null ? [s.visitorIp] : [])),
  );
  const sessionCompany = (s: SessionChange) => (s.visitorIp === null ? null : (networkCompanies.get(s.visitorIp) ?? null));
  // A lead without a company takes the one of the first network it is seen visiting from.
  const leadNetworkCompany = new Map<string, string>();
  for (const s of sessionChanges) {
    const company = s.isNew ? sessionCompany(s) : null;
    if (company !== null && !leadNetworkCompany.has(s.leadId)) leadNetworkCompany.set(s.leadId, company);
  }

  // Ordered by id, so two transactions that share rows lock them in the same order.
  const byId = <T extends { id: string }>(rows: T[]) => rows.sort((x, y) => (x.id < y.id ? -1 : 1));
  // A lead row is written only when something about the person changes, not for every event.
  const changesPerson = (id: string, c: LeadChange) =>
    c.isNew || c.setUserId !== null || c.setEmail !== null || c.groupCompanyDomain !== null || Object.keys(c.traits).length > 0 || leadNetworkCompany.has(id);
  const leadRows = byId<LeadWrite>(
    [...leads].filter(([id, c]) => changesPerson(id, c)).map(([id, c]) => ({
      id,
      is_new: c.isNew,
      user_id: c.setUserId,
      email: c.setEmail,
      first_seen_at: c.firstSeenAt,
      traits: c.traits,
      group_company_id: c.groupCompanyDomain === null ? null : (groupCompanies.get(c.groupCompanyDomain) ?? null),
      network_company_id: leadNetworkCompany.get(id) ?? null,
    })),
  );
  const sessionRows = byId<SessionWrite>(
    sessionChanges.map((s) => ({
      id: s.id,
      is_new: s.isNew,
      lead_id: s.leadId,
      anonymous_id: s.anonymousId,
      started_at: s.startedAt,
      last_activity_at: s.lastActivityAt,
      page_views: s.pageViews,
      event_count: s.eventCount,
      campaign: s.campaign,
      ip: s.storedIp,
      company_id: sessionCompany(s),
      properties: s.properties,
    })),
  );
  // Each event's own columns were serialised with its request; only its lead and session are added here.
  const eventsJson = `[${accepted
    .map(({ prepared, leadId, sessionId }) => `{"lead_id":${JSON.stringify(leadId)},"session_id":${JSON.stringify(sessionId)},${prepared.eventColumnsJson}}`)
    .join(',')}]`;
  await writeBatch(tx, { leads: leadRows, identities: identityLinks, sessions: sessionRows, eventsJson });
  return { outcomes };
}
