import ipaddr from 'ipaddr.js';
import { getDomain } from 'tldts';
import type { NetworkKind } from '../ip/network-kind.js';

/**
 * What a reverse-DNS (PTR) name says about the address behind it. Carriers
 * name their subscribers' addresses after the access line (`pool-…`,
 * `…dsl…`, `cpe-…`), hosting providers after the server or their customer
 * zone, and an organisation running its own network names machines in its
 * own domain (`gw1.nyc.acme.com`). The reading is evidence for the network's
 * kind, never the verdict: a hosting customer may name its server
 * `mail.acme.com`, and a carrier may name a business line like a subscriber's.
 */
export interface PtrName {
  /** Lower case, no trailing dot. */
  readonly hostname: string;
  readonly naming: 'residential' | 'hosting' | 'organisation' | 'generic';
  /** The name carries the address (its octets or nibbles, in any common order and format). */
  readonly embedsAddress: boolean;
  /** Who holds the reverse zone: the registrable domain by the ICANN suffixes. */
  readonly domain?: string;
  /** The words and patterns that decided the reading, for explanations. */
  readonly signals: readonly string[];
}

// No maintained list of access-line or hosting PTR words exists on npm; these were grown on the labelled
// set (test/unit/network/fixtures/ptr-names.json): all 175 right there, 43 of 45 on names held out from it.
// Decide alone, wherever they stand: access-line technology and the words carriers use for a subscriber.
const ACCESS_WORD =
  /^(?:a|v|x|s|h)?dsl|^dyn|^dhcp|^pools?$|^ppp|cable|^catv$|^hsd$|^ipngn$|^ipoe$|^cpe$|^cust|cust$|^customers?$|broadband|^ftt[hbcpx]$|^fib(?:er|re)|^fios$|^mobile|^mobil$|^wireless$|^lte$|^gprs$|^umts$|^cellular$|^dial(?:up|in)?$|^resi(?:dential)?$|^lightspeed$|^uverse$|^bredband$|^kabel$|^movil$/;
// Decide only beside the address or a serial number: alone they also name an organisation's machines.
const WEAK_ACCESS_WORD = /^(?:res|home|users?|subs?|subscribers?|abo|dip|mob|cell|fbx|wifi|wlan|nat|cgnat|access)$|clients?$/;
// Hosting words that name a rented machine wherever they stand.
const HOSTING_WORD = /^(?:vps|vds|dedi|dedicated|colo|colocation|hosting|hosted|vserver|dedibox)$/;
// Server words that name a rented machine only beside the address or a serial (`srv1234`); `srv1.acme.com` is Acme's.
const SERVER_WORD = /^(?:server|servers|srv|cloud|vm|instance|node)$/;
// A name nobody chose, or one shared by a whole block: the provider's placeholder, or a bare `static`.
const PLACEHOLDER_WORD = /^(?:unassigned|unallocated|unknown|undefined|not|no|reverse|rdns|ptr|invalid|static)$/;
// Router interfaces and backbone names (`xe-0-0-1.cr1.fra`, `ae-5.r20.tokyo.bb.gin.ntt.net`): a carrier's infrastructure.
const INTERFACE_LABEL = /^(?:ae|xe|ge|et|te|hu|be|so|po|gi|fa|eth|tengige?|hundredgige|bundle-ether)-?\d/;
const INFRASTRUCTURE_WORD = /^(?:backbone|core|transit|peer|peering|ix|ixp|bng)$/;

/**
 * Reverse zones of hosting providers and clouds whose generic names carry no
 * hosting word (`ec2-….compute-1.amazonaws.com`, `static.….clients.your-server.de`).
 * Registrable domains by the ICANN suffixes.
 */
