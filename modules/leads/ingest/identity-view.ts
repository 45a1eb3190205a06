import type { IdentityMatches, KnownLead, StitchPlan } from '../../../intelligence/identity/stitch-plan.js';
import type { IngestMessage } from './segment-message.js';
import type { IdentityHolder } from './ingest.repository.js';

/**
 * Who holds each identifier of a batch, as read with the batch, kept
 * current in memory as the batch's plans are applied, so that message n sees
 * what messages 0..n-1 did, exactly as if they had been written one by one.
 */
export interface IdentityView {
  matches(message: IngestMessage): IdentityMatches;
  /** Applies a plan without merges or conflicts; returns the lead id (new ones are made here). */
  apply(plan: StitchPlan, newLeadId: () => string): string;
}

export function identityViewOf(rows: readonly IdentityHolder[]): IdentityView {
  const leads = new Map<string, KnownLead>();
  const byKind = { a: new Map<string, string>(), u: new Map<string, string>(), e: new Map<string, string>() };
  for (const row of rows) {
    leads.set(row.id, { id: row.id, userId: row.user_id, email: row.email === null ? null : row.email.toLowerCase() });
    byKind[row.kind].set(row.key, row.id);
  }
  const lead = (map: Map<string, string>, key: string | undefined) => {
    const id = key === undefined ? undefined : map.get(key);
    return id === undefined ? undefined : leads.get(id);
  };

  return {
    matches: (m) => ({ byAnonymousId: lead(byKind.a, m.anonymousId), byUserId: lead(byKind.u, m.userId), byEmail: lead(byKind.e, m.email) }),
    apply(plan, newLeadId) {
      if (plan.absorb.length > 0 || plan.conflicts.length > 0) throw new Error('merges and conflicts are written one by one, not planned in memory');
      const id = plan.target.kind === 'new' ? newLeadId() : plan.target.leadId;
      const before = leads.get(id) ?? { id, userId: null, email: null };
      leads.set(id, { id, userId: plan.setUserId ?? before.userId, email: plan.setEmail ?? before.email });
      if (plan.setUserId !== undefined) byKind.u.set(plan.setUserId, id);
      if (plan.setEmail !== undefined) byKind.e.set(plan.setEmail, id);
      if (plan.linkAnonymousId !== undefined) byKind.a.set(plan.linkAnonymousId, id);
      return id;
    },
  };
}
