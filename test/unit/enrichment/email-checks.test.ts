import { describe, expect, it } from 'vitest';
import {
  checkEmailSyntax,
  isDisposableDomain,
  isFreeMailDomain,
  isRoleAccount,
  type EmailSyntaxError,
} from '../../../intelligence/enrichment/email-checks.js';

describe('checkEmailSyntax: valid addresses', () => {
  it.each([
    ['jane@acme.com', 'jane', 'acme.com', 'a plain address'],
    ['Jane.Doe@ACME.com', 'Jane.Doe', 'acme.com', 'the domain is lower-cased, the local part kept'],
    ['jane+leads@acme.co.uk', 'jane+leads', 'acme.co.uk', 'a +tag and a multi-label domain'],
    ["o'brien@acme.ie", "o'brien", 'acme.ie', 'an apostrophe (atext)'],
    ['a!#$%&*/=?^_`{|}~-@acme.com', 'a!#$%&*/=?^_`{|}~-', 'acme.com', 'every other atext character'],
    ['x@a-b.c-d.io', 'x', 'a-b.c-d.io', 'hyphens inside labels'],
    ['info@bücher.de', 'info', 'xn--bcher-kva.de', 'an IDN domain, in its punycode form'],
    ['info@例え.テスト', 'info', 'xn--r8jz45g.xn--zckzah', 'an IDN domain and TLD'],
    ['jane@xn--bcher-kva.de', 'jane', 'xn--bcher-kva.de', 'an already encoded IDN domain'],
    [`${'a'.repeat(64)}@acme.com`, 'a'.repeat(64), 'acme.com', 'a local part of exactly 64'],
    [`x@${'a'.repeat(63)}.com`, 'x', `${'a'.repeat(63)}.com`, 'a label of exactly 63'],
    ['jane@123.com', 'jane', '123.com', 'an all-numeric label below the TLD'],
  ])('%s → %s @ %s (%s)', (email, localPart, domain) => {
    expect(checkEmailSyntax(email)).toEqual({ valid: true, localPart, domain });
  });

  it('accepts an address of exactly 254 characters', () => {
    const email = `x@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(56)}.com`;
    expect(email).toHaveLength(254);
    expect(checkEmailSyntax(email).valid).toBe(true);
  });
});

describe('checkEmailSyntax: invalid addresses', () => {
  it.each<[string, EmailSyntaxError, string]>([
    ['', 'missing-at', 'empty'],
    ['jane.acme.com', 'missing-at', 'no @'],
    ['@acme.com', 'local-part-empty', 'no local part'],
    [`${'a'.repeat(65)}@acme.com`, 'local-part-too-long', 'a local part of 65'],
    ['.jane@acme.com', 'local-part-invalid', 'a leading dot'],
    ['jane.@acme.com', 'local-part-invalid', 'a trailing dot'],
    ['ja..ne@acme.com', 'local-part-invalid', 'consecutive dots in the local part'],
    ['ja ne@acme.com', 'local-part-invalid', 'a space'],
    ['"jane doe"@acme.com', 'local-part-invalid', 'a quoted local part (outside the subset)'],
    ['jane@acme@corp.com', 'local-part-invalid', 'two @'],
    ['jané@acme.com', 'local-part-invalid', 'a UTF-8 local part (outside the subset)'],
    ['jane\r\nRCPT TO:<x@y.z>@acme.com', 'local-part-invalid', 'an injected command line'],
    ['jane@', 'domain-invalid', 'no domain'],
    ['jane@localhost', 'domain-invalid', 'a single label'],
    ['jane@acme..com', 'domain-invalid', 'consecutive dots in the domain'],
    ['jane@.acme.com', 'domain-invalid', 'a leading dot in the domain'],
    ['jane@acme.com.', 'domain-invalid', 'a trailing dot'],
    ['jane@-acme.com', 'domain-invalid', 'a label starting with a hyphen'],
    ['jane@acme-.com', 'domain-invalid', 'a label ending with a hyphen'],
    ['jane@ac_me.com', 'domain-invalid', 'an underscore'],
    ['jane@acme.com ', 'domain-invalid', 'trailing whitespace'],
    ['jane@[192.0.2.1]', 'domain-invalid', 'an address literal (outside the subset)'],
    ['jane@192.0.2.1', 'domain-invalid', 'a bare IPv4 address'],
    ['jane@0x7f.1', 'domain-invalid', 'what the IDN conversion would turn into an address'],
    ['jane@bücher.de/x', 'domain-invalid', 'a slash the IDN conversion would cut at'],
    [`x@${'a'.repeat(64)}.com`, 'domain-invalid', 'a label of 64'],
    [`x@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`, 'domain-too-long', 'a domain of 254'],
    [`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`, 'too-long', 'an address of 255'],
  ])('%j is invalid: %s (%s)', (email, reason) => {
    expect(checkEmailSyntax(email)).toEqual({ valid: false, reason });
  });
});

