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
import type { TenantSql } from '../../platform/postgres/tenant-sql.js';
import { upsertCompanies } from './company-records.js';

const COMPANY_FACTS_OF = `select id, domain, name, industry, employees, revenue, country, mail_provider as "mailProvider",
  dmarc_policy as "dmarcPolicy", tech_stack as "techStack", saas from {t}.companies where id = any($1)`;

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
  sql: TenantSql,
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
      : new Set(
          (
            await sql.query<{ id: string }>(
              `select l.id from {t}.leads l where l.id = any($1)
                  and exists (select 1 from {t}.sessions s where s.lead_id = l.id and s.company_id = l.company_id)`,
              [unexplained.map((lead) => lead.id)],
            )
          ).map((row) => row.id),
        );
  const decisions = business.flatMap((lead) => {
    const held = heldCompanies.get(lead.id);
    const decision = decisionFor(lead, held === undefined ? undefined : { ...held, onNetwork: onNetwork.has(lead.id) });
    return decision === undefined ? [] : [decision];
  });
  if (decisions.length === 0) return new Map();
  const created = decisions.filter((d) => d.link.source === 'email' && d.link.domain !== d.currentDomain);
  await upsertCompanies(
    sql,
    created.map((d) => ({ domain: d.link.domain })),
    { source: 'email', confidence: BUSINESS_EMAIL_CONFIDENCE },
  );
  // Lead rows locked in id order, without the key, as the evaluation's own write locks them; a lead whose company moved since is skipped.
  const written = await sql.query<{ id: string; companyId: string; changed: boolean }>(
    `with v as (select * from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[]) as v(id, domain, current_domain, link)),
     locked as (
       select l.id, l.company_id as previous from {t}.leads l join v on v.id = l.id
         left join {t}.companies c on c.id = l.company_id
        where l.merged_into is null and c.domain is not distinct from v.current_domain
        order by l.id for no key update of l)
     update {t}.leads l set
       company_id = coalesce((select n.id from {t}.companies n where n.domain = v.domain), l.company_id),
       company_link = v.link, updated_at = now()
       from v join locked on locked.id = v.id
      where l.id = v.id
      returning l.id, l.company_id as "companyId", l.company_id is distinct from locked.previous as changed`,
    [
      decisions.map((d) => d.leadId),
      decisions.map((d) => d.link.domain),
      decisions.map((d) => d.currentDomain),
      decisions.map((d) => JSON.stringify(d.link)),
    ],
  );
  const moved = written.filter((r) => r.changed);
  if (moved.length === 0) return new Map();
  // The record may already hold facts (another lead of the company was enriched): rules see them now.
  const companies = await sql.query<CompanyFacts & { id: string }>(COMPANY_FACTS_OF, [[...new Set(moved.map((r) => r.companyId))]]);
  const byId = new Map(companies.map(({ id, ...facts }) => [id, facts]));
  const result = new Map<string, CompanyFacts>();
  for (const row of moved) {
    const facts = byId.get(row.companyId);
    if (facts !== undefined) result.set(row.id, facts);
  }
  return result;
}
