import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnrichmentProvider, ProviderAnswer } from '../../../intelligence/enrichment/enrichment-types.js';
import { createDnsRecordsProvider, createDnsRecordsResolver, DNS_RECORDS_PROVIDER_ID } from '../../../modules/enrichment/providers/dns-records.provider.js';
import { DNS_TYPE, startDnsServer, type DnsServer } from '../../support/dns-server.js';

// Small, so the dropped-query case stays quick; a local answer takes a millisecond.
const DNS_TIMEOUT_MS = 300;

function fields(answer: ProviderAnswer) {
  if (answer.kind !== 'match') throw new Error(`expected a match, got ${JSON.stringify(answer)}`);
  return answer.fields;
}

describe('DNS records provider (local DNS server, production resolver)', () => {
  let dns: DnsServer;
  let provider: EnrichmentProvider;

  beforeAll(async () => {
    dns = await startDnsServer({
      'acme.test': {
        mx: [
          { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
          { exchange: 'aspmx.l.google.com', priority: 1 },
        ],
        txt: [
          // Longer than 255 bytes: sent as several character strings, as real SPF records often are.
          `v=spf1 include:_spf.google.com include:mail.zendesk.com include:1234567.spf05.hubspotemail.net ${Array.from({ length: 12 }, (_, i) => `ip4:192.0.2.${i}`).join(' ')} ${Array.from({ length: 6 }, (_, i) => `ip6:2001:db8::${i}`).join(' ')} ~all`,
          'google-site-verification=rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ',
          'atlassian-domain-verification=Z8oUd5brL6/RGUMCkxs4U0P/RyhpiNJEIVx9HXJLr3uqEQ1eDmTnj1eq1ObCgY1i',
          'docusign=1b0a6754-49b1-4db5-8540-d2c12664b289',
          'stripe-verification=5f1a2b3c4d',
        ],
      },
      '_dmarc.acme.test': { txt: ['v=DMARC1; p=reject; rua=mailto:dmarc@acme.test'] },
      'filtered.test': {
        mx: [{ exchange: 'eu-smtp-inbound-1.mimecast.com', priority: 10 }],
        txt: ['v=spf1 include:eu._netblocks.mimecast.com include:spf.protection.outlook.com -all', 'MS=ms12345678'],
      },
      'self-hosted.test': { mx: [{ exchange: 'mail.self-hosted.test', priority: 10 }] },
      '_dmarc.self-hosted.test': { txt: ['v=DMARC1; p=none'] },
      'broken-dmarc.test': { mx: [{ exchange: 'aspmx.l.google.com', priority: 1 }] },
      '_dmarc.broken-dmarc.test': { behaviour: 'servfail' },
      'slow.test': { behaviour: 'drop' },
    });
    provider = createDnsRecordsProvider({ resolver: createDnsRecordsResolver([`127.0.0.1:${dns.port}`], DNS_TIMEOUT_MS) });
  });

  afterAll(async () => {
    await dns?.close();
  });

  it('accepts a subject with a company domain, not an address or a bare suffix', () => {
    expect(provider.id).toBe(DNS_RECORDS_PROVIDER_ID);
    expect(provider.accepts({ domain: 'acme.test' })).toBe(true);
    expect(provider.accepts({ email: 'jane@acme.test' })).toBe(false);
    expect(provider.accepts({ domain: '192.0.2.1' })).toBe(false);
    expect(provider.accepts({ domain: 'co.uk' })).toBe(false);
  });

  it('names the mail provider from MX, SaaS from SPF and TXT, and the DMARC policy, each with its confidence', async () => {
    const answer = await provider.enrich({ domain: 'Acme.test' }, {});
    expect(fields(answer)).toEqual([
      { field: 'company.mailProvider', value: 'Google Workspace', confidence: 0.95, verified: true },
      { field: 'company.saas', value: ['Atlassian', 'DocuSign', 'Google Workspace', 'HubSpot', 'Stripe', 'Zendesk'], confidence: 0.85, verified: true },
      { field: 'company.dmarcPolicy', value: 'reject', confidence: 1, verified: true },
    ]);
    expect(dns.queries).toEqual(
      expect.arrayContaining([
        { name: 'acme.test', type: DNS_TYPE.MX },
        { name: 'acme.test', type: DNS_TYPE.TXT },
        { name: '_dmarc.acme.test', type: DNS_TYPE.TXT },
      ]),
    );
  });

  it('behind a filtering gateway names it, and gives the provider read from SPF less weight, unverified', async () => {
    expect(fields(await provider.enrich({ domain: 'filtered.test' }, {}))).toEqual([
      { field: 'company.mailProvider', value: 'Microsoft 365', confidence: 0.7, verified: false },
      { field: 'company.mailGateway', value: 'Mimecast', confidence: 0.95, verified: true },
      { field: 'company.saas', value: ['Microsoft 365', 'Mimecast'], confidence: 0.85, verified: true },
      { field: 'company.dmarcPolicy', value: 'absent', confidence: 1, verified: true },
    ]);
  });

  it('says only what it knows of a self-hosted domain', async () => {
    expect(fields(await provider.enrich({ domain: 'self-hosted.test' }, {}))).toEqual([
      { field: 'company.dmarcPolicy', value: 'none', confidence: 1, verified: true },
    ]);
  });

  it('answers no match for a domain that does not exist', async () => {
    expect(await provider.enrich({ domain: 'nowhere.test' }, {})).toEqual({ kind: 'no-match' });
  });

  it('fails, retryably, when a lookup gets no answer: SERVFAIL, or a server that never answers', async () => {
    expect(await provider.enrich({ domain: 'broken-dmarc.test' }, {})).toMatchObject({ kind: 'failure', retryable: true, reason: expect.stringContaining('_dmarc.broken-dmarc.test') });
    expect(await provider.enrich({ domain: 'slow.test' }, {})).toMatchObject({ kind: 'failure', retryable: true });
  });

  it('stops before asking when the job is cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const before = dns.queries.length;
    await expect(provider.enrich({ domain: 'acme.test' }, { signal: controller.signal })).rejects.toThrow();
    expect(dns.queries.length).toBe(before);
  });
});
