import { maskIp, type IpStorage } from '../../../intelligence/ip/mask-ip.js';
import type { Database, Sql } from '../../../platform/postgres/database.js';
import { tenantSql, type TenantSql } from '../../../platform/postgres/tenant-sql.js';
import type { IngestMessage } from '../segment/segment-message.js';
import { resolveLead } from './identity-resolver.js';
import { recordSessionActivity, resolveSession } from './session-resolver.js';

export interface IngestTenant {
  readonly tenantId: string;
  readonly schema: string;
}

export interface WriteResult {
  readonly accepted: number;
  readonly duplicates: number;
  /** The lead of each message, in order (the existing event's lead for a duplicate). */
  readonly leadIds: readonly string[];
}

export interface EventStore {
  /** Writes the messages in one transaction: all of them, or none. */
  write(tenant: IngestTenant, messages: readonly IngestMessage[], opts?: { ip?: string | null }): Promise<WriteResult>;
}

function identityKeys(schema: string, messages: readonly IngestMessage[]): string[] {
  const keys = new Set<string>();
  for (const m of messages) {
    keys.add(`${schema}:m:${m.messageId}`);
    if (m.anonymousId !== undefined) keys.add(`${schema}:a:${m.anonymousId}`);
    if (m.userId !== undefined) keys.add(`${schema}:u:${m.userId}`);
    if (m.email !== undefined) keys.add(`${schema}:e:${m.email}`);
  }
  return [...keys];
}

/**
 * Locks identity keys for the transaction. One order for every transaction,
 * so two never wait on each other in a cycle.
 */
export async function lockIdentities(tx: Sql, keys: readonly string[]): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtextextended(k, 0)) from unnest($1::text[]) as k order by k', [[...keys].sort()]);
}

/** The lock key of an anonymous id, for work other than ingestion that moves it (splitLead). */
export const anonymousIdLockKey = (schema: string, anonymousId: string): string => `${schema}:a:${anonymousId}`;

async function writeOne(
  tx: TenantSql,
  message: IngestMessage,
  ip: string | null,
  storage: IpStorage,
): Promise<{ leadId: string; duplicate: boolean }> {
  const existing = await tx.query<{ lead_id: string }>('select lead_id from {t}.events where message_id = $1', [message.messageId]);
  if (existing[0] !== undefined) return { leadId: existing[0].lead_id, duplicate: true };

  const leadId = await resolveLead(tx, message);
  // As Segment does: a server-side sender names the visitor's address in context.ip; else the peer's counts.
  const namedIp = typeof message.context['ip'] === 'string' ? message.context['ip'] : undefined;
  // The tenant's choice applies before anything is stored: the session's address and the event's context alike.
  const visitorIp = maskIp(namedIp ?? ip, storage);
  const context = namedIp === undefined ? message.context : { ...message.context, ip: maskIp(namedIp, storage) };
  const sessionId = await resolveSession(tx, leadId, message, visitorIp);
  await tx.query(
    `insert into {t}.events (message_id, type, name, lead_id, session_id, anonymous_id, user_id, at, properties, context)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      message.messageId,
      message.type,
      message.name,
      leadId,
      sessionId,
      message.anonymousId ?? null,
      message.userId ?? null,
      message.at,
      JSON.stringify(message.properties),
      JSON.stringify(context),
    ],
  );
  if (sessionId !== null) await recordSessionActivity(tx, sessionId, message);
  const traits = message.type === 'identify' ? message.traits : {};
  await tx.query(
    `update {t}.leads set last_seen_at = greatest(last_seen_at, $2), traits = traits || $3::jsonb, updated_at = now() where id = $1`,
    [leadId, message.at, JSON.stringify(traits)],
  );
  return { leadId, duplicate: false };
}

/**
 * Identity keys (message ids, anonymous ids, user ids, emails) are locked
 * for the transaction, so concurrent requests about the same visitor or the
 * same messageId are serialised while different visitors proceed in parallel;
 * that makes the duplicate check exact.
 */
export function createEventStore(deps: { db: Database; ipStorageOf: (tenantId: string) => Promise<IpStorage> }): EventStore {
  return {
    async write(tenant, messages, opts = {}) {
      if (messages.length === 0) return { accepted: 0, duplicates: 0, leadIds: [] };
      const storage = await deps.ipStorageOf(tenant.tenantId);
      return deps.db.transaction(async (raw) => {
        const tx = tenantSql(raw, tenant.schema);
        await lockIdentities(raw, identityKeys(tenant.schema, messages));
        let accepted = 0;
        let duplicates = 0;
        const leadIds: string[] = [];
        for (const message of messages) {
          const written = await writeOne(tx, message, opts.ip ?? null, storage);
          leadIds.push(written.leadId);
          if (written.duplicate) duplicates += 1;
          else accepted += 1;
        }
        return { accepted, duplicates, leadIds };
      });
    },
  };
}
