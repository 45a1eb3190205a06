import { describe, expect, it } from 'vitest';
import { HOSTING_ASNS, ISP_ASNS } from '../../../intelligence/ip/known-networks.js';
import { classifyNetwork, mayBeVisitingCompany } from '../../../intelligence/ip/network-kind.js';

describe('classifyNetwork', () => {
  it.each([
    [16509, 'Amazon.com, Inc.'],
    [14618, 'Amazon.com, Inc.'],
    [15169, 'Google LLC'],
    [396982, 'Google LLC'],
    [8075, 'Microsoft Corporation'],
    [14061, 'DigitalOcean, LLC'],
    [16276, 'OVH SAS'],
    [24940, 'Hetzner Online GmbH'],
    [63949, 'Akamai Technologies, Inc.'],
    [13335, 'Cloudflare, Inc.'],
    [31898, 'Oracle Corporation'],
    [45102, 'Alibaba (US) Technology Co., Ltd.'],
    [20473, 'The Constant Company, LLC'],
    [12876, 'Scaleway SAS'],
    [54113, 'Fastly, Inc.'],
    [60781, 'LeaseWeb Netherlands B.V.'],
    [51167, 'Contabo GmbH'],
    [9009, 'M247 Europe SRL'],
    [53813, 'ZSCALER, INC.'],
  ])('AS%i %s is hosting by its number', (asn, organization) => {
    expect(classifyNetwork(asn, organization)).toBe('hosting');
  });

  it.each([
    [7922, 'Comcast Cable Communications, LLC'],
    [20115, 'Charter Communications'],
    [701, 'Verizon Business'],
    [7018, 'AT&T Enterprises, LLC'],
    [21928, 'T-Mobile USA, Inc.'],
    [3320, 'Deutsche Telekom AG'],
    [3209, 'Vodafone GmbH'],
    [3215, 'Orange S.A.'],
    [2856, 'British Telecommunications PLC'],
    [3352, 'TELEFONICA DE ESPANA S.A.U.'],
    [1136, 'KPN B.V.'],
    [4134, 'Chinanet'],
  ])('AS%i %s is an ISP by its number', (asn, organization) => {
    expect(classifyNetwork(asn, organization)).toBe('isp');
  });

  it.each([
    'Spartan Host Ltd',
    'AME Hosting LLC',
    'Webhosting.Net, Inc.',
    'HostPapa',
    'AxusHost B.V.',
    'PlanetHoster',
    'Mekha Cloud Company Limited',
    'Southern Data Center',
    'Warsaw Datacenter Sp. z o.o.',
    'FIRST SERVER LIMITED',
    'Example VPS s.r.o.',
    'Colocation America Corporation',
    'Example CDN Ltd',
    'Example VPN Inc',
    'Example Dedicated Ltd',
    'China Telecom Cloud',
  ])('%s is hosting by its name', (organization) => {
    expect(classifyNetwork(4_200_000_001, organization)).toBe('hosting');
  });

  it.each([
    'Lumina broadband UAB',
    'UPSTREAM TELECOMMUNICATIONS AND SOFTWARE SYSTEMS S.A.',
    'LLC EGS-Telecom',
    'Datora Telecomunicacoes Ltda.',
    'Big River Telephone',
    'Optical Cable Networks Ltd.',
    'Yemen Mobile Company',
    'Infinite Wireless & Networking',
    'Sandwich Isles Communications, Inc',
    'Milani Fibre Pty Ltd',
    'Turk Telekomunikasyon Anonim Sirketi',
  ])('%s is an ISP by its name', (organization) => {
    expect(classifyNetwork(4_200_000_001, organization)).toBe('isp');
  });

  it.each([
    'Jungheinrich AG',
    'Arnold & Porter Kaye Scholer LLP',
    'Bank of China Limited',
    'Copenhagen Airports A/S',
    'Humble Independent School District',
    'SoundCloud Ltd',
    'Colorado State University',
    'EchoStar Corporation',
    'Ghost Foundation',
    'Mobileye Vision Technologies Ltd',
    '',
  ])('%j may be the visitor’s own network', (organization) => {
    const kind = classifyNetwork(4_200_000_001, organization);
    expect(kind).toBe('business');
    expect(mayBeVisitingCompany(kind)).toBe(true);
  });

  it('never offers a hosting or ISP network as a visiting company', () => {
    expect(mayBeVisitingCompany('hosting')).toBe(false);
    expect(mayBeVisitingCompany('isp')).toBe(false);
  });

  it('reads names whatever their case', () => {
    expect(classifyNetwork(4_200_000_001, 'HOSTING B2B LTD')).toBe('hosting');
    expect(classifyNetwork(4_200_000_001, 'stealth BROADBAND')).toBe('isp');
  });

  it('trusts the curated number where the name says nothing', () => {
    expect(classifyNetwork(6939, 'Hurricane Electric LLC')).toBe('hosting');
    expect(classifyNetwork(3356, 'Level 3 Parent, LLC')).toBe('isp');
  });

  it('keeps the curated lists apart', () => {
    const both = [...HOSTING_ASNS].filter((asn) => ISP_ASNS.has(asn));
    expect(both).toEqual([]);
  });
});
