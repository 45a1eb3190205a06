/**
 * A lead identified by a business email belongs to the company of its
 * domain at once, without waiting for enrichment (which may be off, capped or
 * out of credits): the evaluation that follows every write links it before
 * scoring, so the default "Company identified" rule sees the company on the
 * same evaluation. A lead that has a company already keeps it unless the
 * email is the stronger evidence (a visit's network is weaker, a `group`
 * call stronger: decideCompanyLink), and the decision is stored with its
 * reason either way.
 *
 * Set-based: leads without an email, or with free, disposable or ISP mail,
 * cost a pure check; a decision to write costs three to five statements,
 * once per lead (a stored link is not decided again until the evidence changes).
 */
import {
  BUSINESS_EMAIL_CONFIDENCE,
  companyLinkOf,
  decideCompanyLink,
  emailCompanyEvidence,
  evidenceOfLead,
  type CompanyLink,
  type HeldCompany,
} from '../../intelligence/companies/company-link.js';
import type { CompanyFacts, LeadFacts } from '../../intelligence/leads/lead-facts.js';
import type { HeldCompanyLink } from '../lead-changes/evaluation-inputs.reader.js';
import type { TenantDb } from '../../tenants/tenant-db.js';
import { leadsWithCompanyOfASession, writeCompanyLinks } from '../leads/leads.repository.js';
import { companyFactsByIds } from './companies.repository.js';
import { upsertCompanies } from './company-records.js';

interface Decision {
  readonly leadId: string;
  readonly link: CompanyLink;
  /** The lead's company domain the decision was made against (null: none); the write applies only while it still holds. */
  readonly currentDomain: string | null;
}

/** What to write for one lead, or undefined when its stored link already says it. */
function decisionFor(lead: LeadFacts, held: HeldCompany | undefined): Decision | undefined {
  const email = emailCompanyEvidence(lead.email);
  if (email === undefined) return undefined;
  if (lead.company === null) {
    const link = decideCompanyLink([email]);
    return link === undefined ? undefined : { leadId: lead.id, link, currentDomain: null };
  }
  const currentDomain = lead.company.domain;
  const link = decideCompanyLink(evidenceOfLead(held, lead.email), currentDomain ?? undefined);
  if (link === undefined) return undefined;
  const stored = companyLinkOf(held?.link);
  // Already linked and explained: nothing to write (the evaluation of a known visitor's page view stays a read).
  if (link.domain === currentDomain && stored !== undefined && stored.domain === currentDomain) return undefined;
  return { leadId: lead.id, link, currentDomain };
}

/**
 * Links or re-links these leads by their business email, as decided against
 * their current company. Returns the company facts of the leads whose company
 * changed, by lead id; a lead another writer changed meanwhile is left as it is.
 */
export async function linkEmailCompanies(
  db: TenantDb,
  leads: readonly LeadFacts[],
  heldCompanies: ReadonlyMap<string, HeldCompanyLink>,
): Promise<Map<string, CompanyFacts>> {
  const business = leads.filter((lead) => emailCompanyEvidence(lead.email) !== undefined);
  if (business.length === 0) return new Map();
  // Whether a visit's network gave the company matters only while no link of this company is stored: asked once, for those.
  const unexplained = business.filter((lead) => lead.company !== null && companyLinkOf(heldCompanies.get(lead.id)?.link)?.domain !== lead.company.domain);
  const onNetwork =
    unexplained.length === 0
      ? new Set<string>()
      : await leadsWithCompanyOfASession(
          db,
          unexplained.map((lead) => lead.id),
        );
  const decisions = business.flatMap((lead) => {
    const held = heldCompanies.get(lead.id);
    const decision = decisionFor(lead, held === undefined ? undefined : { ...held, onNetwork: onNetwork.has(lead.id) });
    return decision === undefined ? [] : [decision];
  });
  if (decisions.length === 0) return new Map();
  const created = decisions.filter((d) => d.link.source === 'email' && d.link.domain !== d.currentDomain);
  await upsertCompanies(
    db,
    created.map((d) => ({ domain: d.link.domain })),
    { source: 'email', confidence: BUSINESS_EMAIL_CONFIDENCE },
  );
  const written = await writeCompanyLinks(
    db,
    decisions.map((d) => ({ leadId: d.leadId, domain: d.link.domain, currentDomain: d.currentDomain, link: JSON.stringify(d.link) })),
  );
  const moved = written.filter((r) => r.changed);
  if (moved.length === 0) return new Map();
  // The record may already hold facts (another lead of the company was enriched): rules see them now.
  const companies = await companyFactsByIds(db, [...new Set(moved.map((r) => r.companyId))]);
  const byId = new Map(companies.map(({ id, ...facts }) => [id, facts]));
  const result = new Map<string, CompanyFacts>();
  for (const row of moved) {
    const facts = byId.get(row.companyId);
    if (facts !== undefined) result.set(row.id, facts);
  }
  return result;
}
