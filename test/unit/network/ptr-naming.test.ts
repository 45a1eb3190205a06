import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ptrNetworkKindHint, readPtrName } from '../../../intelligence/network/ptr-naming.js';

const labelledName = z.object({
  hostname: z.string().min(1),
  address: z.string().min(2),
  label: z.enum(['residential', 'hosting', 'organisation', 'generic']),
  continent: z.enum(['Africa', 'Asia', 'Europe', 'North America', 'Oceania', 'South America', 'Global']),
  source: z.string().min(1),
});

const read = (file: string) => z.array(labelledName).parse(JSON.parse(readFileSync(new URL(`./fixtures/${file}`, import.meta.url), 'utf8')));
/** Written together with the word lists: every name must read as labelled. */
const LABELLED = read('ptr-names.json');
/** Written after the last change to the lists and scored once (43 of 45): see fixtures/README.md. */
const HELD_OUT = read('ptr-names-held-out.json');
const HELD_OUT_FLOOR = 43 / 45;

describe('the labelled PTR names', () => {
  it('hold at least 120 names of every naming, from every inhabited continent, IPv4 and IPv6', () => {
    expect(LABELLED.length).toBeGreaterThanOrEqual(120);
    expect(new Set(LABELLED.map((n) => n.label)).size).toBe(4);
    expect(new Set(LABELLED.map((n) => n.continent).filter((c) => c !== 'Global')).size).toBe(6);
    expect(LABELLED.filter((n) => n.address.includes(':')).length).toBeGreaterThanOrEqual(4);
    expect(new Set(LABELLED.map((n) => `${n.hostname} ${n.address}`)).size).toBe(LABELLED.length);
    const labelled = new Set(LABELLED.map((n) => n.hostname));
    expect(HELD_OUT.filter((n) => labelled.has(n.hostname))).toEqual([]);
  });
});

describe('readPtrName', () => {
  it('reads every labelled name as labelled', () => {
    const misses = LABELLED.filter((n) => readPtrName(n.hostname, n.address).naming !== n.label).map((n) => ({
      hostname: n.hostname,
      label: n.label,
      read: readPtrName(n.hostname, n.address),
    }));
    const right = LABELLED.length - misses.length;
    console.info(`PTR naming: ${right} of ${LABELLED.length} right (${((100 * right) / LABELLED.length).toFixed(1)} %)`);
    expect(misses).toEqual([]);
  });

  it('reads the held-out names right at least as often as when they were scored', () => {
    const right = HELD_OUT.filter((n) => readPtrName(n.hostname, n.address).naming === n.label).length;
    console.info(`PTR naming, held out: ${right} of ${HELD_OUT.length} right (${((100 * right) / HELD_OUT.length).toFixed(1)} %)`);
    expect(right / HELD_OUT.length).toBeGreaterThanOrEqual(HELD_OUT_FLOOR);
  });

  it('normalises the name and finds the reverse zone owner, a cloud’s private suffix included', () => {
    const ec2 = readPtrName('EC2-54-210-12-34.compute-1.amazonaws.com.', '54.210.12.34');
    expect(ec2).toMatchObject({ hostname: 'ec2-54-210-12-34.compute-1.amazonaws.com', domain: 'amazonaws.com', naming: 'hosting', embedsAddress: true });
    expect(readPtrName('mail.acme.co.uk', '203.0.113.25')).toEqual({
      hostname: 'mail.acme.co.uk',
      naming: 'organisation',
      embedsAddress: false,
      domain: 'acme.co.uk',
      signals: ['machine name in acme.co.uk'],
    });
    expect(readPtrName('localhost', '198.51.100.1')).toEqual({ hostname: 'localhost', naming: 'generic', embedsAddress: false, signals: ['no registrable domain'] });
  });

  it('finds the address in every common order and format', () => {
    const embeds = (hostname: string, address: string) => readPtrName(hostname, address).embedsAddress;
    expect(embeds('c-73-162-12-1.hsd1.ca.comcast.net', '73.162.12.1')).toBe(true);
    expect(embeds('1.12.162.73.rev.example.net', '73.162.12.1')).toBe(true);
    expect(embeds('1.red-73-162-12.dynamicip.rima-tde.net', '73.162.12.1')).toBe(true);
    expect(embeds('ip-073-162-012-001.pools.example.de', '73.162.12.1')).toBe(true);
    expect(embeds('kd073162012001.ppp-bb.dion.ne.jp', '73.162.12.1')).toBe(true);
    expect(embeds('p49a20c01.dip0.t-ipconnect.de', '73.162.12.1')).toBe(true);
    expect(embeds('p200300d9bf1a2b00a1b2c3fffe4d5e6f.dip0.t-ipconnect.de', '2003:d9:bf1a:2b00:a1b2:c3ff:fe4d:5e6f')).toBe(true);
    expect(embeds('2600-3c03-e000-123-0-0-0-1.ip.example.com', '2600:3c03:e000:123::1')).toBe(true);
    expect(embeds('2600-3c03-e000-123--1.ip.linodeusercontent.com', '2600:3c03:e000:123::1')).toBe(true);
    expect(embeds('c-73-162-12-2.hsd1.ca.comcast.net', '73.162.12.1')).toBe(false);
    expect(embeds('gw1.nyc.acme.com', '73.162.12.1')).toBe(false);
    expect(embeds('c-73-162-12-1.hsd1.ca.comcast.net', 'not an address')).toBe(false);
  });

  it('names the words that decided it', () => {
    expect(readPtrName('pool-71-178-34-210.washdc.fios.verizon.net', '71.178.34.210').signals).toEqual([
      'access word "pool"',
      'access word "fios"',
      'address octets',
    ]);
    expect(readPtrName('static.67.45.120.95.clients.your-server.de', '95.120.45.67').signals).toEqual(['hosting provider zone your-server.de', 'address octets']);
  });
});

describe('ptrNetworkKindHint', () => {
  it('maps each naming to the kind it suggests, and a generic name to none', () => {
    const hint = (hostname: string, address: string) => ptrNetworkKindHint(readPtrName(hostname, address));
    expect(hint('c-73-162-12-1.hsd1.ca.comcast.net', '73.162.12.1')).toBe('isp');
    expect(hint('ec2-54-210-12-34.compute-1.amazonaws.com', '54.210.12.34')).toBe('hosting');
    expect(hint('gw1.nyc.acme.com', '198.51.100.1')).toBe('business');
    expect(hint('host81-128-12-34.in-addr.btopenworld.com', '81.128.12.34')).toBeUndefined();
  });
});
