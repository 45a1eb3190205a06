import { organizationNameKey } from '../ip/network-companies.js';

/** A company as a `group` call describes it; tenant records are keyed by domain. */
export interface CompanyFacts {
  readonly domain: string;
  readonly name?: string;
  readonly nameKey?: string;
  readonly industry?: string;
  readonly employees?: number;
  readonly country?: string;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** `acme.com`, `https://www.acme.com/about` and `WWW.Acme.com` all give `acme.com`; anything else, undefined. */
export function domainOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  let host = value.trim().toLowerCase();
  if (host.includes('/')) {
    try {
      host = new URL(host.includes('://') ? host : `https://${host}`).hostname;
    } catch {
      return undefined;
    }
  }
  host = host.replace(/^www\./, '').replace(/\.$/, '');
  return DOMAIN.test(host) ? host : undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 200) : undefined);

/**
 * The company of a Segment `group` call: its domain from `traits.domain`,
 * `traits.website` or an email-style `groupId`, plus the firmographics
 * Segment's spec names. Without a domain there is no company record to key.
 */
export function companyOfGroup(groupId: string | undefined, traits: Record<string, unknown>): CompanyFacts | undefined {
  const domain = domainOf(traits['domain']) ?? domainOf(traits['website']) ?? domainOf(groupId);
  if (domain === undefined) return undefined;
  const name = text(traits['name']);
  const employees = typeof traits['employees'] === 'number' ? traits['employees'] : Number(traits['employees']);
  return {
    domain,
    name,
    nameKey: name === undefined ? undefined : organizationNameKey(name),
    industry: text(traits['industry']),
    employees: Number.isSafeInteger(employees) && employees >= 0 ? employees : undefined,
    country: text(traits['country']) ?? text((traits['address'] as Record<string, unknown> | undefined)?.['country']),
  };
}
