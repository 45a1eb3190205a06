import { planStitch, type IdentityMatches, type KnownLead } from '../../../intelligence/identity/stitch-plan.js';
import { newId } from '../../../tenants/api-keys/api-key-secret.js';
import type { TenantDb } from '../../../tenants/tenant-db.js';
import {
  insertIdentity,
  insertIdentityConflict,
  insertLead,
  leadOfAnonymousId,
  leadOfEmail,
  leadOfUserId,
  setLeadIdentifiers,
  type StitchLead,
} from './ingest.repository.js';
import type { IngestMessage } from './segment-message.js';
import { mergeLeads } from './lead-merges.js';

const known = (row: StitchLead | undefined): KnownLead | undefined =>
  row === undefined ? undefined : { id: row.id, userId: row.user_id, email: row.email };

async function findMatches(tx: TenantDb, message: IngestMessage): Promise<IdentityMatches> {
  // One after another: a transaction's connection runs one query at a time anyway.
  const byAnonymousId = message.anonymousId === undefined ? undefined : await leadOfAnonymousId(tx, message.anonymousId);
  const byUserId = message.userId === undefined ? undefined : await leadOfUserId(tx, message.userId);
  const byEmail = message.email === undefined ? undefined : await leadOfEmail(tx, message.email);
  return { byAnonymousId: known(byAnonymousId), byUserId: known(byUserId), byEmail: known(byEmail) };
}

/**
 * The lead a message belongs to, after stitching: creates it, attaches new
 * identifiers, absorbs anonymous leads that turn out to be this person, and
 * records conflicts between known people instead of merging them.
 */
export async function resolveLead(tx: TenantDb, message: IngestMessage): Promise<string> {
  const claim = { anonymousId: message.anonymousId, userId: message.userId, email: message.email };
  const plan = planStitch(claim, await findMatches(tx, message));
  let leadId: string;
  if (plan.target.kind === 'new') {
    leadId = newId('ld');
    await insertLead(tx, { id: leadId, user_id: plan.setUserId ?? null, email: plan.setEmail ?? null, first_seen_at: message.at });
  } else {
    leadId = plan.target.leadId;
    for (const absorbed of plan.absorb) await mergeLeads(tx, leadId, absorbed, `${message.type} ${message.messageId}`);
    if (plan.setUserId !== undefined || plan.setEmail !== undefined) {
      await setLeadIdentifiers(tx, leadId, { user_id: plan.setUserId ?? null, email: plan.setEmail ?? null });
    }
  }
  for (const conflict of plan.conflicts) {
    await insertIdentityConflict(tx, { id: newId('cfl'), lead_id: leadId, other_lead_id: conflict.otherLeadId, cause: conflict.cause });
  }
  if (plan.linkAnonymousId !== undefined) {
    await insertIdentity(tx, { anonymous_id: plan.linkAnonymousId, lead_id: leadId, first_seen_at: message.at });
  }
  return leadId;
}
