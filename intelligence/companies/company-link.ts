/**
 * Which company a lead belongs to, from every piece of evidence there is,
 * and why. Pure: the enrichment activities gather the evidence (the lead's
 * email, its current link, what providers answered) and write the decision.
 *
 * Evidence for the same domain corroborates (confidences combine as
 * independent signals: 1 - Π(1 - c)); the domain with the highest combined
 * confidence wins, and a tie keeps the company the lead already has, so a
 * link does not flip back and forth between equal claims.
 */
import { checkEmailSyntax } from '../enrichment/email-checks.js';
import { mailDomainKind } from '../enrichment/mail-domain-kind.js';
import { registrableDomain } from '../domains/registrable-domain.js';
import { domainOf } from './group-company.js';

/**
 * Where the evidence came from:
 * - `group`: the tenant's own app said so (a Segment `group` call);
 * - `dataset`: the tenant's imported companies (`importCompanies`) hold the domain;
 * - `email`: the registrable domain of the lead's business email;
 * - `network`: the organisation whose own network the lead visited from;
 * - `vendor`: a configured enrichment vendor named the company;
 * - `enrichment`: another built-in provider named it.
 */
export type CompanyLinkSource = 'group' | 'dataset' | 'email' | 'network' | 'vendor' | 'enrichment';

export interface CompanyEvidence {
  readonly domain: string;
  readonly source: CompanyLinkSource;
  /** 0 to 1. */
  readonly confidence: number;
  /** What the evidence is, in words: `business email jane@stripe.com`. */
  readonly detail: string;
}

export interface CompanyLinkAlternative {
  readonly domain: string;
  readonly source: CompanyLinkSource;
  readonly confidence: number;
  readonly detail: string;
}

/** The decision, as it is stored with the lead (`leads.company_link`) and shown as `Lead.companyLink`. */
export interface CompanyLink {
  readonly domain: string;
  /** The strongest evidence for the chosen domain. */
  readonly source: CompanyLinkSource;
  /** The combined confidence of every piece of evidence for the domain. */
  readonly confidence: number;
  /** The strongest evidence's own confidence: what the link weighs when it is evidence again. */
  readonly sourceConfidence: number;
  readonly reason: string;
  /** The evidence for the chosen domain beyond the strongest, and every other domain's, strongest first. */
  readonly alternatives: readonly CompanyLinkAlternative[];
}

/** Said by the tenant's own app about its own user: the strongest evidence there is short of a person's word. */
export const GROUP_CONFIDENCE = 0.95;
/** A business email's domain is its owner's employer, but a contractor or an agency writes from its own. */
export const BUSINESS_EMAIL_CONFIDENCE = 0.9;
/** The tenant imported the company: its word about an account it sells to. */
export const DATASET_CONFIDENCE = 0.9;
/** A business network's owner is probably, not certainly, the visitor's employer (a guest, a shared office). */
export const NETWORK_CONFIDENCE = 0.6;

const SOURCE_RANK: Readonly<Record<CompanyLinkSource, number>> = { group: 6, dataset: 5, email: 4, vendor: 3, enrichment: 2, network: 1 };

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** The employer an email names: its registrable domain when it is business mail; never a free, disposable or ISP domain. */
export function emailCompanyEvidence(email: string | null | undefined): CompanyEvidence | undefined {
  if (typeof email !== 'string' || email.trim() === '') return undefined;
  const syntax = checkEmailSyntax(email.trim());
  if (!syntax.valid) return undefined;
  const kind = mailDomainKind(syntax.domain);
  if (kind !== 'business') return undefined;
  const domain = domainOf(registrableDomain(syntax.domain) ?? syntax.domain);
  return domain === undefined ? undefined : { domain, source: 'email', confidence: BUSINESS_EMAIL_CONFIDENCE, detail: `business email domain ${syntax.domain}` };
}

/** The kind of evidence a provider's `company.domain` is. */
export function sourceOfProvider(providerId: string): CompanyLinkSource {
  if (providerId === 'tenant-dataset') return 'dataset';
  if (providerId === 'ip-organization' || providerId === 'ip-network') return 'network';
  if (providerId.startsWith('vendor:')) return 'vendor';
  return 'enrichment';
}

/** A link held before, as evidence again: it keeps its source and confidence (its alternatives are re-gathered, not carried). */
export function heldLinkEvidence(link: CompanyLink): CompanyEvidence {
  // Its own weight, not the combined one: the corroboration is gathered again, and counting it twice would inflate the link job by job.
  return { domain: link.domain, source: link.source, confidence: link.sourceConfidence, detail: 'the link held' };
}

/** What a lead's current company says of itself: its domain, its stored link, whether a visit's network gave it. */
export interface HeldCompany {
  readonly domain: string | null;
  /** `leads.company_link` as stored (null when ingestion linked the company). */
  readonly link: unknown;
  /** One of the lead's sessions came from this company's network. */
  readonly onNetwork: boolean;
}

/**
 * The lead's company as evidence: its stored link when it is about this
 * company, else what ingestion links by (it records no link): a visit's
 * network when one of the lead's sessions came from that company, else a
 * `group` call. A company without a domain is no evidence.
 */
export function heldCompanyEvidence(held: HeldCompany): CompanyEvidence | undefined {
  const domain = domainOf(held.domain);
  if (domain === undefined) return undefined;
  const link = companyLinkOf(held.link);
  if (link !== undefined && link.domain === domain) return heldLinkEvidence(link);
  return held.onNetwork
    ? { domain, source: 'network', confidence: NETWORK_CONFIDENCE, detail: 'the network of a visit' }
    : { domain, source: 'group', confidence: GROUP_CONFIDENCE, detail: 'a group call' };
}

