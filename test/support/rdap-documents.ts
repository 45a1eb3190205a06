/**
 * RDAP answers (RFC 9083) in the shapes the five regional registries give,
 * written for the tests from the RFCs and the registries' documented
 * conventions: ARIN hangs the contacts under the organisation entity and
 * gives no country on the network; RIPE NCC and AFRINIC carry `descr` lines
 * as remarks, list maintainers as vCard-less entities and the organisation as
 * registrant; APNIC puts the holder's words in remarks and often names no
 * registrant; LACNIC names the owner as registrant with a country.
 * The holders are a mix of real operators and made-up businesses.
 */

export type Registry = 'arin' | 'ripe' | 'apnic' | 'lacnic' | 'afrinic';

type JCardProperty = [string, Record<string, string>, string, ...unknown[]];

export interface RdapEntityDocument {
  readonly objectClassName: 'entity';
  readonly handle: string;
  readonly roles: readonly string[];
  readonly vcardArray?: ['vcard', JCardProperty[]];
  readonly entities?: readonly RdapEntityDocument[];
  readonly [extra: string]: unknown;
}

export interface RdapNetworkDocument {
  readonly objectClassName: 'ip network';
  readonly handle: string;
  readonly startAddress: string;
  readonly endAddress: string;
  readonly [extra: string]: unknown;
}

interface Contact {
  readonly handle: string;
  readonly roles: readonly string[];
  readonly fn?: string;
  readonly kind?: 'individual' | 'org' | 'group';
  readonly org?: string;
  readonly emails?: readonly string[];
  readonly urls?: readonly string[];
  readonly adr?: { readonly label: string; readonly cc?: string; readonly country?: string };
  readonly tel?: string;
  readonly entities?: readonly RdapEntityDocument[];
}

/** An entity with its jCard (RFC 7095): `["vcard", [["version", {}, "text", "4.0"], ...]]`. */
export function entity(contact: Contact): RdapEntityDocument {
  const properties: JCardProperty[] = [['version', {}, 'text', '4.0']];
  if (contact.fn !== undefined) properties.push(['fn', {}, 'text', contact.fn]);
  if (contact.kind !== undefined) properties.push(['kind', {}, 'text', contact.kind]);
  if (contact.org !== undefined) properties.push(['org', {}, 'text', contact.org]);
  if (contact.adr !== undefined) {
    const params: Record<string, string> = { label: contact.adr.label };
    if (contact.adr.cc !== undefined) params['cc'] = contact.adr.cc;
    properties.push(['adr', params, 'text', ['', '', '', '', '', '', contact.adr.country ?? '']]);
  }
  if (contact.tel !== undefined) properties.push(['tel', { type: 'work' }, 'uri', `tel:${contact.tel}`]);
  for (const email of contact.emails ?? []) properties.push(['email', {}, 'text', email]);
  for (const url of contact.urls ?? []) properties.push(['url', {}, 'uri', url]);
  return {
    objectClassName: 'entity',
    handle: contact.handle,
    roles: contact.roles,
    ...(contact.fn === undefined && contact.emails === undefined ? {} : { vcardArray: ['vcard', properties] as ['vcard', JCardProperty[]] }),
    ...(contact.entities === undefined ? {} : { entities: contact.entities }),
    events: [{ eventAction: 'last changed', eventDate: '2024-03-11T09:12:40Z' }],
  };
}

/** A maintainer as RIPE NCC and AFRINIC list them: a handle and a role, no vCard. */
const maintainer = (handle: string): RdapEntityDocument => ({ objectClassName: 'entity', handle, roles: ['registrant'] });

interface NetworkParts {
  readonly handle: string;
  readonly startAddress: string;
  readonly endAddress: string;
  readonly name?: string;
  readonly type?: string;
  readonly country?: string;
  readonly parentHandle?: string;
  readonly remarks?: readonly { readonly title?: string; readonly description: readonly string[] }[];
  readonly entities: readonly RdapEntityDocument[];
}

const CONFORMANCE: Record<Registry, readonly string[]> = {
  arin: ['nro_rdap_profile_0', 'rdap_level_0', 'cidr0', 'arin_originas0'],
  ripe: ['cidr0', 'rdap_level_0', 'nro_rdap_profile_0', 'redacted'],
  apnic: ['history_version_0', 'nro_rdap_profile_0', 'apnic_cidr0', 'cidr0', 'rdap_level_0'],
  lacnic: ['rdap_level_0', 'cidr0', 'nro_rdap_profile_0'],
  afrinic: ['rdap_level_0', 'nro_rdap_profile_0', 'cidr0'],
};

