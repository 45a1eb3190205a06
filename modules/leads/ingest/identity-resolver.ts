import { planStitch, type IdentityMatches, type KnownLead } from '../../../intelligence/identity/stitch-plan.js';
import type { TenantSql } from '../../../platform/postgres/tenant-sql.js';
import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { IngestMessage } from './segment-message.js';
import { mergeLeads } from './lead-merges.js';

interface LeadRow {
  id: string;
  user_id: string | null;
  email: string | null;
}

const known = (row: LeadRow | undefined): KnownLead | undefined =>
  row === undefined ? undefined : { id: row.id, userId: row.user_id, email: row.email };

async function findMatches(tx: TenantSql, message: IngestMessage): Promise<IdentityMatches> {
  // One after another: a transaction's connection runs one query at a time anyway.
  const byAnonymousId =
    message.anonymousId === undefined
      ? undefined
      : (
          await tx.query<LeadRow>(
            'select l.id, l.user_id, l.email from {t}.identities i join {t}.leads l on l.id = i.lead_id where i.anonymous_id = $1',
            [message.anonymousId],
          )
        )[0];
  const byUserId =
    message.userId === undefined
      ? undefined
      : (await tx.query<LeadRow>('select id, user_id, email from {t}.leads where user_id = $1 and merged_into is null', [message.userId]))[0];
  const byEmail =
    message.email === undefined
      ? undefined
      : (await tx.query<LeadRow>('select id, user_id, email from {t}.leads where lower(email) = $1 and merged_into is null', [message.email]))[0];
  return { byAnonymousId: known(byAnonymousId), byUserId: known(byUserId), byEmail: known(byEmail) };
}

/**
 * The lead a message belongs to, after stitching: creates it, attaches new
 * identifiers, absorbs anonymous leads that turn out to be this person, and
 * records conflicts between known people instead of merging them.
 */
export async function resolveLead(tx: TenantSql, message: IngestMessage): Promise<string> {
  const claim = { anonymousId: message.anonymousId, userId: message.userId, email: message.email };
  const plan = planStitch(claim, await findMatches(tx, message));
  let leadId: string;
  if (plan.target.kind === 'new') {
    leadId = newId('ld');
    await tx.query(
      `insert into {t}.leads (id, user_id, email, first_seen_at) values ($1, $2, $3, $4)`,
      [leadId, plan.setUserId ?? null, plan.setEmail ?? null, message.at],
    );
  } else {
    leadId = plan.target.leadId;
    for (const absorbed of plan.absorb) await mergeLeads(tx, leadId, absorbed, `${message.type} ${message.messageId}`);
    if (plan.setUserId !== undefined || plan.setEmail !== undefined) {
      await tx.query('update {t}.leads set user_id = coalesce($2, user_id), email = coalesce($3, email), updated_at = now() where id = $1', [
        leadId,
        plan.setUserId ?? null,
        plan.setEmail ?? null,
      ]);
    }
  }
  for (const conflict of plan.conflicts) {
    await tx.query('insert into {t}.identity_conflicts (id, lead_id, other_lead_id, cause) values ($1, $2, $3, $4)', [
      newId('cfl'),
      leadId,
      conflict.otherLeadId,
      conflict.cause,
    ]);
  }
  if (plan.linkAnonymousId !== undefined) {
    await tx.query('insert into {t}.identities (anonymous_id, lead_id, first_seen_at) values ($1, $2, $3)', [
      plan.linkAnonymousId,
      leadId,
      message.at,
    ]);
  }
  return leadId;
}
