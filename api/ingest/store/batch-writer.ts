import { planStitch } from '../../../intelligence/identity/stitch-plan.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';
import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import { upsertCompanies } from '../../companies/company-records.js';
import type { NetworkCompanies } from '../../companies/network-companies.js';
import { loadIdentityView } from './identity-view.js';
import type { PreparedMessage } from './prepared-message.js';
import { loadSessionView, type SessionChange } from './session-view.js';

export interface MessageOutcome {
  readonly leadId: string;
  readonly duplicate: boolean;
}

export interface RunResult {
  /** Outcomes of the messages written, from the first; fewer than given when the run stopped early. */
  readonly outcomes: MessageOutcome[];
}

interface LeadChange {
  lastSeenAt: Date;
  traits: Record<string, unknown>;
  setUserId: string | null;
  setEmail: string | null;
  groupCompanyDomain: string | null;
}

/** Rows as one JSON parameter for jsonb_to_recordset: cheaper for PostgreSQL to take apart than one array per column. */
const rowsOf = (rows: readonly object[]): string => JSON.stringify(rows);

/**
 * Writes messages set-based: a fixed handful of statements for the whole run,
 * whatever its length. It stops before the first message whose identity needs
 * a merge or a conflict record (those are written one by one, see
 * resolveLead); `firstLeadId` carries such a message's lead into the next run.
 */