/** An `ip network` object as a registry answers it (RFC 9083 §5.4), with the notices and links every answer carries. */
export function ipNetwork(registry: Registry, parts: NetworkParts): RdapNetworkDocument {
  const v6 = parts.startAddress.includes(':');
  return {
    rdapConformance: CONFORMANCE[registry],
    notices: [
      { title: 'Terms and Conditions', description: [`This is the ${registry.toUpperCase()} RDAP service, subject to its terms of use.`], links: [] },
    ],
    objectClassName: 'ip network',
    handle: parts.handle,
    startAddress: parts.startAddress,
    endAddress: parts.endAddress,
    ipVersion: v6 ? 'v6' : 'v4',
    ...(parts.name === undefined ? {} : { name: parts.name }),
    ...(parts.type === undefined ? {} : { type: parts.type }),
    ...(parts.country === undefined ? {} : { country: parts.country }),
    ...(parts.parentHandle === undefined ? {} : { parentHandle: parts.parentHandle }),
    status: ['active'],
    ...(parts.remarks === undefined ? {} : { remarks: parts.remarks }),
    entities: parts.entities,
    events: [
      { eventAction: 'registration', eventDate: '2014-03-14T16:52:05Z' },
      { eventAction: 'last changed', eventDate: '2023-11-02T10:41:19Z' },
    ],
    port43: `whois.${registry}.net`,
  };
}

/** ARIN: Google's 8.8.8.0/24 under Level 3's allocation; the contacts nested in the organisation entity. */
export const ARIN_GOOGLE = ipNetwork('arin', {
  handle: 'NET-8-8-8-0-2',
  startAddress: '8.8.8.0',
  endAddress: '8.8.8.255',
  name: 'GOGL',
  type: 'DIRECT ALLOCATION',
  parentHandle: 'NET-8-0-0-0-0',
  remarks: [{ title: 'Registration Comments', description: ['Google public DNS resolvers.'] }],
  entities: [
    entity({
      handle: 'GOGL',
      roles: ['registrant'],
      fn: 'Google LLC',
      kind: 'org',
      adr: { label: '1600 Amphitheatre Parkway\nMountain View\nCA\n94043\nUnited States', cc: 'US' },
      entities: [
        entity({ handle: 'ABUSE5250-ARIN', roles: ['abuse'], fn: 'Abuse', kind: 'group', emails: ['network-abuse@google.com'], tel: '+1-650-253-0000' }),
        entity({ handle: 'ZG39-ARIN', roles: ['administrative', 'technical'], fn: 'Google LLC', kind: 'group', emails: ['arin-contact@google.com'], tel: '+1-650-253-0000' }),
      ],
    }),
  ],
});

export const ARIN_LEVEL3 = ipNetwork('arin', {
  handle: 'NET-8-0-0-0-0',
  startAddress: '8.0.0.0',
  endAddress: '8.127.255.255',
  name: 'LVLT-ORG-8-8',
  type: 'DIRECT ALLOCATION',
  remarks: [{ title: 'Registration Comments', description: ['ADDRESSES WITHIN THIS BLOCK ARE NON-PORTABLE.'] }],
  entities: [
    entity({
      handle: 'LPL-141',
      roles: ['registrant'],
      fn: 'Level 3 Parent, LLC',
      kind: 'org',
      adr: { label: '100 CenturyLink Drive\nMonroe\nLA\n71203\nUnited States', cc: 'US' },
      entities: [
        entity({ handle: 'IPADD5-ARIN', roles: ['administrative', 'technical'], fn: 'ipaddressing', kind: 'group', emails: ['ipaddressing@lumen.com'] }),
        entity({ handle: 'LAC56-ARIN', roles: ['abuse'], fn: 'L3 Abuse Contact', kind: 'group', emails: ['abuse@level3.com'] }),
      ],
    }),
  ],
});

