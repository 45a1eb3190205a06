/**
 * What enrichment can ask about a lead, from what the lead holds. Pure: the
 * reads that gather a lead's email, company and last address live with the
 * activities.
 */
import { domainOf } from '../companies/group-company.js';
import { registrableDomain } from '../domains/registrable-domain.js';
import { isPublicUnicast } from '../../platform/outbound/address-policy.js';
import { checkEmailSyntax } from './email-checks.js';
import type { EnrichmentSubject } from './enrichment-types.js';
import { mailDomainKind } from './mail-domain-kind.js';

export interface LeadIdentifiers {
  readonly email: string | null;
  readonly traits: Readonly<Record<string, unknown>>;
  /** The domain of the lead's company record, when it has one. */
  readonly companyDomain: string | null;
  /** The address of the lead's latest session, as stored (it may be masked or absent). */
  readonly lastIp: string | null;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

function nameOf(traits: Readonly<Record<string, unknown>>): string | undefined {
  const whole = text(traits['name']);
  if (whole !== undefined) return whole;
  const parts = [text(traits['firstName']) ?? text(traits['first_name']), text(traits['lastName']) ?? text(traits['last_name'])];
  const joined = parts.filter((p) => p !== undefined).join(' ');
  return joined === '' ? undefined : joined;
}

/**
 * The subject, or undefined when nothing in it can be looked up: an email
 * (even a malformed one: verification says so, which is an answer), a
 * company domain (the company's, else the email's when it is a business
 * domain: a webmail, home-ISP or throwaway domain says nothing about an
 * employer), or a public address.
 * A name alone identifies nobody.
 */
export function subjectOfLead(lead: LeadIdentifiers): EnrichmentSubject | undefined {
  const email = text(lead.email);
  const syntax = email === undefined ? undefined : checkEmailSyntax(email);
  // Only a business domain names an employer, and the employer is its registrable domain (`eu.acme.co.uk` → `acme.co.uk`).
  const emailDomain = syntax?.valid === true && mailDomainKind(syntax.domain) === 'business' ? (registrableDomain(syntax.domain) ?? syntax.domain) : undefined;
  const domain = domainOf(lead.companyDomain) ?? emailDomain;
  const ip = lead.lastIp !== null && isPublicUnicast(lead.lastIp) ? lead.lastIp : undefined;
  if (email === undefined && domain === undefined && ip === undefined) return undefined;
  const name = nameOf(lead.traits);
  return {
    ...(email === undefined ? {} : { email }),
    ...(domain === undefined ? {} : { domain }),
    ...(ip === undefined ? {} : { ip }),
    ...(name === undefined ? {} : { name }),
  };
}
