import { describe, expect, it } from 'vitest';
import { parseRdapNetwork, type RdapNetwork } from '../../../intelligence/network/rdap-network.js';
import type { Outcome } from '../../../platform/outcome.js';
import {
  AFRINIC_SAFARI,
  APNIC_KOALA,
  APNIC_LABS,
  ARIN_ACME_REASSIGNMENT,
  ARIN_COMCAST,
  ARIN_GOOGLE,
  entity,
  ipNetwork,
  LACNIC_ANDINOS,
  RIPE_HETZNER,
  RIPE_HETZNER_V6,
  RIPE_NCC_OWN,
  RIPE_TRANSFERRED,
} from '../../support/rdap-documents.js';

const network = (outcome: Outcome<RdapNetwork>): RdapNetwork => {
  if (!outcome.ok) throw new Error(`expected a network, got ${JSON.stringify(outcome.problem)}`);
  return outcome.value;
};

describe('parseRdapNetwork: ARIN', () => {
  it('takes the registrant organisation and the domains of the contacts nested in it', () => {
    expect(network(parseRdapNetwork(ARIN_GOOGLE))).toEqual({
      handle: 'NET-8-8-8-0-2',
      name: 'GOGL',
      type: 'DIRECT ALLOCATION',
      startAddress: '8.8.8.0',
      endAddress: '8.8.8.255',
      country: 'US',
      registrant: { name: 'Google LLC', handle: 'GOGL' },
      domains: ['google.com'],
      remarks: ['Google public DNS resolvers.'],
      parentHandle: 'NET-8-0-0-0-0',
    });
  });

  it("leaves free mail out and orders a reassignment's domains by citations", () => {
    const acme = network(parseRdapNetwork(ARIN_ACME_REASSIGNMENT));
    expect(acme.registrant).toEqual({ name: 'Acme Widgets Inc', handle: 'C08412345' });
    expect(acme.domains).toEqual(['acmewidgets.com']);
    expect(acme.type).toBe('REASSIGNED');
  });

  it("counts the administrative and technical contacts, not the abuse desk's", () => {
    const comcast = network(parseRdapNetwork(ARIN_COMCAST));
    expect(comcast.registrant?.name).toBe('Comcast Cable Communications, LLC');
    // abuse@comcast.net is the abuse role's (and a home ISP's mail domain): not the holder's.
    expect(comcast.domains).toEqual(['comcast.com']);
  });
});

describe('parseRdapNetwork: RIPE NCC', () => {
  it('reads the organisation as registrant, descr lines as remarks, and skips maintainers without a vCard', () => {
    expect(network(parseRdapNetwork(RIPE_HETZNER))).toEqual({
      handle: '88.198.0.0 - 88.198.255.255',
      name: 'HETZNER-FSN1-DC1',
      type: 'ALLOCATED PA',
      startAddress: '88.198.0.0',
      endAddress: '88.198.255.255',
      country: 'DE',
      registrant: { name: 'Hetzner Online GmbH', handle: 'ORG-HOA1-RIPE' },
      domains: ['hetzner.com'],
      remarks: ['Hetzner Online GmbH', 'Datacenter Falkenstein FSN1-DC1'],
      parentHandle: '88.0.0.0 - 88.255.255.255',
    });
  });

  it('reads IPv6 networks, their addresses in the canonical form', () => {
    const v6 = network(parseRdapNetwork(RIPE_HETZNER_V6));
    expect(v6).toMatchObject({ startAddress: '2a01:4f8::', endAddress: '2a01:4ff:ffff:ffff:ffff:ffff:ffff:ffff', registrant: { name: 'Hetzner Online GmbH' } });
  });

  it('never gives a registry domain as a holder domain, and keeps the registry as registrant of its own block', () => {
    const ncc = network(parseRdapNetwork(RIPE_NCC_OWN));
    expect(ncc.domains).toEqual([]);
    expect(ncc.registrant?.handle).toBe('ORG-RIEN1-RIPE');
  });

  it('puts the most cited domain first', () => {
    expect(network(parseRdapNetwork(RIPE_TRANSFERRED)).domains[0]).toBe('nordfrakt.se');
  });
});

describe('parseRdapNetwork: APNIC', () => {
  it('with no registrant role, takes the first administrative or technical contact; the holder words are the remarks', () => {
    const koala = network(parseRdapNetwork(APNIC_KOALA));
    expect(koala.registrant).toEqual({ name: 'Koala Freight Network Operations', handle: 'KFNO1-AP' });
    expect(koala.domains).toEqual(['koalafreight.com.au']);
    expect(koala.remarks).toEqual(['Koala Freight Pty Ltd', 'Level 5, 100 Queen Street, Melbourne VIC 3000', 'Routed by AS64500']);
    expect(koala.country).toBe('AU');
  });

  it('names no registrant and no domain when every contact is the registry', () => {
    const labs = network(parseRdapNetwork(APNIC_LABS));
    expect(labs.registrant).toBeUndefined();
    expect(labs.domains).toEqual([]);
    expect(labs.remarks).toContain('Routed globally by AS13335/Cloudflare');
  });
});

