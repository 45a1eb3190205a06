import { describe, expect, it } from 'vitest';
import { dmarcName, dmarcPosture } from '../../../intelligence/domains/dmarc-record.js';
import { dnsCompanyFacts } from '../../../intelligence/domains/dns-company-facts.js';
import { saasOfSpfInclude, saasOfTxtRecord, SPF_INCLUDE_SIGNALS, TXT_VERIFICATION_SIGNALS } from '../../../intelligence/domains/saas-dns-signals.js';
import { parseSpf } from '../../../intelligence/domains/spf-record.js';
import { mailServiceOfExchange, MAIL_EXCHANGER_PATTERNS } from '../../../intelligence/enrichment/mail-exchanger-providers.js';

describe('mailServiceOfExchange: MX host → mail service, from the hosts providers publish', () => {
  it.each([
    ['aspmx.l.google.com', 'Google Workspace', 'mailbox'],
    ['ALT1.ASPMX.L.GOOGLE.COM.', 'Google Workspace', 'mailbox'],
    ['smtp.google.com', 'Google Workspace', 'mailbox'],
    ['aspmx2.googlemail.com', 'Google Workspace', 'mailbox'],
    ['contoso-com.mail.protection.outlook.com', 'Microsoft 365', 'mailbox'],
    ['contoso-com.o-v1.mx.microsoft', 'Microsoft 365', 'mailbox'],
    ['contoso-us.mail.protection.office365.us', 'Microsoft 365', 'mailbox'],
    ['mx.zoho.com', 'Zoho Mail', 'mailbox'],
    ['mx2.zoho.eu', 'Zoho Mail', 'mailbox'],
    ['mx.zohocloud.ca', 'Zoho Mail', 'mailbox'],
    ['mx3.zoho.com.au', 'Zoho Mail', 'mailbox'],
    ['mail.protonmail.ch', 'Proton Mail', 'mailbox'],
    ['mailsec.protonmail.ch', 'Proton Mail', 'mailbox'],
    ['in1-smtp.messagingengine.com', 'Fastmail', 'mailbox'],
    ['mx01.mail.icloud.com', 'iCloud Mail', 'mailbox'],
    ['mx.yandex.net', 'Yandex 360', 'mailbox'],
    ['mxbiz1.qq.com', 'Tencent Exmail', 'mailbox'],
    ['inbound-smtp.eu-west-1.amazonaws.com', 'Amazon WorkMail / SES', 'mailbox'],
    ['mx1.mail.ovh.net', 'OVHcloud', 'mailbox'],
    ['mailstore1.secureserver.net', 'GoDaddy', 'mailbox'],
    ['mx00.ionos.de', 'IONOS', 'mailbox'],
    ['mx1.emailsrvr.com', 'Rackspace Email', 'mailbox'],
    ['us-smtp-inbound-1.mimecast.com', 'Mimecast', 'gateway'],
    ['mx0a-00123456.pphosted.com', 'Proofpoint', 'gateway'],
    ['mx1-us1.ppe-hosted.com', 'Proofpoint Essentials', 'gateway'],
    ['d123456a.ess.barracudanetworks.com', 'Barracuda Email Protection', 'gateway'],
    ['mx1.hc1234-56.iphmx.com', 'Cisco Secure Email', 'gateway'],
    ['cluster1.eu.messagelabs.com', 'Broadcom Email Security.cloud', 'gateway'],
    ['route1.mx.cloudflare.net', 'Cloudflare Email Routing', 'relay'],
    ['mxa.mailgun.org', 'Mailgun', 'relay'],
  ])('%s → %s (%s)', (host, provider, kind) => {
    expect(mailServiceOfExchange(host)).toEqual({ provider, kind });
  });

  it.each([
    ['mail.acme.com', 'a self-hosted exchanger'],
    ['google.com.evil.test', 'a provider name inside another domain'],
    ['notgoogle.com', 'a lookalike of a provider domain'],
    ['mxbiz1.qq.com.evil.test', 'a pattern host under another domain'],
    ['inbound-smtp.eu-west-1.amazonaws.com.evil.test', 'a regional pattern under another domain'],
  ])('%s is no known service (%s)', (host) => {
    expect(mailServiceOfExchange(host)).toBeUndefined();
  });

  it('gives every pattern a provider and a reason', () => {
    for (const pattern of MAIL_EXCHANGER_PATTERNS) {
      expect(pattern.provider.length).toBeGreaterThan(0);
      expect(pattern.reason.length).toBeGreaterThan(10);
    }
  });
});

describe('parseSpf', () => {
  it('reads include: mechanisms and redirect=, joining the strings of a long record', () => {
    expect(parseSpf([['v=spf1 include:_spf.google.com ', '~include:Mail.Zendesk.com -all'], ['google-site-verification=abc']])).toEqual({
      includes: ['_spf.google.com', 'mail.zendesk.com'],
    });
    expect(parseSpf([['v=spf1 redirect=_spf.acme.test']])).toEqual({ includes: [], redirect: '_spf.acme.test' });
  });

  it('skips macros, and finds no record among none, or among two (a permanent error)', () => {
    expect(parseSpf([['v=spf1 include:%{i}._spf.acme.test ip4:192.0.2.1 -all']])).toEqual({ includes: [] });
    expect(parseSpf([['google-site-verification=abc']])).toBeUndefined();
    expect(parseSpf([['v=spf1 include:a.test -all'], ['v=spf1 include:b.test -all']])).toBeUndefined();
    expect(parseSpf([['v=spf10 include:a.test']])).toBeUndefined();
  });
});