export async function writeRun(
  tx: TenantSql,
  items: readonly PreparedMessage[],
  deps: { networkCompanies: NetworkCompanies; firstLeadId?: string },
): Promise<RunResult> {
  const messageIds = [...new Set(items.map((p) => p.message.messageId))];
  const stored = await tx.query<{ message_id: string; lead_id: string }>('select message_id, lead_id from {t}.events where message_id = any($1)', [
    messageIds,
  ]);
  const seen = new Map(stored.map((r) => [r.message_id, r.lead_id]));
  const identities = await loadIdentityView(
    tx,
    items.map((p) => p.message),
  );

  const outcomes: MessageOutcome[] = [];
  const accepted: Array<{ prepared: PreparedMessage; leadId: string }> = [];
  const newLeads = new Map<string, Date>();
  const identityLinks: Array<{ anonymousId: string; leadId: string; at: Date }> = [];
  const leadChanges = new Map<string, LeadChange>();

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
      leadId = identities.apply(plan, () => {
        const id = newId('ld');
        newLeads.set(id, message.at);
        return id;
      });
      if (plan.linkAnonymousId !== undefined) identityLinks.push({ anonymousId: plan.linkAnonymousId, leadId, at: message.at });
      if (plan.target.kind === 'existing' && (plan.setUserId !== undefined || plan.setEmail !== undefined)) {
        const change = leadChangeOf(leadChanges, leadId, message.at);
        change.setUserId = plan.setUserId ?? change.setUserId;
        change.setEmail = plan.setEmail ?? change.setEmail;
      } else if (plan.target.kind === 'new') {
        const change = leadChangeOf(leadChanges, leadId, message.at);
        change.setUserId = plan.setUserId ?? null;
        change.setEmail = plan.setEmail ?? null;
      }
    }
    seen.set(message.messageId, leadId);
    outcomes.push({ leadId, duplicate: false });
    accepted.push({ prepared, leadId });
    const change = leadChangeOf(leadChanges, leadId, message.at);
    if (message.at > change.lastSeenAt) change.lastSeenAt = message.at;
    if (message.type === 'identify') Object.assign(change.traits, message.traits);
    if (prepared.groupCompany !== undefined) change.groupCompanyDomain = prepared.groupCompany.domain;
  }
  if (accepted.length === 0) return { outcomes };

  const earliest = accepted.reduce((min, a) => (a.prepared.message.at < min ? a.prepared.message.at : min), accepted[0]?.prepared.message.at ?? new Date());
  const sessions = await loadSessionView(
    tx,
    [...new Set(accepted.map((a) => a.leadId))].filter((id) => !newLeads.has(id)),
    earliest,
  );
  const eventSessions = accepted.map((a) => sessions.place(a.leadId, a.prepared, () => newId('ses')));
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

  if (newLeads.size > 0) {
    await tx.query(
      `insert into {t}.leads (id, user_id, email, first_seen_at, last_seen_at)
       select id, user_id, email, at, at from jsonb_to_recordset($1::jsonb) as v(id text, user_id text, email text, at timestamptz)`,
      [
        rowsOf(
          [...newLeads].map(([id, at]) => ({ id, user_id: leadChanges.get(id)?.setUserId ?? null, email: leadChanges.get(id)?.setEmail ?? null, at })),
        ),
      ],
    );
  }
  if (identityLinks.length > 0) {
    await tx.query(
      `insert into {t}.identities (anonymous_id, lead_id, first_seen_at)
       select anonymous_id, lead_id, at from jsonb_to_recordset($1::jsonb) as v(anonymous_id text, lead_id text, at timestamptz)`,
      [rowsOf(identityLinks.map((l) => ({ anonymous_id: l.anonymousId, lead_id: l.leadId, at: l.at })))],
    );
  }
  const created = sessionChanges.filter((s) => s.isNew);
  if (created.length > 0) {
    await tx.query(
      `insert into {t}.sessions (id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count, campaign, ip, company_id, properties)
       select id, lead_id, anonymous_id, started_at, last_activity_at, page_views, event_count, campaign, ip, company_id, properties
         from jsonb_to_recordset($1::jsonb) as v(id text, lead_id text, anonymous_id text, started_at timestamptz, last_activity_at timestamptz,
                                                 page_views int, event_count int, campaign text, ip text, company_id text, properties jsonb)`,
      [
        rowsOf(
          created.map((s) => ({
            id: s.id,
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
        ),
      ],
    );
  }
  await tx.query(
    `insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context)
     select message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context
       from jsonb_to_recordset($1::jsonb) as v(message_id text, type text, name text, lead_id text, session_id text, anonymous_id text, user_id text,
                                               at timestamptz, properties jsonb, context jsonb)`,
    [
      rowsOf(
        accepted.map(({ prepared: { message, context }, leadId }, i) => ({
          message_id: message.messageId,
          type: message.type,
          name: message.name,
          lead_id: leadId,
          session_id: eventSessions[i],
          anonymous_id: message.anonymousId ?? null,
          user_id: message.userId ?? null,
          at: message.at,
          properties: message.properties,
          context,
        })),
      ),
    ],
  );
  // Ordered by id, so two transactions that share rows lock them in the same order.
  const joined = sessionChanges.filter((s) => !s.isNew).sort((x, y) => (x.id < y.id ? -1 : 1));
  if (joined.length > 0) {
    await tx.query(
      `update {t}.sessions s
          set last_activity_at = greatest(s.last_activity_at, v.last_activity_at), started_at = least(s.started_at, v.started_at),
              page_views = s.page_views + v.page_views, event_count = s.event_count + v.event_count, properties = s.properties || v.properties
         from jsonb_to_recordset($1::jsonb) as v(id text, started_at timestamptz, last_activity_at timestamptz, page_views int, event_count int, properties jsonb)
        where s.id = v.id`,
      [
        rowsOf(
          joined.map((s) => ({
            id: s.id,
            started_at: s.startedAt,
            last_activity_at: s.lastActivityAt,
            page_views: s.pageViews,
            event_count: s.eventCount,
            properties: s.properties,
          })),
        ),
      ],
    );
  }
  const leads = [...leadChanges.entries()].sort(([x], [y]) => (x < y ? -1 : 1));
  // A `group` call names the lead's company outright; a network's company only fills a lead that has none.
  await tx.query(
    `update {t}.leads l
        set last_seen_at = greatest(l.last_seen_at, v.last_seen_at), traits = l.traits || v.traits,
            user_id = coalesce(v.user_id, l.user_id), email = coalesce(v.email, l.email),
            company_id = coalesce(v.group_company_id, l.company_id, v.network_company_id), updated_at = now()
       from jsonb_to_recordset($1::jsonb)
            as v(id text, last_seen_at timestamptz, traits jsonb, user_id text, email text, group_company_id text, network_company_id text)
      where l.id = v.id`,
    [
      rowsOf(
        leads.map(([id, c]) => ({
          id,
          last_seen_at: c.lastSeenAt,
          traits: c.traits,
          user_id: newLeads.has(id) ? null : c.setUserId,
          email: newLeads.has(id) ? null : c.setEmail,
          group_company_id: c.groupCompanyDomain === null ? null : (groupCompanies.get(c.groupCompanyDomain) ?? null),
          network_company_id: leadNetworkCompany.get(id) ?? null,
        })),
      ),
    ],
  );
  return { outcomes };
}

function leadChangeOf(changes: Map<string, LeadChange>, leadId: string, at: Date): LeadChange {
  let change = changes.get(leadId);
  if (change === undefined) {
    change = { lastSeenAt: at, traits: {}, setUserId: null, setEmail: null, groupCompanyDomain: null };
    changes.set(leadId, change);
  }
  return change;
}
