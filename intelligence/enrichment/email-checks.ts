import { domainToASCII } from 'node:url';
import { mailDomainKind } from './mail-domain-kind.js';
import { mailboxKind } from './mail-mailbox-kind.js';

/**
 * What can be said of an email address without asking the network: its
 * syntax, and what its domain and local part are known to be (from the
 * maintained lists behind `mail-domain-kind.ts` and `mail-mailbox-kind.ts`).
 * Pure; the email verification provider adds the DNS and SMTP answers.
 */

export type EmailSyntaxError =
  | 'missing-at'
  | 'too-long'
  | 'local-part-empty'
  | 'local-part-too-long'
  | 'local-part-invalid'
  | 'domain-too-long'
  | 'domain-invalid';

export type EmailSyntax =
  | {
      readonly valid: true;
      readonly localPart: string;
      /** Lower-case ASCII (an IDN domain in its punycode form), the form DNS is asked about. */
      readonly domain: string;
    }
  | { readonly valid: false; readonly reason: EmailSyntaxError };

// RFC 5321 §4.5.3.1: a path is at most 256 octets with its angle brackets.
const MAX_ADDRESS = 254;
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 253;
// A dot-atom (RFC 5322 §3.2.3). Quoted local parts and UTF-8 mailboxes (RFC 6531) are left out:
// legal, but almost never a real lead's address, and unsafe to hand to systems that do not expect them.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// Outside letters, digits, hyphens and dots, only non-ASCII may reach the IDN conversion, which would
// otherwise cut a domain at a `/` or turn `0x7f.1` into an address.
const IDN_INPUT = /^[A-Za-z0-9.\-\P{ASCII}]+$/u;

function asciiDomain(domain: string): string | undefined {
  if (!IDN_INPUT.test(domain)) return undefined;
  if (/^\p{ASCII}*$/u.test(domain)) return domain.toLowerCase();
  return domainToASCII(domain) || undefined;
}

function isValidDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2) return false; // a bare host name is not a mail domain on the internet
  if (!labels.every((label) => LDH_LABEL.test(label))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] ?? ''); // an all-numeric TLD is an IP address
}

/** A practical subset of RFC 5321/5322: dot-atom local part, host-name domain (IDN allowed), no address literals. */
export function checkEmailSyntax(email: string): EmailSyntax {
  const at = email.lastIndexOf('@');
  if (at < 0) return { valid: false, reason: 'missing-at' };
  const localPart = email.slice(0, at);
  const rawDomain = email.slice(at + 1);
  if (localPart.length === 0) return { valid: false, reason: 'local-part-empty' };
  if (localPart.length > MAX_LOCAL_PART) return { valid: false, reason: 'local-part-too-long' };
  if (!DOT_ATOM.test(localPart)) return { valid: false, reason: 'local-part-invalid' };
  const domain = asciiDomain(rawDomain);
  if (domain === undefined) return { valid: false, reason: 'domain-invalid' };
  if (domain.length > MAX_DOMAIN) return { valid: false, reason: 'domain-too-long' };
  if (!isValidDomain(domain)) return { valid: false, reason: 'domain-invalid' };
  if (localPart.length + 1 + domain.length > MAX_ADDRESS) return { valid: false, reason: 'too-long' };
  return { valid: true, localPart, domain };
}

/**
 * A throwaway-inbox domain (subdomains count). See `mail-domain-kind.ts`; an ISP
 * domain a disposable list also carries is an ISP's, not disposable.
 */
export function isDisposableDomain(domain: string): boolean {
  return mailDomainKind(domain) === 'disposable';
}

/**
 * A personal mailbox, free webmail or a home ISP's: the address says nothing
 * of the lead's company. Exact domains only for webmail: a subdomain of a
 * provider is its staff or a service, not a consumer mailbox.
 */
export function isFreeMailDomain(domain: string): boolean {
  const kind = mailDomainKind(domain);
  return kind === 'free' || kind === 'isp';
}

/** A mailbox of a function rather than a person (`sales`, `no-reply`); a `+tag` is ignored. */
export function isRoleAccount(localPart: string): boolean {
  return mailboxKind(localPart) === 'role';
}
