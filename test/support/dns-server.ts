import { createSocket, type RemoteInfo } from 'node:dgram';
import { isIPv4 } from 'node:net';

/**
 * A tiny authoritative DNS server over UDP, speaking the real wire protocol
 * (RFC 1035), so tests drive `node:dns` (c-ares) exactly as production does:
 * only the server's address differs.
 */

/** A name's records. A name in the table without records of the asked type answers NOERROR with no records. */
export interface DnsEntry {
  /** `exchange: ''` is a null MX (RFC 7505): the domain accepts no mail. */
  readonly mx?: ReadonlyArray<{ readonly exchange: string; readonly priority: number }>;
  readonly a?: readonly string[];
  /** PTR targets (host names), for reverse names such as `4.3.2.1.in-addr.arpa` (see `reverseName`). */
  readonly ptr?: readonly string[];
  /** TXT strings; each becomes one record (split into 255-byte character strings as the protocol needs). */
  readonly txt?: readonly string[];
  /** The name is an alias: every question about it is answered with this CNAME (and the target's records, when in the zone). */
  readonly cname?: string;
  /** `drop` never answers (the client times out); `servfail` answers SERVFAIL. */
  readonly behaviour?: 'drop' | 'servfail';
  /** Answers that change by themselves (DNS rebinding): the n-th A question gets the n-th entry's records, the last one from then on. */
  readonly sequence?: readonly DnsEntry[];
}

export type DnsTable = Readonly<Record<string, DnsEntry>>;

export interface DnsQueryLog {
  readonly name: string;
  readonly type: number;
}

export interface DnsServer {
  readonly port: number;
  /** Every question received, in order (dropped ones included). */
  readonly queries: readonly DnsQueryLog[];
  /** Puts (or replaces) a name's records while running: a record published or changed. */
  set(name: string, entry: DnsEntry): void;
  /** Takes a name out of the zone: afterwards it is NXDOMAIN. */
  remove(name: string): void;
  close(): Promise<void>;
}

export const DNS_TYPE = { A: 1, CNAME: 5, PTR: 12, MX: 15, TXT: 16 } as const;

/** The reverse-lookup name of an address (RFC 1035 in-addr.arpa, RFC 3596 ip6.arpa). */
export function reverseName(address: string): string {
  if (isIPv4(address)) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = groups(tail);
  const full = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const nibbles = full.map((g) => g.padStart(4, '0')).join('');
  return `${[...nibbles].reverse().join('.')}.ip6.arpa`;
}
const CLASS_IN = 1;
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
const HEADER_LENGTH = 12;
const TTL_SECONDS = 300;

interface Question {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly type: number;
  readonly qclass: number;
  /** The question section as received, echoed verbatim (it keeps the client's letter case). */
  readonly section: Buffer;
}

/** Parses the header and the first question; undefined when the packet is not a query we can answer. */
function parseQuery(packet: Buffer): Question | 'malformed' | undefined {
  if (packet.length < HEADER_LENGTH) return undefined;
  const id = packet.readUInt16BE(0);
  const flags = packet.readUInt16BE(2);
  if (flags & 0x8000) return undefined; // a response, not a query
  if (packet.readUInt16BE(4) !== 1) return 'malformed';
  const labels: string[] = [];
  let offset = HEADER_LENGTH;
  while (true) {
    const length = packet[offset];
    if (length === undefined || length > 63) return 'malformed'; // no compression pointers in a question
    offset += 1;
    if (length === 0) break;
    if (offset + length > packet.length) return 'malformed';
    labels.push(packet.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > packet.length) return 'malformed';
  const type = packet.readUInt16BE(offset);
  const qclass = packet.readUInt16BE(offset + 2);
  return { id, flags, name: labels.join('.').toLowerCase(), type, qclass, section: packet.subarray(HEADER_LENGTH, offset + 4) };
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((label) => label !== '');
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length > 63) throw new Error(`label too long in ${name}`);
    return Buffer.concat([Buffer.of(bytes.length), bytes]);
  });
  return Buffer.concat([...parts, Buffer.of(0)]);
}

/**
 * One resource record. Its owner is the question's name (a compression pointer to offset 12) unless
 * `owner` names another (a CNAME's target, written out in full).
 */