/** ARIN: a small business's /29 reassigned out of a cable operator's block (a "SWIP"); one contact uses free mail. */
export const ARIN_ACME_REASSIGNMENT = ipNetwork('arin', {
  handle: 'NET-96-64-10-0-1',
  startAddress: '96.64.10.0',
  endAddress: '96.64.10.7',
  name: 'ACME-WIDGETS-BOS',
  type: 'REASSIGNED',
  parentHandle: 'NET-96-64-0-0-1',
  entities: [
    entity({
      handle: 'C08412345',
      roles: ['registrant'],
      fn: 'Acme Widgets Inc',
      kind: 'org',
      adr: { label: '200 Summer St\nBoston\nMA\n02210\nUnited States', cc: 'US' },
      entities: [
        entity({ handle: 'AWI12-ARIN', roles: ['technical'], fn: 'Acme Widgets IT', kind: 'group', emails: ['acmewidgets.it@gmail.com'] }),
        entity({ handle: 'AWA3-ARIN', roles: ['administrative'], fn: 'Jordan Smith', kind: 'individual', emails: ['it@acmewidgets.com', 'jordan@acmewidgets.com'] }),
      ],
    }),
  ],
});

export const ARIN_COMCAST = ipNetwork('arin', {
  handle: 'NET-96-64-0-0-1',
  startAddress: '96.64.0.0',
  endAddress: '96.95.255.255',
  name: 'BUSINESSCLASS',
  type: 'DIRECT ALLOCATION',
  remarks: [{ title: 'Registration Comments', description: ['Comcast Business Class services.'] }],
  entities: [
    entity({
      handle: 'CCCS',
      roles: ['registrant'],
      fn: 'Comcast Cable Communications, LLC',
      kind: 'org',
      adr: { label: '1800 Bishops Gate Blvd\nMount Laurel\nNJ\n08054\nUnited States', cc: 'US' },
      entities: [
        entity({ handle: 'IPADD1-ARIN', roles: ['administrative'], fn: 'IP ADMIN', kind: 'group', emails: ['cip_engineering@comcast.com'] }),
        entity({ handle: 'NAPO-ARIN', roles: ['technical'], fn: 'Network Operations', kind: 'group', emails: ['cip_engineering@comcast.com'] }),
        entity({ handle: 'NAPO-ARIN', roles: ['abuse'], fn: 'Network Abuse and Policy Observance', kind: 'group', emails: ['abuse@comcast.net'] }),
      ],
    }),
  ],
});

/** RIPE NCC: Hetzner's allocation; the organisation as registrant, a role object for admin and tech, maintainers without vCards, descr as remarks. */
export const RIPE_HETZNER = ipNetwork('ripe', {
  handle: '88.198.0.0 - 88.198.255.255',
  startAddress: '88.198.0.0',
  endAddress: '88.198.255.255',
  name: 'HETZNER-FSN1-DC1',
  type: 'ALLOCATED PA',
  country: 'DE',
  parentHandle: '88.0.0.0 - 88.255.255.255',
  remarks: [{ description: ['Hetzner Online GmbH', 'Datacenter Falkenstein FSN1-DC1'] }],
  entities: [
    entity({
      handle: 'ORG-HOA1-RIPE',
      roles: ['registrant'],
      fn: 'Hetzner Online GmbH',
      kind: 'org',
      adr: { label: 'Industriestrasse 25\n91710\nGunzenhausen\nGERMANY' },
    }),
    entity({ handle: 'HOAC1-RIPE', roles: ['administrative', 'technical'], fn: 'Hetzner Online GmbH - Contact Role', kind: 'group', emails: ['info@hetzner.com'], urls: ['https://www.hetzner.com/'] }),
    entity({ handle: 'HOAC1-RIPE', roles: ['abuse'], fn: 'Hetzner Online GmbH - Abuse Role', kind: 'group', emails: ['abuse@hetzner.com'] }),
    maintainer('HOS-GUN'),
    maintainer('RIPE-NCC-HM-MNT'),
  ],
});

export const RIPE_HETZNER_V6 = ipNetwork('ripe', {
  handle: '2a01:4f8::/29',
  startAddress: '2a01:4f8::',
  endAddress: '2a01:4ff:ffff:ffff:ffff:ffff:ffff:ffff',
  name: 'DE-HETZNER-20040617',
  type: 'ALLOCATED-BY-RIR',
  country: 'DE',
  remarks: [{ description: ['Hetzner Online GmbH'] }],
  entities: [
    entity({ handle: 'ORG-HOA1-RIPE', roles: ['registrant'], fn: 'Hetzner Online GmbH', kind: 'org' }),
    entity({ handle: 'HOAC1-RIPE', roles: ['administrative', 'technical'], fn: 'Hetzner Online GmbH - Contact Role', kind: 'group', emails: ['info@hetzner.com'] }),
    maintainer('HOS-GUN'),
  ],
});