/**
 * What is known of a lead's company before asking anyone: its current
 * company and its email. A held link that came from an email the lead no
 * longer has is no evidence: the new email speaks for itself.
 */
export function evidenceOfLead(held: HeldCompany | undefined, email: string | null): CompanyEvidence[] {
  const fromEmail = emailCompanyEvidence(email);
  const kept = held === undefined ? undefined : heldCompanyEvidence(held);
  const stale = kept !== undefined && kept.source === 'email' && kept.domain !== fromEmail?.domain;
  return [...(kept === undefined || stale ? [] : [kept]), ...(fromEmail === undefined ? [] : [fromEmail])];
}

interface Candidate {
  readonly domain: string;
  readonly confidence: number;
  readonly evidence: readonly CompanyEvidence[];
}

const strongestFirst = (a: CompanyEvidence, b: CompanyEvidence): number =>
  b.confidence - a.confidence || SOURCE_RANK[b.source] - SOURCE_RANK[a.source] || a.domain.localeCompare(b.domain);

function describe(evidence: CompanyEvidence): string {
  return `${evidence.domain} from ${evidence.source} (${evidence.detail}) at ${round(evidence.confidence)}`;
}

/**
 * The company the evidence points at, or undefined when there is none.
 * `current`: the domain of the lead's company now, which wins a tie.
 */
export function decideCompanyLink(evidence: readonly CompanyEvidence[], current?: string): CompanyLink | undefined {
  const usable = evidence.filter((e) => Number.isFinite(e.confidence) && e.confidence > 0 && domainOf(e.domain) === e.domain);
  if (usable.length === 0) return undefined;
  const byDomain = new Map<string, CompanyEvidence[]>();
  for (const e of usable) {
    // The same source twice for a domain (a held link and its fresh evidence) is one signal, at its strongest; on a tie the later (fresher) one.
    const list = byDomain.get(e.domain) ?? [];
    const same = list.findIndex((other) => other.source === e.source);
    if (same < 0) list.push(e);
    else if (e.confidence >= (list[same]?.confidence ?? 0)) list[same] = e;
    byDomain.set(e.domain, list);
  }
  const candidates: Candidate[] = [...byDomain].map(([domain, list]) => ({
    domain,
    confidence: round(1 - list.reduce((doubt, e) => doubt * (1 - Math.min(e.confidence, 1)), 1)),
    evidence: [...list].sort(strongestFirst),
  }));
  candidates.sort((a, b) => {
    const byConfidence = b.confidence - a.confidence;
    if (byConfidence !== 0) return byConfidence;
    if (a.domain === current) return -1;
    if (b.domain === current) return 1;
    return SOURCE_RANK[b.evidence[0]?.source ?? 'network'] - SOURCE_RANK[a.evidence[0]?.source ?? 'network'] || a.domain.localeCompare(b.domain);
  });
  const [winner, ...losers] = candidates;
  if (winner === undefined) return undefined;
  const [strongest, ...corroborating] = winner.evidence;
  if (strongest === undefined) return undefined;
  const losing = losers.flatMap((c) => c.evidence);
  const reasonParts = [`${describe(strongest)}`];
  if (corroborating.length > 0) reasonParts.push(`corroborated by ${corroborating.map((e) => `${e.source} (${round(e.confidence)})`).join(', ')}: ${winner.confidence}`);
  const runnerUp = losers[0];
  if (runnerUp !== undefined) {
    const beat = runnerUp.confidence === winner.confidence ? 'ties with' : 'beats';
    const how = beat === 'ties with' ? '; the company already linked stays' : '';
    reasonParts.push(`${beat} ${runnerUp.domain} from ${runnerUp.evidence.map((e) => e.source).join(' and ')} at ${runnerUp.confidence}${how}`);
  }
  return {
    domain: winner.domain,
    source: strongest.source,
    confidence: winner.confidence,
    sourceConfidence: round(strongest.confidence),
    reason: reasonParts.join('; '),
    alternatives: [...corroborating, ...losing].sort(strongestFirst).map((e) => ({ domain: e.domain, source: e.source, confidence: round(e.confidence), detail: e.detail })),
  };
}

/** A stored link read back (jsonb): undefined when it is not one. */
export function companyLinkOf(value: unknown): CompanyLink | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const link = value as Record<string, unknown>;
  const domain = domainOf(link['domain']);
  const source = link['source'];
  const confidence = link['confidence'];
  if (domain === undefined || typeof confidence !== 'number' || typeof source !== 'string' || !(source in SOURCE_RANK)) return undefined;
  const alternatives = Array.isArray(link['alternatives']) ? link['alternatives'] : [];
  const sourceConfidence = link['sourceConfidence'];
  return {
    domain,
    source: source as CompanyLinkSource,
    confidence,
    sourceConfidence: typeof sourceConfidence === 'number' ? sourceConfidence : confidence,
    reason: typeof link['reason'] === 'string' ? link['reason'] : '',
    alternatives: alternatives.flatMap((a): CompanyLinkAlternative[] => {
      if (a === null || typeof a !== 'object') return [];
      const alt = a as Record<string, unknown>;
      const altDomain = domainOf(alt['domain']);
      const altSource = alt['source'];
      if (altDomain === undefined || typeof altSource !== 'string' || !(altSource in SOURCE_RANK) || typeof alt['confidence'] !== 'number') return [];
      return [{ domain: altDomain, source: altSource as CompanyLinkSource, confidence: alt['confidence'], detail: typeof alt['detail'] === 'string' ? alt['detail'] : '' }];
    }),
  };
}