describe('parseRdapNetwork: LACNIC and AFRINIC', () => {
  it("reads LACNIC's registrant, its web address among the domains, and no name when the registry gives none", () => {
    const andinos = network(parseRdapNetwork(LACNIC_ANDINOS));
    expect(andinos).toMatchObject({ handle: '200.27.96.0/21', country: 'CL', registrant: { name: 'Transportes Andinos S.A.', handle: 'CL-TRAN3-LACNIC' } });
    expect(andinos.name).toBeUndefined();
    expect(andinos.domains).toEqual(['transandinos.cl']);
    expect(andinos.remarks).toEqual([]);
  });

  it("leaves AFRINIC's hostmaster and free mail out of the domains", () => {
    const safari = network(parseRdapNetwork(AFRINIC_SAFARI));
    expect(safari.registrant).toEqual({ name: 'Safari Logistics Ltd', handle: 'ORG-SLL2-AFRINIC' });
    expect(safari.domains).toEqual(['safarilogistics.co.ke']);
    expect(safari.remarks).toEqual(['Safari Logistics Ltd', 'Mombasa Road, Nairobi']);
  });
});

describe('parseRdapNetwork: vCards', () => {
  it('falls back to the org property, takes the country from the address, reads mailto and bare web addresses', () => {
    const doc = ipNetwork('arin', {
      handle: 'NET-192-0-2-0-1',
      startAddress: '192.0.2.0',
      endAddress: '192.0.2.255',
      entities: [
        {
          objectClassName: 'entity',
          handle: 'EX-1',
          roles: ['registrant', 'technical'],
          vcardArray: [
            'vcard',
            [
              ['version', {}, 'text', '4.0'],
              ['org', {}, 'text', ['Example Corp', 'Networks']],
              ['adr', {}, 'text', ['', '', '1 Main St', 'Springfield', '', '', 'ca']],
              ['email', {}, 'text', 'mailto:noc@mail.example-corp.com'],
              ['url', {}, 'uri', 'www.example-corp.com/contact'],
            ],
          ],
        },
      ],
    });
    expect(network(parseRdapNetwork(doc))).toMatchObject({ registrant: { name: 'Example Corp', handle: 'EX-1' }, country: 'CA', domains: ['example-corp.com'] });
  });

  it('skips an entity without a vCard and a contact whose only role is abuse when choosing a registrant', () => {
    const doc = ipNetwork('ripe', {
      handle: '192.0.2.0 - 192.0.2.255',
      startAddress: '192.0.2.0',
      endAddress: '192.0.2.255',
      entities: [
        { objectClassName: 'entity', handle: 'EX-MNT', roles: ['registrant'] },
        entity({ handle: 'AB-1', roles: ['abuse'], fn: 'Abuse desk', emails: ['abuse@upstream.example'] }),
        entity({ handle: 'NOC-1', roles: ['noc'], fn: 'Example NOC', emails: ['noc@example.org'] }),
      ],
    });
    const parsed = network(parseRdapNetwork(doc));
    expect(parsed.registrant).toEqual({ name: 'Example NOC', handle: 'NOC-1' });
    expect(parsed.domains).toEqual([]);
  });
});

describe('parseRdapNetwork: what is not an ip network', () => {
  it('is an invalid-input problem naming the field', () => {
    expect(parseRdapNetwork('<html>Service Unavailable</html>')).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: [] } });
    expect(parseRdapNetwork([ARIN_GOOGLE])).toMatchObject({ ok: false, problem: { kind: 'invalid-input', path: [] } });
    expect(parseRdapNetwork({ errorCode: 404, title: 'Not Found' })).toMatchObject({ ok: false, problem: { path: ['objectClassName'] } });
    expect(parseRdapNetwork({ ...ARIN_GOOGLE, objectClassName: 'autnum' })).toMatchObject({ ok: false, problem: { message: 'expected "ip network", got "autnum"' } });
    expect(parseRdapNetwork({ ...ARIN_GOOGLE, handle: '' })).toMatchObject({ ok: false, problem: { path: ['handle'] } });
    expect(parseRdapNetwork({ ...ARIN_GOOGLE, startAddress: '8.8.8' })).toMatchObject({ ok: false, problem: { path: ['startAddress'] } });
    expect(parseRdapNetwork({ ...ARIN_GOOGLE, endAddress: '2001:db8::' })).toMatchObject({ ok: false, problem: { path: ['endAddress'] } });
  });

  it('reads what it can of odd entities instead of failing the network', () => {
    const odd = { ...ARIN_GOOGLE, entities: [null, 'x', { roles: 'registrant' }, { objectClassName: 'entity', vcardArray: ['vcard', 'x'] }], remarks: [{ description: [' Line ', 4, ''] }, 'x'] };
    expect(network(parseRdapNetwork(odd))).toMatchObject({ handle: 'NET-8-8-8-0-2', domains: [], remarks: ['Line'] });
  });
});