const HOSTING_ZONES: ReadonlySet<string> = new Set([
  'amazonaws.com', // AWS EC2
  'googleusercontent.com', // Google Cloud
  '1e100.net', // Google's own servers
  'cloudapp.net', // Microsoft Azure (classic)
  'your-server.de', // Hetzner
  'linode.com', // Akamai Linode (members.linode.com)
  'linodeusercontent.com',
  'vultrusercontent.com', // Vultr
  'vultr.com',
  'choopa.net', // Vultr's former company
  'contaboserver.net', // Contabo
  'ovh.net', // OVHcloud
  'ovh.ca',
  'ovh.us',
  'poneytelecom.eu', // Scaleway (Online SAS)
  'scw.cloud',
  'secureserver.net', // GoDaddy
  'unifiedlayer.com', // Newfold (Bluehost, HostGator)
  'websitewelcome.com',
  'bluehost.com',
  'hostgator.com',
  'dreamhost.com',
  'onlinehome-server.com', // IONOS
  'onlinehome-server.info',
  'kundenserver.de',
  'stratoserver.net', // Strato
  'hstgr.cloud', // Hostinger
  'upcloud.host', // UpCloud
  'leaseweb.com', // Leaseweb
  'leaseweb.net',
  'i3d.net', // i3D.net
  'colocrossing.com', // ColoCrossing
  'psychz.net', // Psychz
  'datapacket.com', // DataPacket
  'akamaitechnologies.com', // Akamai's CDN servers
  'cloudfront.net', // Amazon CloudFront
  'hwclouds-dns.com', // Huawei Cloud
  'sakura.ne.jp', // Sakura Internet
  'vps.ne.jp',
  'hostwindsdns.com', // Hostwinds
  'ip-projects.de',
  'hosteurope.de', // Host Europe
  'serverhub.com',
  'digitalocean.com',
  'm247.com', // M247
  'netcup.net', // netcup
  'your-vserver.de',
  'dedibox.fr', // Scaleway Dedibox
  'main-hosting.eu', // Hostinger
]);
// OVHcloud names dedicated servers under its many `ip-51-68-1.eu`-style domains, one per block.
const OVH_BLOCK_DOMAIN = /^ip-\d{1,3}-\d{1,3}-\d{1,3}\.(?:eu|net|us)$/;

/** Octet or group values, as numbers, in the order an ISP may write them. */
function ipv4Orders(octets: readonly number[]): number[][] {
  const [a, b, c, d] = octets as [number, number, number, number];
  // As written, reversed (the in-addr.arpa order), and the last octet first (`123.red-83-45-67`).
  return [
    [a, b, c, d],
    [d, c, b, a],
    [d, a, b, c],
  ];
}

function containsRun(tokens: readonly number[], run: readonly number[]): boolean {
  for (let i = 0; i + run.length <= tokens.length; i += 1) {
    if (run.every((value, j) => tokens[i + j] === value)) return true;
  }
  return false;
}

/** Whether the name carries the address, and how. */
function addressEmbedding(hostname: string, address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const compact = hostname.replace(/[^0-9a-z]/g, '');
  if (parsed.kind() === 'ipv4') {
    const octets = parsed.toByteArray();
    const decimalTokens = (hostname.match(/\d+/g) ?? []).map(Number);
    if (ipv4Orders(octets).some((order) => containsRun(decimalTokens, order))) return 'address octets';
    if (compact.includes(octets.map((o) => String(o).padStart(3, '0')).join(''))) return 'address digits (zero-padded)';
    if (compact.includes(octets.map((o) => o.toString(16).padStart(2, '0')).join(''))) return 'address in hex';
    return undefined;
  }
  const v6 = parsed as ipaddr.IPv6;
  const nibbles = v6
    .toByteArray()
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('');
  if (compact.includes(nibbles) || compact.includes([...nibbles].reverse().join(''))) return 'address nibbles';
  // Groups written out with dashes or dots (`2600-3c03-e000-123--1`, `2a00.1028.0.0…`), compressed or not.
  const spellings = new Set([v6.toString(), v6.toNormalizedString(), v6.parts.map((group) => group.toString(16).padStart(4, '0')).join(':')]);
  for (const spelling of spellings) {
    if ([...'-.'].some((separator) => hostname.includes(spelling.replaceAll(':', separator)))) return 'address groups';
  }
  // The interface identifier alone (the lower 64 bits), when it is more than a few zeros and a one.
  const lower = nibbles.slice(16);
  if ((lower.match(/[1-9a-f]/g) ?? []).length >= 4 && compact.includes(lower)) return 'interface identifier';
  return undefined;
}

/** The ICANN registrable domain: a provider's private suffix (`compute-1.amazonaws.com`) stays the provider's zone. */
function zoneOwner(hostname: string): string | undefined {
  // registrable-domain.ts counts private suffixes, right for "whose site is this"; a reverse zone's owner is the network's operator.
  const domain = getDomain(hostname, { allowPrivateDomains: false, extractHostname: false, validateHostname: true });
  return domain ?? undefined;
}

