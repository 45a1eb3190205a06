import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReverseDns, type ReverseDns } from '../../../platform/network/reverse-dns.js';
import { DNS_TYPE, reverseName, startDnsServer, type DnsServer } from '../../support/dns-server.js';

// Small, so the dropped-query case stays quick; a local answer takes a millisecond.
const DNS_TIMEOUT_MS = 300;

describe('reverse DNS (local DNS server, production resolver)', () => {
  let dns: DnsServer;
  let slow: DnsServer;
  let reverseDns: ReverseDns;

  beforeAll(async () => {
    dns = await startDnsServer({
      [reverseName('73.162.12.1')]: { ptr: ['c-73-162-12-1.hsd1.ca.comcast.net.'] },
      [reverseName('2003:d9:bf1a:2b00:a1b2:c3ff:fe4d:5e6f')]: { ptr: ['P200300D9BF1A2B00A1B2C3FFFE4D5E6F.dip0.t-ipconnect.de'] },
      // Two names, one of them twice in another case: answered once each.
      [reverseName('198.51.100.7')]: { ptr: ['mail.acme.test', 'gw1.acme.test', 'MAIL.acme.test.'] },
      // The name exists (a record of another type) but has no PTR: NODATA.
      [reverseName('198.51.100.8')]: { txt: ['not a pointer'] },
      [reverseName('198.51.100.9')]: { behaviour: 'servfail' },
      [reverseName('198.51.100.10')]: { behaviour: 'drop' },
    });
    reverseDns = createReverseDns({ servers: [`127.0.0.1:${dns.port}`], timeoutMs: DNS_TIMEOUT_MS });
  });

  afterAll(async () => {
    await dns?.close();
    await slow?.close();
  });

  it('names an IPv4 address by its in-addr.arpa PTR, normalised', async () => {
    expect(await reverseDns.reverse('73.162.12.1')).toEqual({ ok: true, value: ['c-73-162-12-1.hsd1.ca.comcast.net'] });
    expect(dns.queries).toContainEqual({ name: '1.12.162.73.in-addr.arpa', type: DNS_TYPE.PTR });
  });

  it('names an IPv6 address by its ip6.arpa PTR, in any spelling of the address', async () => {
    const expected = { ok: true, value: ['p200300d9bf1a2b00a1b2c3fffe4d5e6f.dip0.t-ipconnect.de'] };
    expect(await reverseDns.reverse('2003:d9:bf1a:2b00:a1b2:c3ff:fe4d:5e6f')).toEqual(expected);
    expect(await reverseDns.reverse('2003:00D9:BF1A:2B00:A1B2:C3FF:FE4D:5E6F')).toEqual(expected);
  });

  it('gives every name once', async () => {
    expect(await reverseDns.reverse('198.51.100.7')).toEqual({ ok: true, value: ['mail.acme.test', 'gw1.acme.test'] });
  });

  it('answers no names for an address without a PTR (NXDOMAIN) or a name without one (NODATA)', async () => {
    expect(await reverseDns.reverse('203.0.113.99')).toEqual({ ok: true, value: [] });
    expect(await reverseDns.reverse('198.51.100.8')).toEqual({ ok: true, value: [] });
    expect(await reverseDns.reverse('2001:db8::99')).toEqual({ ok: true, value: [] });
  });

  it('fails retryably when the server answers SERVFAIL', async () => {
    const result = await reverseDns.reverse('198.51.100.9');
    expect(result).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'unavailable', retryable: true } });
    expect(JSON.stringify(result)).toContain('ESERVFAIL');
  });

  it('fails retryably, within its timeout, when the server never answers', async () => {
    const started = performance.now();
    expect(await reverseDns.reverse('198.51.100.10')).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'timeout', retryable: true } });
    expect(performance.now() - started).toBeLessThan(DNS_TIMEOUT_MS * 5);
  });

  it('times out on a server slower than the timeout, and answers from one within it', async () => {
    slow = await startDnsServer({ [reverseName('73.162.12.1')]: { ptr: ['c-73-162-12-1.hsd1.ca.comcast.net'] } }, { delayMs: 1500 });
    const servers = [`127.0.0.1:${slow.port}`];
    expect(await createReverseDns({ servers, timeoutMs: 100 }).reverse('73.162.12.1')).toMatchObject({ ok: false, problem: { kind: 'unavailable', cause: 'timeout', retryable: true } });
    expect(await createReverseDns({ servers, timeoutMs: 3000 }).reverse('73.162.12.1')).toEqual({ ok: true, value: ['c-73-162-12-1.hsd1.ca.comcast.net'] });
  });

  it('refuses what is not an address without asking anyone, and for good', async () => {
    const asked = dns.queries.length;
    expect(await reverseDns.reverse('acme.test')).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['ip'] } });
    expect(await reverseDns.reverse('')).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: ['ip'] } });
    expect(dns.queries.length).toBe(asked);
  });
});
