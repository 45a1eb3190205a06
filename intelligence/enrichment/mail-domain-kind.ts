import { domainAndParentsToRegistrable, domainParts } from '../domains/registrable-domain.js';
import { disposableMailDomains, mailboxProviderDomains } from './mail-domain-lists.js';
import { ISP_MAIL_DOMAINS } from './mail-isp-domains.js';

/**
 * What a mail domain says of the person behind an address:
 * - `disposable`: a throwaway inbox, nobody to follow up;
 * - `isp`: a home internet provider's customer mail (btinternet.com, comcast.net);
 * - `free`: a personal mailbox provider (gmail.com, qq.com, gmx.de);
 * - `business`: none of those, so the domain is the sender's organisation's.
 * Only `business` says anything of the lead's company. Pure: the lists are data packages.
 */
export type MailDomainKind = 'free' | 'disposable' | 'isp' | 'business';

export const MAIL_DOMAIN_KINDS: readonly MailDomainKind[] = ['free', 'disposable', 'isp', 'business'];

/**
 * Personal mailbox providers missing from `email-providers`: 4 of the 90 free
 * domains of the labelled set (the country domains of the brands below cover 2 more).
 */
const EXTRA_FREE_DOMAINS: ReadonlySet<string> = new Set(['tutanota.com', 'tuta.io', 'sohu.com', 'fastmail.com']);

/**
 * Corporate domains that `email-providers` lists as mailbox providers: 1 of the 35
 * business domains of the labelled set (bt.com, BT Group's staff mail; its
 * customers' is btinternet.com).
 */
const NOT_MAILBOX_PROVIDERS: ReadonlySet<string> = new Set(['bt.com']);

/**
 * Brands that give free mailboxes under many country domains (`yahoo.co.za`,
 * `hotmail.com.ar`, `gmx.at`): a registrable domain of exactly this label under
 * a country's suffix, or under .com/.net, is theirs.
 */
const FREE_MAIL_BRANDS: ReadonlySet<string> = new Set(['yahoo', 'hotmail', 'outlook', 'live', 'gmx', 'yandex']);

function normalize(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

function isBrandCountryDomain(domain: string): boolean {
  const parts = domainParts(domain);
  if (parts === undefined || parts.registrable !== domain || !parts.icann || !FREE_MAIL_BRANDS.has(parts.label)) return false;
  const topLevel = parts.publicSuffix.slice(parts.publicSuffix.lastIndexOf('.') + 1);
  return topLevel.length === 2 || parts.publicSuffix === 'com' || parts.publicSuffix === 'net';
}

/** The home ISP whose customer mail this is (a subdomain counts), if any. */
export function ispOfMailDomain(domain: string): string | undefined {
  for (const name of domainAndParentsToRegistrable(normalize(domain))) {
    const isp = Object.hasOwn(ISP_MAIL_DOMAINS, name) ? ISP_MAIL_DOMAINS[name] : undefined;
    if (isp !== undefined) return isp;
  }
  return undefined;
}

/** A throwaway-inbox domain; subdomains count, as those services hand out random ones. */
export function isDisposableMailDomain(domain: string): boolean {
  const list = disposableMailDomains();
  return domainAndParentsToRegistrable(normalize(domain)).some((name) => list.has(name));
}

/**
 * A personal mailbox provider's own domain. Exact domains only: a subdomain of
 * a provider (`mail.gmail.com`) is its staff or a service, not a consumer mailbox.
 */
export function isFreeMailProviderDomain(domain: string): boolean {
  const normalized = normalize(domain);
  if (NOT_MAILBOX_PROVIDERS.has(normalized)) return false;
  return EXTRA_FREE_DOMAINS.has(normalized) || mailboxProviderDomains().has(normalized) || isBrandCountryDomain(normalized);
}

/**
 * The verdict, in this order: our ISP list first (the provider lists file ISPs
 * as free mail, and a few disposable lists carry ISP domains), then the
 * disposable list (the provider list also carries throwaway services), then
 * the provider list.
 */
export function mailDomainKind(domain: string): MailDomainKind {
  if (ispOfMailDomain(domain) !== undefined) return 'isp';
  if (isDisposableMailDomain(domain)) return 'disposable';
  if (isFreeMailProviderDomain(domain)) return 'free';
  return 'business';
}