describe('isDisposableDomain', () => {
  it.each([
    ['mailinator.com', true],
    ['guerrillamail.com', true],
    ['10minutemail.com', true],
    ['temp-mail.org', true],
    ['yopmail.com', true],
    ['trashmail.com', true],
    ['sharklasers.com', true],
    ['getnada.com', true],
    ['dispostable.com', true],
    ['maildrop.cc', true],
    ['MAILINATOR.COM', true],
    ['mailinator.com.', true],
    ['abc123.mailinator.com', true],
    ['deep.sub.yopmail.com', true],
    ['acme.com', false],
    ['gmail.com', false],
    // notmailinator.com would not do: it is one of Mailinator's own domains, and listed.
    ['acme-mailinator.com', false],
    ['mailinator.acme.com', false],
    ['mailinator.com.evil.io', false],
  ])('%s → %s', (domain, expected) => {
    expect(isDisposableDomain(domain)).toBe(expected);
  });
});

describe('isFreeMailDomain', () => {
  it.each([
    ['gmail.com', true],
    ['googlemail.com', true],
    ['yahoo.com', true],
    ['yahoo.fr', true],
    ['yahoo.co.uk', true],
    ['yahoo.com.br', true],
    ['outlook.com', true],
    ['hotmail.com', true],
    ['hotmail.de', true],
    ['live.com', true],
    ['icloud.com', true],
    ['me.com', true],
    ['aol.com', true],
    ['gmx.de', true],
    ['gmx.net', true],
    ['web.de', true],
    ['proton.me', true],
    ['protonmail.com', true],
    ['mail.ru', true],
    ['yandex.ru', true],
    ['qq.com', true],
    ['163.com', true],
    ['zoho.com', true],
    ['Gmail.COM', true],
    ['acme.com', false],
    ['mail.gmail.com', false],
    ['yahoo-inc.com', false],
    ['yahoo.acme.com', false],
    ['mygmail.com', false],
    ['mailinator.com', false],
  ])('%s → %s', (domain, expected) => {
    expect(isFreeMailDomain(domain)).toBe(expected);
  });
});

describe('isRoleAccount', () => {
  it.each([
    ['admin', true],
    ['info', true],
    ['sales', true],
    ['support', true],
    ['contact', true],
    ['noreply', true],
    ['no-reply', true],
    ['no_reply', true],
    ['do-not-reply', true],
    ['billing', true],
    ['hello', true],
    ['team', true],
    ['office', true],
    ['hr', true],
    ['jobs', true],
    ['careers', true],
    ['marketing', true],
    ['webmaster', true],
    ['postmaster', true],
    ['abuse', true],
    ['security', true],
    ['mailer-daemon', true],
    ['Sales', true],
    ['sales+leads', true],
    ['info+2024.q3', true],
    ['jane', false],
    ['jane.doe', false],
    ['salesman', false],
    ['j.sales', false],
    ['jane+sales', false],
    ['', false],
  ])('%j → %s', (localPart, expected) => {
    expect(isRoleAccount(localPart)).toBe(expected);
  });
});