function resourceRecord(type: number, rdata: Buffer, owner?: string): Buffer {
  const ownerBytes = owner === undefined ? Buffer.of(0xc0 | (HEADER_LENGTH >> 8), HEADER_LENGTH & 0xff) : encodeName(owner);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(CLASS_IN, 2);
  fixed.writeUInt32BE(TTL_SECONDS, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([ownerBytes, fixed, rdata]);
}

function txtData(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const strings: Buffer[] = [];
  for (let offset = 0; offset < bytes.length || strings.length === 0; offset += 255) {
    const chunk = bytes.subarray(offset, offset + 255);
    strings.push(Buffer.concat([Buffer.of(chunk.length), chunk]));
  }
  return Buffer.concat(strings);
}

function answersFor(entry: DnsEntry, type: number, owner?: string): Buffer[] {
  if (type === DNS_TYPE.TXT) return (entry.txt ?? []).map((text) => resourceRecord(DNS_TYPE.TXT, txtData(text), owner));
  if (type === DNS_TYPE.MX) {
    return (entry.mx ?? []).map(({ exchange, priority }) => {
      const preference = Buffer.alloc(2);
      preference.writeUInt16BE(priority, 0);
      return resourceRecord(DNS_TYPE.MX, Buffer.concat([preference, encodeName(exchange)]), owner);
    });
  }
  if (type === DNS_TYPE.PTR) return (entry.ptr ?? []).map((host) => resourceRecord(DNS_TYPE.PTR, encodeName(host), owner));
  if (type === DNS_TYPE.A) {
    return (entry.a ?? []).map((address) => {
      if (!isIPv4(address)) throw new Error(`not an IPv4 address: ${address}`);
      return resourceRecord(DNS_TYPE.A, Buffer.from(address.split('.').map(Number)), owner);
    });
  }
  return [];
}

function response(id: number, queryFlags: number, rcode: number, question: Buffer | undefined, answers: readonly Buffer[]): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt16BE(id, 0);
  // QR, the query's opcode and RD, AA (we are the authority), RA, the response code.
  const flags = 0x8000 | (queryFlags & 0x7900) | 0x0400 | 0x0080 | rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(question ? 1 : 0, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, ...(question ? [question] : []), ...answers]);
}

function answer(packet: Buffer, table: ReadonlyMap<string, DnsEntry>, log: DnsQueryLog[]): Buffer | undefined {
  const query = parseQuery(packet);
  if (query === undefined) return undefined;
  if (query === 'malformed') return response(packet.readUInt16BE(0), packet.readUInt16BE(2), RCODE.FORMERR, undefined, []);
  log.push({ name: query.name, type: query.type });
  if (((query.flags >> 11) & 0xf) !== 0) return response(query.id, query.flags, RCODE.NOTIMP, query.section, []);
  const listed = table.get(query.name);
  const asked = log.filter((q) => q.name === query.name && q.type === DNS_TYPE.A).length;
  const entry = listed?.sequence?.[Math.min(Math.max(asked - 1, 0), listed.sequence.length - 1)] ?? listed;
  if (entry?.behaviour === 'drop') return undefined;
  if (entry?.behaviour === 'servfail') return response(query.id, query.flags, RCODE.SERVFAIL, query.section, []);
  if (entry === undefined) return response(query.id, query.flags, RCODE.NXDOMAIN, query.section, []);
  if (query.qclass !== CLASS_IN) return response(query.id, query.flags, RCODE.NOERROR, query.section, []);
  if (entry.cname !== undefined) {
    // An alias answers every question with itself, then (as a resolver would chase it) the target's records.
    const alias = resourceRecord(DNS_TYPE.CNAME, encodeName(entry.cname));
    const target = table.get(entry.cname.toLowerCase().replace(/\.$/, ''));
    const chased = query.type === DNS_TYPE.CNAME || target === undefined ? [] : answersFor(target, query.type, entry.cname);
    return response(query.id, query.flags, RCODE.NOERROR, query.section, [alias, ...chased]);
  }
  return response(query.id, query.flags, RCODE.NOERROR, query.section, answersFor(entry, query.type));
}

/**
 * Starts the server on 127.0.0.1 and a free port. `delayMs` holds every
 * answer that long, as a resolver across the internet would (benchmarks).
 */
export async function startDnsServer(table: DnsTable, opts: { delayMs?: number } = {}): Promise<DnsServer> {
  const zone = new Map(Object.entries(table).map(([name, entry]) => [name.toLowerCase().replace(/\.$/, ''), entry]));
  const queries: DnsQueryLog[] = [];
  const socket = createSocket('udp4');
  let closed = false;
  socket.on('message', (packet: Buffer, peer: RemoteInfo) => {
    const reply = answer(packet, zone, queries);
    if (reply === undefined) return;
    const send = () => {
      if (!closed) socket.send(reply, peer.port, peer.address);
    };
    if (opts.delayMs === undefined || opts.delayMs <= 0) send();
    else setTimeout(send, opts.delayMs);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    queries,
    set: (name, entry) => zone.set(name.toLowerCase().replace(/\.$/, ''), entry),
    remove: (name) => zone.delete(name.toLowerCase().replace(/\.$/, '')),
    close: () => {
      closed = true;
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