describe('dmarcPosture', () => {
  it.each([
    [[['v=DMARC1; p=reject; rua=mailto:d@acme.test']], 'reject'],
    [[['v=DMARC1;p=quarantine;pct=50']], 'quarantine'],
    [[['v=DMARC1; p=none']], 'none'],
    [[['V=DMARC1; P=Reject']], 'reject'],
    [[['v=DMARC1; p=bogus; rua=mailto:d@acme.test']], 'none'],
    [[['v=DMARC1; p=bogus']], 'absent'],
    [[['v=DMARC1; p=reject'], ['v=DMARC1; p=none']], 'absent'],
    [[['v=spf1 -all']], 'absent'],
    [[], 'absent'],
  ] as const)('%j → %s', (records, expected) => {
    expect(dmarcPosture(records)).toBe(expected);
  });

  it('lives under _dmarc', () => {
    expect(dmarcName('Acme.COM.')).toBe('_dmarc.acme.com');
  });
});

describe('SaaS from SPF includes and TXT verification records', () => {
  it.each([
    ['_spf.google.com', 'Google Workspace'],
    ['spf.protection.outlook.com', 'Microsoft 365'],
    ['_spf.salesforce.com', 'Salesforce'],
    ['1234567.spf05.hubspotemail.net', 'HubSpot'],
    ['servers.mcsv.net', 'Mailchimp'],
    ['sendgrid.net', 'SendGrid'],
    ['mail.zendesk.com', 'Zendesk'],
    ['amazonses.com', 'Amazon SES'],
    ['_spf.atlassian.net', 'Atlassian'],
    ['eu._netblocks.mimecast.com', 'Mimecast'],
  ])('include:%s → %s', (include, saas) => {
    expect(saasOfSpfInclude(include)).toBe(saas);
  });

  it.each([
    ['google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ', 'Google Workspace'],
    ['MS=ms12345678', 'Microsoft 365'],
    ['atlassian-domain-verification=abc123', 'Atlassian'],
    ['docusign=1b0a6754-49b1-4db5-8540-d2c12664b289', 'DocuSign'],
    ['facebook-domain-verification=abc123', 'Meta Business'],
    ['stripe-verification=abc123', 'Stripe'],
    ['hubspot-developer-verification=abc', 'HubSpot'],
    ['ZOOM_verify_abc123', 'Zoom'],
    ['apple-domain-verification=abc123', 'Apple Business'],
    ['slack-domain-verification=abc', 'Slack'],
    ['adobe-idp-site-verification=abc', 'Adobe'],
  ])('%s → %s', (record, saas) => {
    expect(saasOfTxtRecord(record)).toBe(saas);
  });

  it('knows nothing of an include under another domain, or of an unrelated record', () => {
    expect(saasOfSpfInclude('_spf.google.com.evil.test')).toBeUndefined();
    expect(saasOfSpfInclude('notsendgrid.net')).toBeUndefined();
    expect(saasOfTxtRecord('v=spf1 -all')).toBeUndefined();
    expect(saasOfTxtRecord('my-google-site-verification=abc')).toBeUndefined();
  });

  it('gives every signal a reason', () => {
    for (const signal of [...SPF_INCLUDE_SIGNALS, ...TXT_VERIFICATION_SIGNALS]) expect(signal.reason.length).toBeGreaterThan(10);
  });
});

describe('dnsCompanyFacts', () => {
  it('reads the mail provider from the preferred MX, and SaaS from SPF and TXT', () => {
    const facts = dnsCompanyFacts({
      mx: [
        { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
        { exchange: 'aspmx.l.google.com', priority: 1 },
      ],
      txt: [['v=spf1 include:_spf.google.com include:mail.zendesk.com ~all'], ['atlassian-domain-verification=x'], ['docusign=y'], ['MS=ms1']],
      dmarcTxt: [['v=DMARC1; p=quarantine']],
    });
    expect(facts).toEqual({
      mailProvider: { name: 'Google Workspace', inferred: false },
      saas: ['Atlassian', 'DocuSign', 'Google Workspace', 'Microsoft 365', 'Zendesk'],
      dmarcPolicy: 'quarantine',
    });
  });

  it('behind a filtering gateway names the gateway, and infers the mailbox provider from SPF', () => {
    const facts = dnsCompanyFacts({
      mx: [{ exchange: 'eu-smtp-inbound-1.mimecast.com', priority: 10 }],
      txt: [['v=spf1 include:eu._netblocks.mimecast.com include:spf.protection.outlook.com -all']],
      dmarcTxt: [],
    });
    expect(facts).toEqual({
      mailProvider: { name: 'Microsoft 365', inferred: true },
      mailGateway: 'Mimecast',
      saas: ['Microsoft 365', 'Mimecast'],
      dmarcPolicy: 'absent',
    });
  });

  it('says nothing of a provider for a self-hosted exchanger without a telling SPF, or a null MX', () => {
    expect(dnsCompanyFacts({ mx: [{ exchange: 'mail.acme.test', priority: 10 }], txt: [['v=spf1 mx -all']], dmarcTxt: [] })).toEqual({ saas: [], dmarcPolicy: 'absent' });
    expect(dnsCompanyFacts({ mx: [{ exchange: '', priority: 0 }], txt: [], dmarcTxt: [['v=DMARC1; p=reject']] })).toEqual({ saas: [], dmarcPolicy: 'reject' });
  });
});