/** RIPE NCC's own block: the registrant is the registry itself, its domain is never a holder's. */
export const RIPE_NCC_OWN = ipNetwork('ripe', {
  handle: '193.0.0.0 - 193.0.7.255',
  startAddress: '193.0.0.0',
  endAddress: '193.0.7.255',
  name: 'RIPE-NCC',
  type: 'ASSIGNED PA',
  country: 'NL',
  remarks: [{ description: ['RIPE Network Coordination Centre', 'Amsterdam, Netherlands'] }],
  entities: [
    entity({ handle: 'ORG-RIEN1-RIPE', roles: ['registrant'], fn: 'Reseaux IP Europeens Network Coordination Centre (RIPE NCC)', kind: 'org' }),
    entity({ handle: 'OPS4-RIPE', roles: ['administrative', 'technical'], fn: 'RIPE NCC Operations', kind: 'group', emails: ['ops@ripe.net'], urls: ['https://www.ripe.net/'] }),
    maintainer('RIPE-NCC-MNT'),
  ],
});

/** A European business in space that moved from ARIN's books: ARIN redirects to RIPE NCC for it. */
export const RIPE_TRANSFERRED = ipNetwork('ripe', {
  handle: '185.40.4.0 - 185.40.7.255',
  startAddress: '185.40.4.0',
  endAddress: '185.40.7.255',
  name: 'NORDFRAKT-NET',
  type: 'ASSIGNED PA',
  country: 'SE',
  remarks: [{ description: ['Nordfrakt Logistik AB', 'Office network Goteborg'] }],
  entities: [
    entity({ handle: 'ORG-NLA7-RIPE', roles: ['registrant'], fn: 'Nordfrakt Logistik AB', kind: 'org' }),
    entity({ handle: 'NL123-RIPE', roles: ['administrative'], fn: 'Lars Berg', kind: 'individual', emails: ['lars.berg@nordfrakt.se'] }),
    entity({ handle: 'NL124-RIPE', roles: ['technical'], fn: 'Nordfrakt NOC', kind: 'group', emails: ['noc@nordfrakt.se', 'noc@telia.se'] }),
  ],
});

/** APNIC: no registrant role; the holder's words are remarks; contacts and an IRT for abuse. */
export const APNIC_KOALA = ipNetwork('apnic', {
  handle: '203.2.218.0 - 203.2.218.255',
  startAddress: '203.2.218.0',
  endAddress: '203.2.218.255',
  name: 'KOALAFREIGHT-AU',
  type: 'ASSIGNED PORTABLE',
  country: 'AU',
  remarks: [
    { title: 'description', description: ['Koala Freight Pty Ltd', 'Level 5, 100 Queen Street, Melbourne VIC 3000'] },
    { title: 'remarks', description: ['Routed by AS64500'] },
  ],
  entities: [
    entity({ handle: 'IRT-KOALAFREIGHT-AU', roles: ['abuse'], fn: 'IRT-KOALAFREIGHT-AU', kind: 'group', emails: ['abuse@koalafreight.com.au'] }),
    entity({ handle: 'KFNO1-AP', roles: ['administrative', 'technical'], fn: 'Koala Freight Network Operations', kind: 'group', emails: ['noc@koalafreight.com.au'], adr: { label: 'Level 5, 100 Queen Street\nMelbourne VIC 3000' }, }),
  ],
});

/** APNIC Labs' research prefix: every contact is the registry's own. */
export const APNIC_LABS = ipNetwork('apnic', {
  handle: '1.1.1.0 - 1.1.1.255',
  startAddress: '1.1.1.0',
  endAddress: '1.1.1.255',
  name: 'APNIC-LABS',
  type: 'ASSIGNED PORTABLE',
  country: 'AU',
  remarks: [
    { title: 'description', description: ['APNIC and Cloudflare DNS Resolver project', 'Routed globally by AS13335/Cloudflare', 'Research prefix for APNIC Labs'] },
  ],
  entities: [
    entity({ handle: 'IRT-APNICRANDNET-AU', roles: ['abuse'], fn: 'IRT-APNICRANDNET-AU', kind: 'group', emails: ['helpdesk@apnic.net'] }),
    entity({ handle: 'AR302-AP', roles: ['administrative', 'technical'], fn: 'APNIC RESEARCH', kind: 'group', emails: ['research@apnic.net'] }),
  ],
});

