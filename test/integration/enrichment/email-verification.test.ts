import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrichmentProvider, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import {
  createDnsMxResolver,
  createEmailVerificationProvider,
} from '../../../modules/enrichment/providers/email-verification.provider.js';
import { createDnsHostResolver, createSmtpProbe } from '../../../modules/enrichment/providers/smtp-probe.js';
import { DNS_TYPE, startDnsServer, type DnsServer } from '../../support/dns-server.js';
import { startSmtpServer, type SmtpServer } from '../../support/smtp-server.js';

// Small, so the dropped-query case stays quick; a local answer takes a millisecond.
const DNS_TIMEOUT_MS = 300;

/** The answer's fields as `field → value`, for assertions that read as the answer. */
function values(answer: ProviderAnswer): Record<string, unknown> {
  if (answer.kind !== 'match') throw new Error(`expected a match, got ${JSON.stringify(answer)}`);
  return Object.fromEntries(answer.fields.map((field) => [field.field, field.value]));
}

describe('email verification provider (local DNS and SMTP servers)', () => {
  let dns: DnsServer;
  let smtp: SmtpServer;
  let greylisting: SmtpServer;
  let silent: SmtpServer;
  let dnsServers: string[];

  beforeAll(async () => {
    dns = await startDnsServer({
      'acme.test': {
        mx: [
          { exchange: 'mx2.acme.test', priority: 20 },
          { exchange: 'MX1.acme.test', priority: 10 },
        ],
      },
      'mx1.acme.test': { a: ['127.0.0.1'] },
      'mx2.acme.test': { a: ['127.0.0.1'] },
      'xn--bcher-kva.test': { mx: [{ exchange: 'mx1.acme.test', priority: 5 }] },
      'mailinator.com': { mx: [{ exchange: 'mail.mailinator.com', priority: 1 }] },
      'web-only.test': { a: ['192.0.2.10'] },
      'null-mx.test': { mx: [{ exchange: '', priority: 0 }] },
      'orphan-mx.test': { mx: [{ exchange: 'mx.orphan-mx.test', priority: 10 }] },
      'broken.test': { behaviour: 'servfail' },
      'slow.test': { behaviour: 'drop' },
    });
    dnsServers = [`127.0.0.1:${dns.port}`];
    smtp = await startSmtpServer({ mailboxes: ['jane@acme.test'] });
    greylisting = await startSmtpServer({ mailboxes: ['jane@acme.test'], behaviour: 'greylist' });
    silent = await startSmtpServer({ mailboxes: [], behaviour: 'silent' });
  });

  afterAll(async () => {
    await Promise.all([dns?.close(), smtp?.close(), greylisting?.close(), silent?.close()]);
  });

  const dnsOnly = (): EnrichmentProvider => createEmailVerificationProvider({ resolveMx: createDnsMxResolver(dnsServers, DNS_TIMEOUT_MS) });

  /** The production probe, pointed at a local server: the exchange's address comes from the local DNS server. */
  const probing = (server: SmtpServer, timeoutMs = 2_000): EnrichmentProvider =>
    createEmailVerificationProvider({
      resolveMx: createDnsMxResolver(dnsServers, DNS_TIMEOUT_MS),
      smtpProbe: createSmtpProbe({
        heloName: 'probe.leadgraph.test',
        mailFrom: 'probe@probe.leadgraph.test',
        timeoutMs,
        port: server.port,
        resolveHost: createDnsHostResolver(dnsServers, DNS_TIMEOUT_MS),
      }),
    });

  describe('DNS', () => {
    it('accepts a subject with an email, and only one', () => {
      const provider = dnsOnly();
      expect(provider.id).toBe('email-verification');
      expect(provider.accepts({ email: 'jane@acme.test' })).toBe(true);
      expect(provider.accepts({ domain: 'acme.test' })).toBe(false);
      expect(provider.accepts({ email: '  ' })).toBe(false);
    });

    it('finds the MX records and names the preferred exchange', async () => {
      const answer = await dnsOnly().enrich({ email: 'jane@acme.test' }, {});
      expect(values(answer)).toEqual({
        'email.syntaxValid': true,
        'email.disposable': false,
        'email.freeMail': false,
        'email.mailDomainKind': 'business',
        'email.roleAccount': false,
        'email.mxFound': true,
        'email.mx': 'mx1.acme.test',
      });
      expect(dns.queries).toContainEqual({ name: 'acme.test', type: DNS_TYPE.MX });
    });

    it('tells a home ISP mailbox apart from business mail, and from webmail', async () => {
      const isp = values(await dnsOnly().enrich({ email: 'jane.doe@btinternet.com' }, {}));
      expect(isp).toMatchObject({ 'email.freeMail': true, 'email.mailDomainKind': 'isp', 'email.disposable': false });
      const webmail = values(await dnsOnly().enrich({ email: 'jane.doe@gmail.com' }, {}));
      expect(webmail).toMatchObject({ 'email.freeMail': true, 'email.mailDomainKind': 'free', 'email.disposable': false });
    });

    it('marks DNS answers and list memberships verified, and a name-based guess not', async () => {
      const answer = await dnsOnly().enrich({ email: 'info@mailinator.com' }, {});
      expect(answer.kind === 'match' && answer.fields).toEqual([
        { field: 'email.syntaxValid', value: true, confidence: 1, verified: true },
        { field: 'email.disposable', value: true, confidence: 0.95, verified: true },
        { field: 'email.freeMail', value: false, confidence: 0.75, verified: false },
        { field: 'email.mailDomainKind', value: 'disposable', confidence: 0.95, verified: true },
        { field: 'email.roleAccount', value: true, confidence: 0.85, verified: false },
        { field: 'email.mxFound', value: true, confidence: 1, verified: true },
        { field: 'email.mx', value: 'mail.mailinator.com', confidence: 1, verified: true },
      ]);
    });

    it('asks about an IDN domain in its punycode form', async () => {
      const answer = await dnsOnly().enrich({ email: 'info@bücher.test' }, {});
      expect(values(answer)).toMatchObject({ 'email.mxFound': true, 'email.mx': 'mx1.acme.test' });
      expect(dns.queries).toContainEqual({ name: 'xn--bcher-kva.test', type: DNS_TYPE.MX });
    });

    it.each([
      ['web-only.test', 'a name with no MX record (NODATA)'],
      ['null-mx.test', 'a null MX (RFC 7505)'],
      ['unknown.test', 'a name that does not exist (NXDOMAIN)'],
    ])('answers mxFound false for %s: %s', async (domain) => {
      const answer = await dnsOnly().enrich({ email: `jane@${domain}` }, {});
      expect(answer.kind === 'match' && answer.fields.find((field) => field.field === 'email.mxFound')).toEqual({
        field: 'email.mxFound',
        value: false,
        confidence: 1,
        verified: true,
      });
      expect(values(answer)).not.toHaveProperty('email.mx');
    });

    it('answers syntaxValid false for an invalid address, without asking DNS', async () => {
      const before = dns.queries.length;
      const answer = await dnsOnly().enrich({ email: 'jane..doe@acme.test' }, {});
      expect(answer).toEqual({ kind: 'match', fields: [{ field: 'email.syntaxValid', value: false, confidence: 1, verified: true }] });
      expect(dns.queries).toHaveLength(before);
    });

    it('fails, retryably, on SERVFAIL', async () => {
      const answer = await dnsOnly().enrich({ email: 'jane@broken.test' }, {});
      expect(answer).toMatchObject({ kind: 'failure', retryable: true, reason: expect.stringContaining('ESERVFAIL') });
    });

    it('fails, retryably, when the server never answers, after the timeout', async () => {
      const started = performance.now();
      const answer = await dnsOnly().enrich({ email: 'jane@slow.test' }, {});
      const elapsed = performance.now() - started;
      expect(answer).toMatchObject({ kind: 'failure', retryable: true, reason: expect.stringContaining('ETIMEOUT') });
      expect(elapsed).toBeGreaterThanOrEqual(DNS_TIMEOUT_MS * 0.9);
      // Node checks c-ares' deadlines on a timer of the timeout's period: up to twice the timeout.
      expect(elapsed).toBeLessThan(DNS_TIMEOUT_MS * 2 + 400);
      expect(dns.queries).toContainEqual({ name: 'slow.test', type: DNS_TYPE.MX });
    });

    it('does not start when the caller has already given up', async () => {
      const controller = new AbortController();
      controller.abort(new Error('cancelled'));
      await expect(dnsOnly().enrich({ email: 'jane@acme.test' }, { signal: controller.signal })).rejects.toThrow('cancelled');
    });
  });

  describe('SMTP probe', () => {
    it('answers deliverable true when the preferred exchange accepts the mailbox', async () => {
      const answer = await probing(smtp).enrich({ email: 'Jane@acme.test' }, {});
      expect(answer.kind === 'match' && answer.fields.find((field) => field.field === 'email.deliverable')).toEqual({
        field: 'email.deliverable',
        value: true,
        confidence: 0.8,
        verified: true,
      });
      expect(smtp.commands.slice(-4)).toEqual([
        'EHLO probe.leadgraph.test',
        'MAIL FROM:<probe@probe.leadgraph.test>',
        'RCPT TO:<Jane@acme.test>',
        'QUIT',
      ]);
      expect(dns.queries).toContainEqual({ name: 'mx1.acme.test', type: DNS_TYPE.A });
    });

    it('answers deliverable false when the exchange rejects the mailbox', async () => {
      const answer = await probing(smtp).enrich({ email: 'nobody@acme.test' }, {});
      expect(values(answer)).toMatchObject({ 'email.mxFound': true, 'email.deliverable': false });
      expect(smtp.commands).toContain('RCPT TO:<nobody@acme.test>');
    });

    it('leaves deliverable out when the exchange greylists', async () => {
      const answer = await probing(greylisting).enrich({ email: 'jane@acme.test' }, {});
      expect(values(answer)).toMatchObject({ 'email.mxFound': true });
      expect(values(answer)).not.toHaveProperty('email.deliverable');
    });

    it('leaves deliverable out when the exchange never speaks, after the probe timeout', async () => {
      const started = performance.now();
      const answer = await probing(silent, 300).enrich({ email: 'jane@acme.test' }, {});
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
      expect(values(answer)).toMatchObject({ 'email.mxFound': true });
      expect(values(answer)).not.toHaveProperty('email.deliverable');
    });

    it('leaves deliverable out when the exchange has no address', async () => {
      const answer = await probing(smtp).enrich({ email: 'jane@orphan-mx.test' }, {});
      expect(values(answer)).toMatchObject({ 'email.mxFound': true, 'email.mx': 'mx.orphan-mx.test' });
      expect(values(answer)).not.toHaveProperty('email.deliverable');
    });

    it('does not probe a domain without MX', async () => {
      const before = smtp.commands.length;
      const answer = await probing(smtp).enrich({ email: 'jane@web-only.test' }, {});
      expect(values(answer)).toMatchObject({ 'email.mxFound': false });
      expect(smtp.commands).toHaveLength(before);
    });
  });
});
