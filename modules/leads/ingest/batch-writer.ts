import { planStitch } from '../../../intelligence/identity/stitch-plan.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';
import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import { upsertCompanies } from '../../companies/company-records.js';
import type { NetworkCompanies } from '../../companies/network-company-lookup.js';
import { readBatchState } from './batch-state.js';
import { identityViewOf } from './identity-view.js';
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

/** Rows as one JSON parameter for jsonb_to_recordset: cheaper for PostgreSQL to take apart than one array per column. */
const rowsOf = (rows: readonly object[]): string => JSON.stringify(rows);

/**
 * Writes messages set-based, in three round trips whatever the run's length:
 * one read (duplicates, identities, open sessions), the plan made in memory,
 * then one statement for every write (plus one for companies, when a message
 * names or reveals one). It stops before the first message whose identity
 * needs a merge or a conflict record (those are written row by row, see
 * resolveLead); `firstLeadId` carries such a message's lead into the next run.
 */
export async function writeRun(
  tx: TenantSql,
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
  const identityLinks: Array<{ anonymous_id: string; lead_id: string; at: Date }> = [];
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
  const leadRows = byId(
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
  const sessionRows = byId(
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
  const eventRows = `[${accepted
    .map(({ prepared, leadId, sessionId }) => `{"lead_id":${JSON.stringify(leadId)},"session_id":${JSON.stringify(sessionId)},${prepared.eventColumnsJson}}`)
    .join(',')}]`;
  await tx.query(WRITE_BATCH, [rowsOf(leadRows), rowsOf(identityLinks), rowsOf(sessionRows), eventRows]);
  return { outcomes };
}

/**
 * Every write of a run in one statement. The parts of a statement share one
 * snapshot, so none sees another's rows: new leads and sessions are inserted
 * with their final values, and only existing ones are updated. Foreign keys
 * are checked at the end of the statement, when all parts are in.
 * A `group` call names the lead's company outright; a network's company only
 * fills a lead that has none.
 */
const WRITE_BATCH = `
with lead_rows as (
  select * from jsonb_to_recordset($1::jsonb) as v(id text, is_new boolean, user_id text, email text, first_seen_at timestamptz,
    traits jsonb, group_company_id text, network_company_id text)
), session_rows as (
  select * from jsonb_to_recordset($3::jsonb) as v(id text, is_new boolean, lead_id text, anonymous_id text, started_at timestamptz,
    last_activity_at timestamptz, page_views int, event_count int, campaign text, ip text, company_id text, properties jsonb)
), new_leads as (
  insert into {t}.leads (id, user_id, email, first_seen_at, traits, company_id)
  select id, user_id, email, first_seen_at, traits, coalesce(group_company_id, network_company_id)
    from lead_rows where is_new
), changed_leads as (
  update {t}.leads l
     set traits = l.traits || v.traits,
         user_id = coalesce(v.user_id, l.user_id), email = coalesce(v.email, l.email),
         company_id = coalesce(v.group_company_id, l.company_id, v.network_company_id), updated_at = now()
    from lead_rows v where l.id = v.id and not v.is_new
     and (v.traits <> '{}' or v.user_id is not null or v.email is not null or v.group_company_id is not null
          or (l.company_id is null and v.network_company_id is not null))
), new_identities as (
  insert into {t}.identities (anonymous_id, lead_id, first_seen_at)
  select anonymous_id, lead_id, at from jsonb_to_recordset($2::jsonb) as v(anonymous_id text, lead_id text, at timestamptz)
), new_sessions as (
  insert into {t}.sessions (id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count, campaign, ip, company_id, properties)
  select id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count, campaign, ip, company_id, properties
    from session_rows where is_new
), changed_sessions as (
  update {t}.sessions s
     set last_activity_at = greatest(s.last_activity_at, v.last_activity_at), started_at = least(s.started_at, v.started_at),
         page_views = s.page_views + v.page_views, event_count = s.event_count + v.event_count, properties = s.properties || v.properties
    from session_rows v where s.id = v.id and not v.is_new
)
insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context)
select message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context
  from jsonb_to_recordset($4::jsonb) as v(message_id text, type text, name text, lead_id text, session_id text, anonymous_id text,
    user_id text, at timestamptz, properties jsonb, context jsonb)`;