/** LACNIC: the owner as registrant with its country; CIDR handles; contacts with a web address. */
export const LACNIC_ANDINOS = ipNetwork('lacnic', {
  handle: '200.27.96.0/21',
  startAddress: '200.27.96.0',
  endAddress: '200.27.103.255',
  type: 'ASSIGNED PA',
  country: 'CL',
  parentHandle: '200.27.0.0/16',
  entities: [
    entity({
      handle: 'CL-TRAN3-LACNIC',
      roles: ['registrant'],
      fn: 'Transportes Andinos S.A.',
      kind: 'org',
      adr: { label: 'Av. Apoquindo 4500\nSantiago', country: 'CL' },
      urls: ['http://www.transandinos.cl'],
    }),
    entity({ handle: 'JPE12', roles: ['administrative'], fn: 'Juan Perez', kind: 'individual', emails: ['jperez@transandinos.cl'] }),
    entity({ handle: 'RED7', roles: ['technical'], fn: 'Redes Transandinos', kind: 'group', emails: ['redes@transandinos.cl'] }),
    entity({ handle: 'ABU3', roles: ['abuse'], fn: 'Abuse', kind: 'group', emails: ['abuse@entel.cl'] }),
  ],
});

/** AFRINIC: RIPE-like; one technical contact on free mail, one on the registry's hostmaster address. */
export const AFRINIC_SAFARI = ipNetwork('afrinic', {
  handle: '41.203.64.0 - 41.203.67.255',
  startAddress: '41.203.64.0',
  endAddress: '41.203.67.255',
  name: 'SAFARILOG-KE',
  type: 'ASSIGNED PA',
  country: 'KE',
  remarks: [{ description: ['Safari Logistics Ltd', 'Mombasa Road, Nairobi'] }],
  entities: [
    entity({ handle: 'ORG-SLL2-AFRINIC', roles: ['registrant'], fn: 'Safari Logistics Ltd', kind: 'org' }),
    entity({ handle: 'SL12-AFRINIC', roles: ['technical'], fn: 'Safari NOC', kind: 'group', emails: ['safarinoc@yahoo.com', 'noc@safarilogistics.co.ke'] }),
    entity({ handle: 'AFHM1-AFRINIC', roles: ['administrative'], fn: 'AfriNIC Hostmaster', kind: 'group', emails: ['hostmaster@afrinic.net'] }),
    maintainer('AFRINIC-HM-MNT'),
  ],
});

/** Every network each registry of the local server holds. */
export const REGISTRY_NETWORKS: Readonly<Record<Registry, readonly RdapNetworkDocument[]>> = {
  arin: [ARIN_GOOGLE, ARIN_LEVEL3, ARIN_ACME_REASSIGNMENT, ARIN_COMCAST],
  ripe: [RIPE_HETZNER, RIPE_HETZNER_V6, RIPE_NCC_OWN, RIPE_TRANSFERRED],
  apnic: [APNIC_KOALA, APNIC_LABS],
  lacnic: [LACNIC_ANDINOS],
  afrinic: [AFRINIC_SAFARI],
};

/**
 * Which registry IANA's bootstrap names for each prefix (a small part of the
 * real files). 185.0.0.0/8 is listed under ARIN here so that ARIN's redirect
 * to RIPE NCC is exercised; 5.0.0.0/8 is RIPE NCC's with nothing in it (404).
 */
export const BOOTSTRAP_PREFIXES: Readonly<Record<Registry, { readonly ipv4: readonly string[]; readonly ipv6: readonly string[]; readonly asn: readonly string[] }>> = {
  arin: { ipv4: ['8.0.0.0/8', '96.0.0.0/6', '185.40.0.0/16'], ipv6: ['2600::/12'], asn: ['1-1876', '3354-4607', '13312-15359'] },
  ripe: { ipv4: ['5.0.0.0/8', '88.0.0.0/8', '185.0.0.0/8', '193.0.0.0/8'], ipv6: ['2a00::/12'], asn: ['1877-1901', '196608-210331'] },
  apnic: { ipv4: ['1.0.0.0/8', '203.0.0.0/8'], ipv6: ['2400::/12'], asn: ['4608-4865', '131072-141625'] },
  lacnic: { ipv4: ['177.0.0.0/8', '200.0.0.0/8'], ipv6: ['2800::/12'], asn: ['27648-28671', '262144-273820'] },
  afrinic: { ipv4: ['41.0.0.0/8'], ipv6: ['2c00::/12'], asn: ['36864-37887', '327680-329727'] },
};
