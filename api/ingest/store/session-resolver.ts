import { campaignKey, startsNewSession, type Campaign } from '../../../intelligence/sessions/session-rule.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';
import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { IngestMessage } from '../segment/segment-message.js';

const VISIT_TYPES = new Set(['page', 'screen', 'track']);

function campaignOf(message: IngestMessage): Campaign | undefined {
  const campaign = message.context['campaign'];
  if (typeof campaign !== 'object' || campaign === null) return undefined;
  const field = (key: string) => {
    const value = (campaign as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : undefined;
  };
  return { source: field('source'), medium: field('medium'), name: field('name') };
}

/**
 * The session an event belongs to: the visitor's open one, or a new one after
 * 30 idle minutes or on a new campaign. Identify, group and alias messages join
 * an open session but never open one: they are not visits.
 */
export async function resolveSession(
  tx: TenantSql,
  leadId: string,
  message: IngestMessage,
  ip: string | null,
): Promise<string | null> {
  const campaign = campaignKey(campaignOf(message));
  const open = (
    await tx.query<{ id: string; last_activity_at: Date; campaign: string | null }>(
      `select id, last_activity_at, campaign from {t}.sessions
        where lead_id = $1 and ($2::text is null or anonymous_id = $2)
        order by last_activity_at desc limit 1`,
      [leadId, message.anonymousId ?? null],
    )
  )[0];
  const last = open && { lastActivityAt: open.last_activity_at, campaign: open.campaign };
  if (!VISIT_TYPES.has(message.type)) {
    const stillOpen = last !== undefined && !startsNewSession({ ...last, campaign: null }, { at: message.at, campaign: null });
    return stillOpen && open !== undefined ? open.id : null;
  }
  if (open !== undefined && !startsNewSession(last, { at: message.at, campaign })) return open.id;
  const id = newId('ses');
  await tx.query(
    `insert into {t}.sessions (id, lead_id, anonymous_id, started_at, last_activity_at, campaign, ip)
     values ($1, $2, $3, $4, $4, $5, $6)`,
    [id, leadId, message.anonymousId ?? null, message.at, campaign, ip],
  );
  return id;
}

export async function recordSessionActivity(tx: TenantSql, sessionId: string, message: IngestMessage): Promise<void> {
  await tx.query(
    `update {t}.sessions
        set last_activity_at = greatest(last_activity_at, $2), started_at = least(started_at, $2),
            page_views = page_views + $3, event_count = event_count + 1
      where id = $1`,
    [sessionId, message.at, message.type === 'page' || message.type === 'screen' ? 1 : 0],
  );
}
