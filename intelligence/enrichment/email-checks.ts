import { domainToASCII } from 'node:url';

/**
 * What can be said of an email address without asking the network: its
 * syntax, and what its domain and local part are known to be. Pure; the
 * email verification provider adds the DNS and SMTP answers.
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

function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

/** The domain and each of its parents, `a.b.c` → `a.b.c`, `b.c`, `c`. */
function domainAndParents(domain: string): string[] {
  const labels = normalizeDomain(domain).split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

const DISPOSABLE_DOMAINS: ReadonlySet<string> = new Set([
  '10minutemail.com', '10minutemail.net', '20minutemail.com', '33mail.com', 'anonbox.net',
  'burnermail.io', 'discard.email', 'dispostable.com', 'dropmail.me', 'emailondeck.com',
  'fakeinbox.com', 'fakemail.net', 'getairmail.com', 'getnada.com', 'nada.email',
  'guerrillamail.biz', 'guerrillamail.com', 'guerrillamail.de', 'guerrillamail.info', 'guerrillamail.net',
  'guerrillamail.org', 'guerrillamailblock.com', 'grr.la', 'sharklasers.com', 'pokemail.net',
  'spam4.me', 'harakirimail.com', 'incognitomail.org', 'inboxkitten.com', 'jetable.org',
  'mailcatch.com', 'maildrop.cc', 'mailinator.com', 'mailinator.net', 'mailinator2.com',
  'mailnesia.com', 'mailnull.com', 'mailsac.com', 'mintemail.com', 'mohmal.com',
  'mytemp.email', 'mytrashmail.com', 'spambox.us', 'spamgourmet.com', 'spamex.com',
  'temp-mail.io', 'temp-mail.org', 'tempail.com', 'tempmail.com', 'tempmail.net',
  'tempmailo.com', 'tempr.email', 'throwawaymail.com', 'trash-mail.com', 'trashmail.com',
  'trashmail.de', 'trashmail.net', 'wegwerfmail.de', 'yopmail.com', 'yopmail.fr',
  'yopmail.net', 'mailpoof.com', 'emailfake.com', 'moakt.com', 'tmail.ws',
]);

/** A domain of a throwaway-inbox service; subdomains count, as those services hand out random ones. */
export function isDisposableDomain(domain: string): boolean {
  return domainAndParents(domain).some((candidate) => DISPOSABLE_DOMAINS.has(candidate));
}

const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'ymail.com', 'rocketmail.com', 'msn.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'aim.com',
  'web.de', 'freenet.de', 't-online.de', 'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me',
  'tutanota.com', 'tuta.io', 'mail.com', 'email.com', 'zoho.com', 'zohomail.com',
  'mail.ru', 'inbox.ru', 'list.ru', 'bk.ru', 'ya.ru', 'rambler.ru',
  'qq.com', '163.com', '126.com', 'yeah.net', 'sina.com', 'naver.com', 'daum.net',
  'orange.fr', 'laposte.net', 'free.fr', 'libero.it', 'virgilio.it', 'wp.pl', 'o2.pl', 'interia.pl',
  'seznam.cz', 'fastmail.com', 'hushmail.com', 'rediffmail.com', 'comcast.net', 'verizon.net', 'att.net',
]);

// Brands with a free mailbox under many country domains: `yahoo.fr`, `hotmail.co.uk`, `gmx.net`.
const FREE_MAIL_BRANDS: ReadonlySet<string> = new Set(['yahoo', 'hotmail', 'outlook', 'live', 'gmx', 'yandex']);
// What may follow a brand: a TLD, or a country's second level (`co.uk`, `com.br`, `co.jp`).
const BRAND_SUFFIX = /^(?:[a-z]{2,}|(?:co|com|ne|net|or|org)\.[a-z]{2})$/;

/**
 * A consumer mailbox provider: the address says nothing of the lead's
 * company. Exact domains only: a subdomain of a provider is its staff or a
 * service, not a consumer mailbox.
 */
export function isFreeMailDomain(domain: string): boolean {
  const normalized = normalizeDomain(domain);
  if (FREE_MAIL_DOMAINS.has(normalized)) return true;
  const dot = normalized.indexOf('.');
  return dot > 0 && FREE_MAIL_BRANDS.has(normalized.slice(0, dot)) && BRAND_SUFFIX.test(normalized.slice(dot + 1));
}

// Compared with dots, hyphens and underscores removed: `no-reply`, `no_reply` and `no.reply` are one name.
const ROLE_NAMES: ReadonlySet<string> = new Set([
  'abuse', 'accounting', 'accounts', 'admin', 'administrator', 'all', 'billing', 'bounce', 'bounces',
  'careers', 'compliance', 'contact', 'contactus', 'customercare', 'customerservice', 'customersupport',
  'devnull', 'donotreply', 'enquiries', 'enquiry', 'everyone', 'feedback', 'finance', 'help', 'hello',
  'hostmaster', 'hr', 'info', 'information', 'inquiries', 'inquiry', 'invoices', 'it', 'jobs', 'legal',
  'mailerdaemon', 'marketing', 'media', 'newsletter', 'noc', 'noreply', 'notifications', 'office', 'orders',
  'partners', 'postmaster', 'press', 'privacy', 'recruiting', 'recruitment', 'root', 'sales', 'security',
  'service', 'staff', 'subscribe', 'support', 'team', 'unsubscribe', 'webmaster',
]);

/** A mailbox of a function rather than a person (`sales`, `no-reply`); a `+tag` is ignored. */
export function isRoleAccount(localPart: string): boolean {
  const plus = localPart.indexOf('+');
  const base = plus < 0 ? localPart : localPart.slice(0, plus);
  return ROLE_NAMES.has(base.trim().toLowerCase().replace(/[._-]/g, ''));
}
