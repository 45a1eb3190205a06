/** A lead as identity resolution sees it: which strong identifiers it already holds. */
export interface KnownLead {
  readonly id: string;
  readonly userId: string | null;
  readonly email: string | null;
}

export interface IdentityClaim {
  readonly anonymousId?: string;
  readonly userId?: string;
  readonly email?: string;
}

/** The leads that already hold each identifier of the claim. */
export interface IdentityMatches {
  readonly byAnonymousId?: KnownLead;
  readonly byUserId?: KnownLead;
  readonly byEmail?: KnownLead;
}

export interface StitchPlan {
  /** The lead the message belongs to: an existing one, or a new one to create. */
  readonly target: { readonly kind: 'existing'; readonly leadId: string } | { readonly kind: 'new' };
  /** Anonymous leads to merge into the target (their sessions and events move, the merge is recorded). */
  readonly absorb: readonly string[];
  /** Known people that the claim also points at: never merged silently, recorded for a decision. */
  readonly conflicts: ReadonlyArray<{ readonly otherLeadId: string; readonly cause: string }>;
  readonly setUserId?: string;
  readonly setEmail?: string;
  readonly linkAnonymousId?: string;
}

const isAnonymous = (lead: KnownLead) => lead.userId === null && lead.email === null;

/**
 * Decides whose message this is. The strongest identifier wins (userId, then
 * email, then anonymousId); an anonymous visitor's lead is absorbed by the
 * known person it turns out to be; two known people are never merged.
 */
export function planStitch(claim: IdentityClaim, matches: IdentityMatches): StitchPlan {
  const primary = matches.byUserId ?? matches.byEmail ?? matches.byAnonymousId;
  if (primary === undefined) {
    return {
      target: { kind: 'new' },
      absorb: [],
      conflicts: [],
      setUserId: claim.userId,
      setEmail: claim.email,
      linkAnonymousId: claim.anonymousId,
    };
  }

  const absorb: string[] = [];
  const conflicts: Array<{ otherLeadId: string; cause: string }> = [];
  const seen = new Set([primary.id]);
  const others: Array<[KnownLead | undefined, string]> = [
    [matches.byEmail, 'email'],
    [matches.byAnonymousId, 'anonymousId'],
  ];
  for (const [other, via] of others) {
    if (other === undefined || seen.has(other.id)) continue;
    seen.add(other.id);
    if (isAnonymous(other)) absorb.push(other.id);
    else conflicts.push({ otherLeadId: other.id, cause: `${via} belongs to another known lead` });
  }

  // Attach identifiers the target lacks; never overwrite one it holds (that would silently re-assign a person).
  let setUserId: string | undefined;
  if (claim.userId !== undefined && primary.userId === null) setUserId = claim.userId;
  else if (claim.userId !== undefined && primary.userId !== claim.userId) {
    conflicts.push({ otherLeadId: primary.id, cause: 'userId differs from the one the lead holds' });
  }
  const emailTaken = matches.byEmail !== undefined && matches.byEmail.id !== primary.id;
  const setEmail = claim.email !== undefined && primary.email !== claim.email && !emailTaken ? claim.email : undefined;
  // An anonymous id already held by a lead moves with it (merge) or stays (conflict); only a new one is linked.
  const linkAnonymousId = matches.byAnonymousId === undefined ? claim.anonymousId : undefined;

  return { target: { kind: 'existing', leadId: primary.id }, absorb, conflicts, setUserId, setEmail, linkAnonymousId };
}
