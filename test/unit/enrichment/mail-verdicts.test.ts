import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ispOfMailDomain, mailDomainKind, MAIL_DOMAIN_KINDS, type MailDomainKind } from '../../../intelligence/enrichment/mail-domain-kind.js';
import { mailboxKind, type MailboxKind } from '../../../intelligence/enrichment/mail-mailbox-kind.js';

/** Rows of a labelled CSV (header first; the last column, the source, may hold anything but a line break). */
function labelled(file: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8').trim().split('\n');
  const columns = (header ?? '').split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    const head = cells.slice(0, columns.length - 1);
    return Object.fromEntries(columns.map((column, i) => [column, i < columns.length - 1 ? head[i] ?? '' : cells.slice(columns.length - 1).join(',')]));
  });
}

const domains = labelled('mail-domains.csv');
const mailboxes = labelled('mailbox-names.csv');

describe('the labelled sets', () => {
  it('are large enough and cover every kind and continent', () => {
    expect(domains.length).toBeGreaterThanOrEqual(150);
    expect(mailboxes.length).toBeGreaterThanOrEqual(60);
    expect(new Set(domains.map((row) => row['kind']))).toEqual(new Set(MAIL_DOMAIN_KINDS));
    const freeRegions = new Set(domains.filter((row) => row['kind'] === 'free').map((row) => row['region']));
    for (const region of ['north-america', 'south-america', 'europe', 'africa', 'asia', 'oceania']) expect(freeRegions).toContain(region);
    expect(domains.every((row) => (row['source'] ?? '').length > 0)).toBe(true);
    expect(new Set(domains.map((row) => row['domain'])).size).toBe(domains.length);
  });
});

describe('mailDomainKind', () => {
  it.each(domains.map((row) => [row['domain'] ?? '', row['kind'] as MailDomainKind, row['source'] ?? '']))('%s is %s (%s)', (domain, kind) => {
    expect(mailDomainKind(domain)).toBe(kind);
  });

  it.each([
    ['GMAIL.com.', 'free', 'case and a trailing dot'],
    ['nc.rr.com', 'isp', "a Road Runner region's customer mail"],
    ['jcom.home.ne.jp', 'isp', "J:COM's customer mail under its ISP domain"],
    ['abc123.mailinator.com', 'disposable', 'a random subdomain of a throwaway service'],
    ['mail.gmail.com', 'business', "a provider's own subdomain is not a consumer mailbox"],
    ['yahoo.acme.com', 'business', 'a brand name as a subdomain of someone else'],
    ['mailinator.com.evil.io', 'business', 'a listed name as a subdomain of another domain'],
    ['yahoo.co.za', 'free', "a brand's country domain"],
    ['hotmail.com.ar', 'free', "a brand's country domain under a country's second level"],
    ['yahoo.xyz', 'business', 'a brand label under a generic TLD the brand has no mail on'],
    ['acme.co.uk', 'business', "a company under a country's second level"],
  ] as const)('%s is %s: %s', (domain, kind, _why) => {
    expect(mailDomainKind(domain)).toBe(kind);
  });

  it('names the ISP, so a reviewer can check the entry', () => {
    expect(ispOfMailDomain('btinternet.com')).toBe('BT');
    expect(ispOfMailDomain('sbcglobal.net')).toBe('AT&T (SBC)');
    expect(ispOfMailDomain('gmail.com')).toBeUndefined();
    expect(ispOfMailDomain('constructor')).toBeUndefined();
  });
});

describe('mailboxKind', () => {
  it.each(mailboxes.map((row) => [row['localPart'] ?? '', row['kind'] as MailboxKind, row['source'] ?? '']))('%j is %s (%s)', (localPart, kind) => {
    expect(mailboxKind(localPart)).toBe(kind);
  });

  it.each([
    ['Sales', 'role'],
    ['no_reply', 'role'],
    ['no.reply', 'role'],
    ['sales+leads', 'role'],
    ['jane+sales', 'person'],
    ['', 'person'],
  ] as const)('%j is %s', (localPart, kind) => {
    expect(mailboxKind(localPart)).toBe(kind);
  });
});
