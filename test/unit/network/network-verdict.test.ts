import { describe, expect, it } from 'vitest';
import { networkVerdict, type NetworkEvidence } from '../../../intelligence/network/network-verdict.js';
import { readPtrName } from '../../../intelligence/network/ptr-naming.js';
import type { RdapNetwork } from '../../../intelligence/network/rdap-network.js';

function rdap(fields: Partial<RdapNetwork> & Pick<RdapNetwork, 'startAddress' | 'endAddress'>): RdapNetwork {
  return { handle: 'NET-TEST-1', domains: [], remarks: [], ...fields };
}

// An ASN number no hand label holds: only names and the address's own evidence decide.
const UNLABELLED = 4_200_000_123;

describe('networkVerdict', () => {
  it('trusts a hand-labelled number over every other piece of evidence', () => {
    const verdict = networkVerdict({
      asn: { asn: 16509, organization: 'Amazon.com, Inc.' },
      ptr: readPtrName('mail.example-shop.com', '3.120.5.9'),
    });
    expect(verdict.kind).toBe('hosting');
    expect(verdict.basis).toBe('checked');
    expect(verdict.company).toBeUndefined();
    expect(verdict.reasons[0]).toContain('AS16509');
  });

  it("takes the operator's PeeringDB type over the name, where no hand label exists", () => {
    const verdict = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Global Layer B.V.' },
      peeringDb: { name: 'Global Layer', infoType: 'Content', kind: 'hosting' },
    });
    expect(verdict).toMatchObject({ kind: 'hosting', basis: 'checked', company: undefined });
    expect(verdict.reasons[0]).toContain('PeeringDB');
  });

  it('lets a subscriber-pool or server PTR name overrule a name that says nothing', () => {
    const pool = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Nordlicht GmbH' },
      ptr: readPtrName('dyn-91-12-44-7.pool.nordlicht.de', '91.12.44.7'),
    });
    expect(pool).toMatchObject({ kind: 'isp', basis: 'read', company: undefined });
    const server = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Nordlicht GmbH' },
      ptr: readPtrName('vps-91-12-44-7.nordlicht.de', '91.12.44.7'),
    });
    expect(server).toMatchObject({ kind: 'hosting', company: undefined });
  });

  it("keeps a university's network its own whatever its PTR names say", () => {
    const verdict = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Example State University' },
      ptr: readPtrName('dhcp-10-44.wifi.examplestate.edu', '129.1.10.44'),
    });
    expect(verdict.kind).toBe('business');
  });

  it('reads carrier or hosting words in the registry record when the name says nothing', () => {
    const verdict = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Nordlicht GmbH' },
      rdap: rdap({ startAddress: '91.12.0.0', endAddress: '91.12.255.255', name: 'NORDLICHT-DEDICATED-SERVERS', remarks: ['Dedicated server hosting'] }),
    });
    expect(verdict).toMatchObject({ kind: 'hosting', company: undefined });
  });

  it("links a business network to the domain its machines are named in, corroborated by the registry's contacts", () => {
    const verdict = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Jungheinrich AG' },
      ptr: readPtrName('gw1.hamburg.jungheinrich.de', '194.25.1.9'),
      rdap: rdap({ startAddress: '194.25.1.0', endAddress: '194.25.1.255', registrant: { name: 'Jungheinrich AG' }, domains: ['jungheinrich.de'] }),
    });
    expect(verdict.kind).toBe('business');
    expect(verdict.company).toMatchObject({ domain: 'jungheinrich.de', name: 'Jungheinrich AG' });
    // 0.6 (PTR) and 0.5 (registry) as independent signals.
    expect(verdict.company?.confidence).toBe(0.8);
  });

  it('never names a company on a carrier or host, whatever domain the evidence carries', () => {
    const isp = networkVerdict({
      asn: { asn: 7922, organization: 'Comcast Cable Communications, LLC' },
      ptr: readPtrName('c-73-162-12-1.hsd1.ca.comcast.net', '73.162.12.1'),
      rdap: rdap({ startAddress: '73.0.0.0', endAddress: '73.255.255.255', registrant: { name: 'Comcast Cable Communications, LLC' }, domains: ['comcast.com'] }),
    });
    expect(isp).toMatchObject({ kind: 'isp', company: undefined });
  });

  it("takes a carrier's small block assigned to a customer for the customer's own network", () => {
    const evidence: NetworkEvidence = {
      asn: { asn: 3320, organization: 'Deutsche Telekom AG' },
      rdap: rdap({ startAddress: '80.146.220.0', endAddress: '80.146.220.63', type: 'ASSIGNED PA', registrant: { name: 'Acme Maschinenbau GmbH' }, domains: ['acme-maschinenbau.de'] }),
      ptr: readPtrName('mail.acme-maschinenbau.de', '80.146.220.10'),
    };
    const verdict = networkVerdict(evidence);
    expect(verdict.kind).toBe('business');
    expect(verdict.organization).toBe('Acme Maschinenbau GmbH');
    expect(verdict.company?.domain).toBe('acme-maschinenbau.de');
    expect(verdict.reasons[0]).toContain('customer of Deutsche Telekom AG');
    // The same block named as a subscriber pool is the carrier's.
    expect(networkVerdict({ ...evidence, ptr: readPtrName('p5092dc0a.dip0.t-ipconnect.de', '80.146.220.10') }).kind).toBe('isp');
    // A large block "assigned" elsewhere is a reseller's aggregate, not an office.
    expect(networkVerdict({ ...evidence, rdap: rdap({ startAddress: '80.146.0.0', endAddress: '80.146.255.255', registrant: { name: 'Acme Maschinenbau GmbH' } }), ptr: undefined }).kind).toBe('isp');
    // A customer that is itself a carrier stays a carrier.
    expect(networkVerdict({ ...evidence, rdap: rdap({ startAddress: '80.146.220.0', endAddress: '80.146.220.63', registrant: { name: 'Regio Telecom GmbH' } }), ptr: undefined }).kind).toBe('isp');
  });

  it('ignores free and ISP mail domains as a company', () => {
    const verdict = networkVerdict({
      asn: { asn: UNLABELLED, organization: 'Nordlicht GmbH' },
      rdap: rdap({ startAddress: '91.12.4.0', endAddress: '91.12.4.255', registrant: { name: 'Nordlicht GmbH' }, domains: ['gmail.com'] }),
    });
    expect(verdict.kind).toBe('business');
    expect(verdict.company).toBeUndefined();
  });

  it('knows nothing of an address no dataset places', () => {
    expect(networkVerdict({})).toMatchObject({ kind: undefined, basis: 'none', organization: undefined, company: undefined });
  });
});