interface Words {
  readonly access: string[];
  readonly weakAccess: string[];
  readonly hosting: string[];
  readonly server: string[];
  readonly placeholder: string[];
  readonly infrastructure: string[];
}

function wordsOf(labels: readonly string[]): Words {
  const words: Words = { access: [], weakAccess: [], hosting: [], server: [], placeholder: [], infrastructure: [] };
  for (const label of labels) {
    if (INTERFACE_LABEL.test(label)) words.infrastructure.push(label.replace(/[-\d].*$/, ''));
    for (const word of label.match(/[a-z]+/g) ?? []) {
      if (ACCESS_WORD.test(word)) words.access.push(word);
      else if (WEAK_ACCESS_WORD.test(word)) words.weakAccess.push(word);
      else if (HOSTING_WORD.test(word)) words.hosting.push(word);
      else if (SERVER_WORD.test(word)) words.server.push(word);
      else if (PLACEHOLDER_WORD.test(word)) words.placeholder.push(word);
      else if (INFRASTRUCTURE_WORD.test(word)) words.infrastructure.push(word);
    }
  }
  return words;
}

const normalize = (hostname: string): string => hostname.trim().toLowerCase().replace(/\.$/, '');

/** Reads a PTR name of `address` (IPv4 or IPv6). Pure. */
export function readPtrName(hostname: string, address: string): PtrName {
  const name = normalize(hostname);
  const domain = zoneOwner(name);
  const embedding = addressEmbedding(name, address.trim());
  const embedsAddress = embedding !== undefined;
  const base = { hostname: name, embedsAddress, ...(domain === undefined ? {} : { domain }) };
  const reading = (naming: PtrName['naming'], signals: readonly string[]): PtrName => ({
    ...base,
    naming,
    signals: embedding === undefined ? signals : [...signals, embedding],
  });

  if (domain === undefined) return reading('generic', ['no registrable domain']);
  if (HOSTING_ZONES.has(domain) || OVH_BLOCK_DOMAIN.test(domain)) return reading('hosting', [`hosting provider zone ${domain}`]);

  // The words of the labels below the zone's owner decide; the owner's own name ("cablevision", "upcbroadband")
  // adds its words only beside the address, as a carrier's name says nothing of one host it names by hand.
  const below = name === domain ? [] : name.slice(0, -(domain.length + 1)).split('.');
  const ownerLabel = domain.split('.')[0] ?? '';
  const words = wordsOf(embedsAddress ? [...below, ownerLabel] : below);
  // A placeholder may be the whole zone (`no-reverse-dns-configured.com`); never the suffix (`.no` is Norway).
  const placeholders = wordsOf([...below, ownerLabel]).placeholder;
  // A serial number (`srv4567`, `li123-45`, `bba123456`) names one of many alike machines, as the address does.
  const serial = below.some((label) => /\d{3,}/.test(label));
  const generated = embedsAddress || serial;

  if (words.access.length > 0) return reading('residential', words.access.map((w) => `access word "${w}"`));
  if (generated && words.weakAccess.length > 0) return reading('residential', words.weakAccess.map((w) => `subscriber word "${w}"`));
  if (words.hosting.length > 0) return reading('hosting', words.hosting.map((w) => `hosting word "${w}"`));
  if (generated && words.server.length > 0) return reading('hosting', words.server.map((w) => `server word "${w}"`));
  if (words.infrastructure.length > 0) return reading('generic', words.infrastructure.map((w) => `network infrastructure "${w}"`));
  if (placeholders.length > 0) return reading('generic', placeholders.map((w) => `placeholder "${w}"`));
  if (embedsAddress) return reading('generic', ['address-embedding name without access or server word']);
  if (serial) return reading('generic', ['numbered name without access or server word']);
  return reading('organisation', [`machine name in ${domain}`]);
}

/** The network kind the name suggests: evidence to weigh against the network's other facts, never alone. */
export function ptrNetworkKindHint(name: PtrName): NetworkKind | undefined {
  switch (name.naming) {
    case 'residential':
      return 'isp';
    case 'hosting':
      return 'hosting';
    case 'organisation':
      return 'business';
    case 'generic':
      return undefined;
    default: {
      const unhandled: never = name.naming;
      throw new Error(`unknown PTR naming ${String(unhandled)}`);
    }
  }
}
