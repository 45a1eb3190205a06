/**
 * Whether automatic enrichment that a visitor's call set off may run: the
 * tenant's policy applied to what the lead holds, what the day has spent and
 * what this visitor had today. Pure: the caller reads the counts under a lock
 * and writes the decisions.
 */
import type { LeadFacts } from '../leads/lead-facts.js';
import { problemTextWithPath } from '../../platform/outcome.js';
import { matchesSegment } from '../segments/evaluate-segment.js';
import { eventNamesOf, lookbackMsOf, parseSegmentRule, type SegmentRule } from '../segments/segment-rule.js';
import { checkEmailSyntax, isDisposableDomain, isFreeMailDomain, isRoleAccount } from './email-checks.js';

export interface AutomaticEnrichmentPolicy {
  /** Only addresses at a business domain: no free-mail, disposable or role addresses. */
  readonly businessOnly: boolean;
  /** Credits automatic enrichment may hold and spend a UTC day; null: no cap. */
  readonly dailyCreditCap: number | null;
  /** Automatic enrichments a day per visitor (anonymous id) and per lead. */
  readonly perVisitorDaily: number;
}

export interface AutomaticCandidate {
  readonly leadId: string;
  readonly anonymousId: string | undefined;
  readonly email: string | null;
  readonly companyDomain: string | null;
  /** The most the job can cost: the prices of the metered providers of the waterfall. */
  readonly maxCredits: number;
}

export interface AutomaticDay {
  /** Credits today's automatic jobs spent (finished) or hold (still to run). */
  readonly creditsHeld: number;
  /** Today's admitted automatic jobs by anonymous id and by lead. */
  readonly byVisitor: ReadonlyMap<string, number>;
  readonly byLead: ReadonlyMap<string, number>;
}

export type AutomaticDecision =
  | { readonly leadId: string; readonly kind: 'admit'; readonly reservedCredits: number }
  | { readonly leadId: string; readonly kind: 'skip'; readonly reason: string };

/** Why an address is not a business one, or undefined when it is. */
export function notBusinessReason(email: string | null, companyDomain: string | null): string | undefined {
  if (email !== null && email.trim() !== '') {
    const syntax = checkEmailSyntax(email.trim());
    if (!syntax.valid) return 'the email address is not valid';
    if (isFreeMailDomain(syntax.domain)) return 'a free-mail address';
    if (isDisposableDomain(syntax.domain)) return 'a disposable address';
    if (isRoleAccount(syntax.localPart)) return 'a role address, not a person';
    return undefined;
  }
  if (companyDomain !== null && (isFreeMailDomain(companyDomain) || isDisposableDomain(companyDomain))) return 'the company domain is a mail provider';
  return undefined;
}

/** Decides the candidates in order; each admitted one counts against the next. */
export function decideAutomatic(policy: AutomaticEnrichmentPolicy, day: AutomaticDay, candidates: readonly AutomaticCandidate[]): AutomaticDecision[] {
  let held = day.creditsHeld;
  const byVisitor = new Map(day.byVisitor);
  const byLead = new Map(day.byLead);
  return candidates.map((candidate): AutomaticDecision => {
    const skip = (reason: string): AutomaticDecision => ({ leadId: candidate.leadId, kind: 'skip', reason });
    if (policy.businessOnly) {
      const reason = notBusinessReason(candidate.email, candidate.companyDomain);
      if (reason !== undefined) return skip(`AUTO_ENRICH_POLICY: ${reason} (business addresses only)`);
    }
    const visitorCount = candidate.anonymousId === undefined ? 0 : (byVisitor.get(candidate.anonymousId) ?? 0);
    const leadCount = byLead.get(candidate.leadId) ?? 0;
    if (Math.max(visitorCount, leadCount) >= policy.perVisitorDaily) {
      return skip(`AUTO_ENRICH_VISITOR_LIMIT: this visitor had ${policy.perVisitorDaily} automatic enrichments today`);
    }
    if (policy.dailyCreditCap !== null && held + candidate.maxCredits > policy.dailyCreditCap) {
      return skip(`AUTO_ENRICH_DAILY_CAP: ${held} of the ${policy.dailyCreditCap} credits a day for automatic enrichment are used or held; this job may cost ${candidate.maxCredits}`);
    }
    held += candidate.maxCredits;
    if (candidate.anonymousId !== undefined) byVisitor.set(candidate.anonymousId, visitorCount + 1);
    byLead.set(candidate.leadId, leadCount + 1);
    return { leadId: candidate.leadId, kind: 'admit', reservedCredits: candidate.maxCredits };
  });
}

/**
 * The tenant's rule for automatic enrichment, in the segment rule language:
 * none (every lead the rest of the policy admits), a rule, or a stored rule
 * this release cannot read (the language changed under it), which admits
 * nothing: an unreadable rule must not turn into "enrich everyone".
 */
export type AutomaticRule =
  | { readonly kind: 'none' }
  | { readonly kind: 'rule'; readonly rule: SegmentRule }
  | { readonly kind: 'unreadable'; readonly reason: string };

export function automaticRuleOf(stored: unknown): AutomaticRule {
  if (stored === null || stored === undefined) return { kind: 'none' };
  const parsed = parseSegmentRule(stored);
  if (parsed.ok) return { kind: 'rule', rule: parsed.value };
  const { problem } = parsed;
  return { kind: 'unreadable', reason: problemTextWithPath(problem) };
}

/** The events the rule looks at: these names, this far back (none without a rule). */
export function ruleEventNeeds(rule: AutomaticRule): { readonly names: string[]; readonly lookbackMs: number } {
  return rule.kind === 'rule' ? { names: eventNamesOf(rule.rule), lookbackMs: lookbackMsOf(rule.rule) } : { names: [], lookbackMs: 0 };
}

/** Whether the lead, as scoring left it (`facts.score` is its score now), may be enriched automatically. */
export function ruleAdmits(rule: AutomaticRule, facts: LeadFacts | undefined, now: Date): boolean {
  if (rule.kind === 'none') return true;
  if (rule.kind === 'unreadable' || facts === undefined) return false;
  return matchesSegment(rule.rule, facts, now);
}
